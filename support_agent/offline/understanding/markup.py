"""A customer's message without the markup typed into it (HTML tags, Markdown emphasis and
code marks): the offline model reads the words, and markup's letters and brackets are
evidence of nothing ("<b></b>" once counted towards "in warranty").

The page still shows the message as typed, escaped; this is only what the model reads.
"""

from __future__ import annotations

import re

# Code the browser would run or style, never words meant for a reader: dropped whole.
_CODE_ELEMENT = re.compile(r"<(script|style)\b[^>]*>.*?(?:</\1\s*>|$)", re.IGNORECASE | re.DOTALL)
# A tag must start with a letter, "/" or "!": "under 2 years" written "< 2 years" stays.
_TAG = re.compile(r"<!--.*?(?:-->|$)|</?[A-Za-z][^<>]*>|<![^<>]*>", re.DOTALL)
# Markdown's emphasis, strike-through and code marks; one "_" stays (snake_case, "a_b").
_MARKS = re.compile(r"\*+|_{2,}|~~+|`+")
_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+", re.MULTILINE)


def without_markup(text: str) -> str:
    """`text` with its markup dropped (a tag leaves a space, so words don't join)."""
    text = _CODE_ELEMENT.sub(" ", text)
    text = _TAG.sub(" ", text)
    text = _HEADING.sub("", text)
    return _MARKS.sub("", text)
