"""`python -m support_agent scenarios run [PATHS…] [--model SPEC]`: run scenario files.

Exit status: 0 when every scenario passed, 1 when any failed, 2 when a file can't be loaded,
the model can't be used, or no scenario was found.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from support_agent.base.oneline import clip
from support_agent.features.scenarios.coverage import coverage
from support_agent.features.scenarios.file_format import (
    ScenarioLoadError,
    load_paths,
    scenarios_dir,
)
from support_agent.features.scenarios.runner import ScenarioResult, run_many
from support_agent.features.thread_titles import plural
from support_agent.models import MODEL_SPEC_HELP, ModelConfigError, default_model_spec, get_model
from support_agent.service.remote import configured_server, scenario_turns

NAME_WIDTH = 60


def add_to(commands: Any) -> None:
    """`scenarios run`, a command of `python -m support_agent` (`commands`: its subparsers)."""
    scenarios = commands.add_parser(
        "scenarios",
        help="run scenario files: scenarios run [PATHS…] [--model SPEC]",
        description="Run scenario files (YAML) against a workflow and a model.",
    )
    run = scenarios.add_subparsers(required=True, metavar="COMMAND").add_parser(
        "run",
        help="run scenarios and print a pass/fail table with coverage",
        description="Run scenarios; exit 1 if any fails, 2 if a file can't be loaded.",
    )
    run.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="scenario files or directories of them (default: the project's scenarios/, "
        "or $HANDOFF_SCENARIOS_DIR)",
    )
    run.add_argument("--model", help=MODEL_SPEC_HELP)


def utf8_safe(*streams: TextIO) -> None:
    for stream in streams:
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")  # arrows and dashes on a non-UTF-8 terminal


def _cell(text: str, width: int) -> str:
    return clip(text, width).ljust(width)


def table(results: list[ScenarioResult]) -> list[str]:
    """The result table; each further failure reason on a line of its own."""
    name_w = min(max([len("NAME"), *(len(r.name) for r in results)]), NAME_WIDTH)
    flow_w = max([len("WORKFLOW"), *(len(r.scenario.workflow) for r in results)])
    pad = " " * (name_w + flow_w + 4 + 6 + 2)
    lines = [f"{_cell('NAME', name_w)}  {_cell('WORKFLOW', flow_w)}  RESULT  REASON"]
    for r in results:
        first, *more = r.failures or [""]
        status = "pass" if r.passed else "FAIL"
        lines.append(
            f"{_cell(r.name, name_w)}  {_cell(r.scenario.workflow, flow_w)}  {status:<6}  {first}"
        )
        lines += [f"{pad}{reason}" for reason in more]
    return [line.rstrip() for line in lines]


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    paths = args.paths or [scenarios_dir()]
    try:
        scenarios = load_paths(paths)
    except ScenarioLoadError as exc:
        print("Can't load the scenarios:", *(f"  {p}" for p in exc.problems), sep="\n", file=err)
        return 2
    if not scenarios:
        print(f"No scenario files (*.yaml) in {', '.join(map(str, paths))}.", file=err)
        return 2
    spec = args.model or default_model_spec()
    try:
        model = get_model(spec)
    except ModelConfigError as exc:
        print(f"Can't use the model: {exc}", file=err)
        return 2
    server = configured_server()  # HANDOFF_AGENT_URL: the turns run on LangGraph's server
    turns = scenario_turns(server) if server else None

    where = ", ".join(_shown(Path(p)) for p in paths)
    # The server's graphs run with the server's own model (its SUPPORT_AGENT_MODEL).
    on = f"on the agent server {server.url}" if server else f"with model {spec}"
    print(f"Running {plural(len(scenarios), 'scenario')} from {where} {on}\n", file=out)
    started = time.perf_counter()
    done: list[ScenarioResult] = []

    def progress(result: ScenarioResult) -> None:  # long runs show they are moving
        done.append(result)
        status = "pass" if result.passed else "FAIL"
        print(f"  [{len(done)}/{len(scenarios)}] {status} {result.name}", file=err, flush=True)

    results = run_many(scenarios, model, on_result=progress, turns=turns)
    elapsed = time.perf_counter() - started
    failed = sum(not r.passed for r in results)
    summary = f"{len(results) - failed} passed, {failed} failed in {elapsed:.1f}s"
    covered = [f"  {cov.summary()}" for cov in coverage(results).values()]
    print(*table(results), "", summary, "", "Coverage:", *covered, sep="\n", file=out)
    return 1 if failed else 0


def main(
    argv: list[str] | None = None, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """`scenarios` `argv`: `run` is the only command."""
    top = argparse.ArgumentParser(prog="python -m support_agent")
    add_to(top.add_subparsers())
    args = top.parse_args(["scenarios", *(sys.argv[1:] if argv is None else argv)])
    utf8_safe(out := out or sys.stdout, err := err or sys.stderr)
    return run(args, out, err)
