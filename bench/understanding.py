"""How well the offline model understands customers: accuracy per decision (bench/README.md).

Wrong direction is a clear answer read as its opposite; the goal is at most 1 % of the clear
answers in every report ("> 1%" marks a miss).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("HANDOFF_REFERENCE_DATE", "2026-06-15")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from support_agent.offline.understanding import decisions  # noqa: E402
from support_agent.offline.understanding.decisions import OPPOSITE  # noqa: E402
from support_agent.workflows import WORKFLOWS  # noqa: E402

# What the agent actually asks: each decision through its workflow's classifier
# (the learned model plus any declared layer in front of it).
AGENT_CLASSIFIERS = {
    "warranty": WORKFLOWS["support"].offline_rules.classifiers["warranty"],
    "issue": WORKFLOWS["support"].offline_rules.classifiers["issue"],
    "routing": WORKFLOWS["handoffs"].offline_rules.classifiers["topic"],
}

HELDOUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "heldout"
REGISTERS = HELDOUT.parent / "registers"
GOAL = 0.01  # wrong-direction readings, as a share of clear answers, in every report


def score(name: str, rows: list[tuple[str, str]], learned=None) -> dict:
    """Each row read as the agent reads it, or (`learned`) by that model in the decision."""
    start = time.perf_counter()
    found = []  # (expected, read, margin, source, text)
    for text, expected in rows:
        if learned is None:
            found.append((expected, AGENT_CLASSIFIERS[name].classify(text).label, 0.0, "", text))
        else:
            reading = decisions.decide(name, text, learned)
            found.append((expected, reading.label, reading.margin, reading.source, text))
    return tally(found, (time.perf_counter() - start) / max(len(rows), 1) * 1000)


def tally(found: list[tuple], ms: float = 0.0) -> dict:
    confusion = Counter((e, g) for e, g, *_ in found)
    wrong_rows = [f for f in found if OPPOSITE.get(f[0]) == f[1]]  # the wrong-direction ones
    return {
        "n": len(found),
        "clear": sum(n for (e, _), n in confusion.items() if e in OPPOSITE),
        "accuracy": sum(n for (e, g), n in confusion.items() if e == g) / max(len(found), 1),
        "wrong_way": len(wrong_rows),
        "asked": sum(n for (e, g), n in confusion.items() if g == decisions.UNCLEAR and e != g),
        "confusion": confusion,
        "ms": ms,
        "wrong_rows": wrong_rows,
        "found": found,
    }


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def registers() -> dict[str, dict[str, list[tuple[str, str]]]]:
    """register -> decision -> rows, from tests/data/registers/<register>.csv."""
    found: dict[str, dict[str, list[tuple[str, str]]]] = {}
    for path in sorted(REGISTERS.glob("*.csv")):
        for row in read(path):
            found.setdefault(path.stem, {}).setdefault(row["decision"], [])
            found[path.stem][row["decision"]].append((row["text"], row["label"]))
    return found


def by_register(data: dict, leave_one_out: bool) -> dict[str, dict[str, dict]]:
    """decision -> register -> score, each register scored as the agent reads it:
    with the shipped models, or (leave_one_out) with models trained on the shipped
    data plus every other register."""
    results: dict[str, dict[str, dict]] = {name: {} for name in decisions.DECISIONS}
    for held_out in data:
        models = {}
        if leave_one_out:
            for name in decisions.DECISIONS:
                extra = [r for reg, rows in data.items() if reg != held_out for r in rows[name]]
                models[name] = decisions.train(decisions.training_rows(name) + extra)
        with decisions.models_replaced(models):
            for name in decisions.DECISIONS:
                results[name][held_out] = score(name, data[held_out][name])
    return results


def _wrong(wrong: int, clear: int) -> str:
    """Wrong-direction readings as a share of the clear answers; the goal is at most 1%."""
    share = wrong / max(clear, 1)
    return f"{wrong} / {clear} ({share:.1%}{'' if share <= GOAL else ' > 1%'})"


def _totals(per_register: dict[str, dict]) -> tuple[str, str, str]:
    """The worst register's accuracy, the wrong-direction share of all, and the mean cost."""
    worst = min(per_register, key=lambda reg: per_register[reg]["accuracy"])
    wrong = sum(r["wrong_way"] for r in per_register.values())
    clear = sum(r["clear"] for r in per_register.values())
    ms = statistics.mean(r["ms"] for r in per_register.values())
    return f"{per_register[worst]['accuracy']:.1%} ({worst})", _wrong(wrong, clear), f"{ms:.2f}"


def markdown(title: str, header: str, rows: list[list]) -> None:
    """A table under `title`: the first column left-aligned, the others right."""
    print(f"\n{title}\n")
    print(f"| {header} |")
    print("|---|" + "---:|" * header.count(" | "))
    for cells in rows:
        print("| " + " | ".join(str(c) for c in cells) + " |")


def print_summary(heldout: dict[str, dict], left_out: dict[str, dict[str, dict]]) -> None:
    rows = []
    for name, per_register in left_out.items():
        worst, wrong, ms = _totals(per_register)
        held = heldout.get(name)
        rows.append([name, worst, wrong, _wrong(held["wrong_way"], held["clear"]), ms])
    markdown(
        "Summary: worst left-out register, wrong direction in every report (goal <= 1%)",
        "decision | worst register (LOO) | wrong direction, registers (LOO) "
        "| wrong direction, held-out | ms / decision",
        rows,
    )


def print_registers(title: str, results: dict[str, dict[str, dict]]) -> None:
    names = list(next(iter(results.values())))
    rows = []
    for name, per_register in results.items():
        cells = [f"{per_register[reg]['accuracy']:.1%}" for reg in names]
        rows.append([name, *cells, *_totals(per_register)])
    columns = " | ".join(names)
    markdown(title, f"decision | {columns} | worst | wrong direction | ms / decision", rows)


def cross_validate(name: str, folds: int = 5) -> dict:
    rows = decisions.training_rows(name)
    own = len(decisions._read(name))  # score only the decision's own lines
    found = []
    for k in range(folds):
        test = [r for i, r in enumerate(rows[:own]) if i % folds == k]
        train = [r for i, r in enumerate(rows) if not (i < own and i % folds == k)]
        found += score(name, test, decisions.train(train))["found"]
    return tally(found)


def print_wrong_rows(results: dict[str, dict]) -> None:
    """Every wrong-direction reading, to see what the model leans on when it errs."""
    print("\nWrong-direction readings (expected -> read, margin, source)\n")
    for name, r in results.items():
        for expected, got, margin, source, text in sorted(r["wrong_rows"], key=lambda w: w[2]):
            print(f"- {name}: {expected} -> {got}, {margin:.3f}, {source}: {text}")


def sweep_margins(margins: list[float]) -> None:
    """Cross-validated results per abstention margin: what `abstain_below` is chosen from."""
    shipped = dict(decisions.DECISIONS)
    rows = []
    try:
        for name in ("issue", "routing"):
            for margin in margins:
                decisions.DECISIONS[name] = dataclasses.replace(shipped[name], abstain_below=margin)
                r = cross_validate(name)
                wrong = _wrong(r["wrong_way"], r["clear"])
                rows.append([name, f"{margin:.2f}", f"{r['accuracy']:.1%}", wrong, r["asked"]])
            decisions.DECISIONS[name] = shipped[name]
    finally:
        decisions.DECISIONS.update(shipped)
    markdown(
        "Abstention margin trade-off, 5-fold cross-validation",
        "decision | margin | accuracy | wrong direction | asked instead",
        rows,
    )


def print_table(title: str, results: dict[str, dict]) -> None:
    rows = []
    for name, r in results.items():
        wrong = _wrong(r["wrong_way"], r["clear"])
        rows.append([name, r["n"], f"{r['accuracy']:.1%}", wrong, r["asked"], f"{r['ms']:.2f}"])
    header = "decision | rows | accuracy | wrong direction | asked instead | ms / decision"
    markdown(title, header, rows)
    for name, r in results.items():
        labels = sorted({e for e, _ in r["confusion"]} | {g for _, g in r["confusion"]})
        markdown(
            f"{name}: rows = expected, columns = model",
            "expected \\ model | " + " | ".join(labels),
            [[e, *(r["confusion"].get((e, g), 0) for g in labels)] for e in labels],
        )


_PROBE = """
import time
t0 = time.perf_counter()
import support_agent
t1 = time.perf_counter()
from support_agent.offline.understanding import decide
for name in ("warranty", "issue", "routing"):
    decide(name, "my screen is cracked")
t2 = time.perf_counter()
for _ in range(200):
    decide("issue", "my laptop screen flickers and shows lines after I dropped it")
t3 = time.perf_counter()
print(t1 - t0, t2 - t1, (t3 - t2) / 200)
"""


def startup(rounds: int = 5) -> None:
    """Start-up cost from the user's seat: fresh interpreters, medians of `rounds`."""
    root = Path(__file__).resolve().parents[1]
    runs = []
    for _ in range(rounds):
        out = subprocess.run(
            [sys.executable, "-c", _PROBE], cwd=root, check=True, capture_output=True, text=True
        ).stdout.split()
        runs.append([float(x) for x in out])
    imported, first, each = (statistics.median(col) for col in zip(*runs, strict=True))
    rows = [
        ["import support_agent (reference)", f"{imported:.2f} s", ""],
        ["first decision of each kind: trains all three models", f"{first:.2f} s", "1 s"],
        ["one decision afterwards", f"{each * 1000:.2f} ms", "20 ms"],
    ]
    markdown(f"Start-up, median of {rounds} fresh interpreters", "what | time | limit", rows)
    data = root / "support_agent" / "offline" / "understanding" / "data"
    size = sum(p.stat().st_size for p in data.iterdir()) / 1e6
    print(f"\nAdded to the install: {size:.2f} MB of training data, no new package (limit 150 MB).")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="test", choices=["dev", "test"])
    parser.add_argument("--cv", action="store_true", help="cross-validate on training data")
    parser.add_argument("--startup", action="store_true", help="measure start-up cost")
    parser.add_argument(
        "--margins",
        help="with --cv: comma-separated abstention margins to compare (issue, routing)",
    )
    args = parser.parse_args()
    if args.startup:
        startup()
        return
    start = time.perf_counter()
    decisions.warm_up()
    print(f"training all three models on first use: {(time.perf_counter() - start) * 1000:.0f} ms")
    if args.cv:
        if args.margins:
            sweep_margins([float(m) for m in args.margins.split(",")])
            return
        cv = {name: cross_validate(name) for name in decisions.DECISIONS}
        print_table("5-fold cross-validation on the training data", cv)
        print_wrong_rows(cv)
        return
    results = {}
    for name in decisions.DECISIONS:
        path = HELDOUT / args.split / f"{name}.csv"
        if path.exists():
            results[name] = score(name, [(row["text"], row["label"]) for row in read(path)])
    print_table(f"Held-out {args.split} split ({HELDOUT / args.split})", results)
    data = registers()
    if args.split == "test" and data:
        print_registers("Registers, read by the shipped model", by_register(data, False))
        left_out = by_register(data, True)
        print_registers(
            "Leave one register out: trained on the shipped data + the other registers", left_out
        )
        print_summary(results, left_out)


if __name__ == "__main__":
    main()
