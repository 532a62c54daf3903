"""Showing other people's text safely."""

from __future__ import annotations

import re
from datetime import datetime

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")


def escape_markdown(text: str) -> str:
    """Customer text shown literally: no markdown, no HTML, no LaTeX."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


_IMAGE = re.compile(r"!(?=\[)")


def inert_markdown(text: str) -> str:
    """Model text as Markdown that loads nothing: `![alt](url)` shows as a link.

    A model can be prompt-injected into writing an image whose URL carries data
    out; rendering it would make every viewer's browser fetch it. HTML is already
    shown as text by `st.markdown`.
    """
    return _IMAGE.sub(r"\\!", text)


def inert_stream(chunks):
    """`inert_markdown` over streamed chunks, holding a trailing "!" until the next."""
    held = ""
    for chunk in chunks:
        text = held + chunk
        held = "!" if text.endswith("!") else ""
        yield inert_markdown(text[: len(text) - len(held)])
    if held:
        yield held


def humanize(key: str) -> str:
    """`warranty_status` -> `Warranty status`."""
    return key.replace("_", " ").capitalize()


def when(stamp: str) -> str:
    """A stored ISO timestamp as people read it (UTC, to the second)."""
    try:
        return datetime.fromisoformat(stamp).strftime("%Y-%m-%d %H:%M:%S UTC")
    except ValueError:
        return stamp
