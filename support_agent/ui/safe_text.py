"""Showing other people's text safely: never as HTML, and loading nothing when drawn.

`escape_markdown` shows text literally, except a bare web address, written as an autolink so
its escaped dots don't end up in the link; `inert_markdown` keeps a model's Markdown but turns
images into links.
"""

from __future__ import annotations

import re
from datetime import datetime

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")
# A bare web address up to the next space or a character an autolink can't hold.
_WEB_ADDRESS = re.compile(r"https?://[^\s<>\[\]()`\"'\\]+", re.IGNORECASE)
# What ends a sentence rather than an address ("see https://a.example/x.").
_TRAILING = ".,;:!?*_~"


def _escaped(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def escape_markdown(text: str) -> str:
    """Text shown literally: no Markdown, no HTML, no LaTeX; web addresses as links."""
    out: list[str] = []
    start = 0
    for found in _WEB_ADDRESS.finditer(text):
        address = found.group().rstrip(_TRAILING)
        if "." not in address.partition("://")[2]:
            continue  # "http://" alone, or no host worth a link: plain text
        out += [_escaped(text[start : found.start()]), f"<{address}>"]
        start = found.start() + len(address)
    out.append(_escaped(text[start:]))
    return "".join(out)


def escape_lines(text: str) -> str:
    """`escape_markdown` line by line, keeping each line break and indent as written
    (Markdown would join the lines and drop leading spaces)."""
    shown = []
    for line in text.splitlines():
        body = line.lstrip(" ")
        # A blank line stays one (a no-break space), where a table cell would drop it.
        indent = "\u00a0" * max(len(line) - len(body), not body)
        shown.append(indent + escape_markdown(body))
    return "  \n".join(shown)


_IMAGE = re.compile(r"!(?=\[)")


def inert_markdown(text: str) -> str:
    """Model text as Markdown that loads nothing: `![alt](url)` shows as a link.

    A prompt-injected image URL could carry data out as every viewer's browser fetched it.
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
    return key.replace("_", " ").capitalize()


def when(stamp: str) -> str:
    try:
        return datetime.fromisoformat(stamp).strftime("%Y-%m-%d %H:%M:%S UTC")
    except ValueError:
        return stamp
