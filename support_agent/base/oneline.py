"""Text shortened for one line: a title, a cell, a list row."""

from __future__ import annotations


def one_line(text: str | None, limit: int | None = None) -> str:
    """`text` on one line, without NUL characters (often from a paste), cut to `limit`."""
    return " ".join(str(text or "").replace("\x00", "").split())[:limit]


def clip(text: str, limit: int) -> str:
    """`text` on one line (runs of whitespace made one space), cut to `limit`
    characters with "…" when longer."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
