"""Two prompt texts side by side, line against line, the changed words marked: blocks of
rows (a change with a line of context around it) or a count of unchanged lines between.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from itertools import groupby, zip_longest

CONTEXT = 1  # unchanged lines shown on each side of a change
SIMILAR = 0.4  # below this share of words in common, a pair of lines is marked whole
_TOKEN = re.compile(r"\s+|\w+|[^\w\s]")


@dataclass(frozen=True)
class Piece:
    text: str
    changed: bool


Line = list[Piece]


@dataclass(frozen=True)
class Row:
    """One line of each text; None where it has none (added or removed)."""

    left: Line | None
    right: Line | None


@dataclass(frozen=True)
class Block:
    rows: list[Row] = field(default_factory=list)
    unchanged: int = 0


def _merge(pieces: list[Piece]) -> Line:
    runs = groupby(pieces, key=lambda piece: piece.changed)
    return [Piece("".join(p.text for p in run), changed) for changed, run in runs]


def word_diff(old: str, new: str) -> tuple[Line, Line]:
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if matcher.ratio() < SIMILAR:  # two different lines: a space here and there in common
        return _whole(old), _whole(new)
    left: list[Piece] = []
    right: list[Piece] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        left += [Piece(t, op != "equal") for t in a[i1:i2]]
        right += [Piece(t, op != "equal") for t in b[j1:j2]]
    return _merge(left), _merge(right)


def _unchanged(lines: list[str]) -> list[Row]:
    return [Row([Piece(s, False)], [Piece(s, False)]) for s in lines]


def _whole(line: str) -> Line:
    return [Piece(line, True)] if line else []


def _changed_rows(old: list[str], new: list[str]) -> list[Row]:
    return [
        Row(*word_diff(a, b))
        if a is not None and b is not None
        else Row(None if a is None else _whole(a), None if b is None else _whole(b))
        for a, b in zip_longest(old, new)
    ]


def side_by_side(old: str, new: str, context: int = CONTEXT) -> list[Block]:
    a, b = old.splitlines(), new.splitlines()
    if a == b:
        return []
    opcodes = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    blocks: list[Block] = []
    rows: list[Row] = []
    for number, (op, i1, i2, j1, j2) in enumerate(opcodes):
        if op != "equal":
            rows += _changed_rows(a[i1:i2], b[j1:j2])
            continue
        same = a[i1:i2]
        head = context if number > 0 else 0  # after a change
        tail = context if number < len(opcodes) - 1 else 0  # before the next one
        if len(same) <= head + tail + 1:  # one hidden line would cost as much as shown
            rows += _unchanged(same)
            continue
        rows += _unchanged(same[:head])
        if rows:
            blocks.append(Block(rows))
        blocks.append(Block(unchanged=len(same) - head - tail))
        rows = _unchanged(same[len(same) - tail :])
    if rows:
        blocks.append(Block(rows))
    return blocks
