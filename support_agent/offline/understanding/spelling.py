"""Fault words read through a typing slip: "batery swolen", "scren", "chargeing", "wont".

A word one slip (a letter added, dropped, changed, or two swapped) from exactly one word of
the fault vocabulary in data/spelling.yaml is read as that word, unless it is a real English
word itself ("changing" is no "charging", "still" no "spill"): those are listed beside the
vocabulary. A contraction typed without its apostrophe ("wont", "doesnt") is the contraction.
Only words of five letters or more are mended: shorter ones have too many neighbours.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

from support_agent.offline.understanding.featurize import fold

_DATA = yaml.safe_load((Path(__file__).parent / "data" / "spelling.yaml").read_text("utf-8"))
VOCABULARY = frozenset(_DATA["vocabulary"].split())
REAL_WORDS = frozenset(_DATA["real_words"].split())
SHORTEST = 5
_BARE = {word.replace("'", ""): word for word in VOCABULARY if "'" in word}
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)?")


def one_slip(a: str, b: str) -> bool:
    """Whether `a` and `b` differ by exactly one edit (Damerau: a swap of neighbours is one)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        differ = [i for i in range(len(a)) if a[i] != b[i]]
        if len(differ) == 1:
            return True
        i, j = differ[0], differ[-1]
        return len(differ) == 2 and j == i + 1 and (a[i], a[j]) == (b[j], b[i])
    short, long = sorted((a, b), key=len)
    same = next(
        (i for i, (x, y) in enumerate(zip(short, long, strict=False)) if x != y), len(short)
    )
    return short[same:] == long[same + 1 :]


def _deletions(word: str) -> set[str]:
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


# Words one slip apart share a form with one letter (or none) deleted: an index of those
# forms finds the few candidates without trying every word of the vocabulary.
_BY_DELETION: dict[str, set[str]] = {}
for _word in VOCABULARY:
    if "'" not in _word and len(_word) >= SHORTEST:
        for _key in _deletions(_word):
            _BY_DELETION.setdefault(_key, set()).add(_word)


@lru_cache(maxsize=8192)
def meant(word: str, apostrophes: bool = True) -> str:
    """The vocabulary word `word` (folded) was meant as, or `word` itself; with
    `apostrophes`, a contraction typed without one gets it back."""
    if word in _BARE:
        return _BARE[word] if apostrophes else word
    if word in VOCABULARY or word in REAL_WORDS or len(word) < SHORTEST:
        return word
    near = {v for key in _deletions(word) for v in _BY_DELETION.get(key, ())}
    near = [v for v in near if one_slip(word, v)]
    return near[0] if len(near) == 1 else word


def mended(text: str, apostrophes: bool = True) -> str:
    """`text` with each mistyped fault word replaced by the word meant; the rest as typed."""

    def mend(match: re.Match[str]) -> str:
        typed = match.group()
        word = meant(fold(typed), apostrophes)
        return typed if word == fold(typed) else word

    return _WORD.sub(mend, text)
