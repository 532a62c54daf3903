"""One reply says each thing once, though composed from parts declared apart."""

from __future__ import annotations

import re
from collections.abc import Iterable

# A sentence ends at . ! or ? before a space (not inside "example.com"), or a line break.
_SENTENCE = re.compile(r".*?(?:[.!?]+(?=\s|$)|\n|$)\s*")
_WORD = re.compile(r"[a-z0-9]+")
# Words that say nothing on their own.
_EMPTY = (
    "a an the this that these those it its is are was were be been am i you your we our "
    "my me us they them their he she his her of to in on at for with by from and or but "
    "so as do does did has have had will would can could should just now here there "
    "all any some"
)
_EMPTY_WORDS = frozenset(_EMPTY.split())
_MIN_WORDS = 2


def sentences(text: str) -> list[str]:
    """`text` cut after each sentence, whitespace kept: "".join(sentences(t)) == t."""
    return [s for s in _SENTENCE.findall(text) if s]


def content(sentence: str) -> frozenset[str]:
    words = (w.removesuffix("s") if len(w) > 3 else w for w in _WORD.findall(sentence.lower()))
    return frozenset(w for w in words if w not in _EMPTY_WORDS)


def without_repeats(text: str, earlier: Iterable[str] = ()) -> str:
    """`text` without sentences that add no word to one said before (in `earlier` or in
    `text`); never empties a text that had words."""
    said = [content(s) for e in earlier for s in sentences(e)]
    kept: list[str] = []
    for sentence in sentences(text):
        words = content(sentence)
        if len(words) < _MIN_WORDS or not any(words <= earlier for earlier in said):
            kept.append(sentence)
            said.append(words)
    return "".join(kept).strip() or text
