"""Held-out text is never training text.

A held-out row that the model was trained on measures memory, not understanding:
74 such rows once made the README's figures look better than they were. Every
evaluation file (tests/data/heldout/, tests/data/registers/) is compared with
every training file, after case and whitespace are normalised.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TRAINING = ROOT / "support_agent" / "offline" / "understanding" / "data"
EVALUATION = [ROOT / "tests" / "data" / "heldout", ROOT / "tests" / "data" / "registers"]


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def _texts(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as f:
        return [row.get("text") or row.get("term") or "" for row in csv.DictReader(f)]


def test_there_is_evaluation_data_to_compare():
    files = [p for folder in EVALUATION for p in folder.rglob("*.csv")]
    assert len(files) >= 6
    assert all(_texts(p) for p in files)


def test_no_held_out_row_is_a_training_row():
    training = {_norm(t) for p in TRAINING.glob("*.csv") for t in _texts(p)}
    shared = [
        f"{p.relative_to(ROOT)}: {t!r}"
        for folder in EVALUATION
        for p in sorted(folder.rglob("*.csv"))
        for t in _texts(p)
        if _norm(t) in training
    ]
    assert not shared, f"{len(shared)} held-out rows are training rows: {shared[:20]}"
