"""Showing other people's text safely."""

from __future__ import annotations

import re
from datetime import datetime

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")


def escape_markdown(text: str) -> str:
    """Customer text shown literally: no markdown, no HTML, no LaTeX."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def humanize(key: str) -> str:
    """`warranty_status` -> `Warranty status`."""
    return key.replace("_", " ").capitalize()


def when(stamp: str) -> str:
    """A stored ISO timestamp as people read it (UTC, to the second)."""
    try:
        return datetime.fromisoformat(stamp).strftime("%Y-%m-%d %H:%M:%S UTC")
    except ValueError:
        return stamp
