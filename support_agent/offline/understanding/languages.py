"""Yes and no in the languages the demo reads ("sí", "nein, abgelaufen"), and which language
a message is in: one it does not read gets a polite note, not a wrong guess.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

from support_agent.offline.understanding.featurize import fold, words

# Each language's yes, no and common words, and "I don't know" in each (data/languages.yaml).
_DATA = yaml.safe_load((Path(__file__).parent / "data" / "languages.yaml").read_text("utf-8"))
_UNSURE: str = _DATA["unsure"]
_LANGUAGES = {name: (d["yes"], d["no"], d["common"]) for name, d in _DATA["languages"].items()}
_ENGLISH = set(words(_DATA["english"]))
_WORD = re.compile(r"[a-z']+")


@dataclass(frozen=True)
class LanguageReading:
    language: str  # "English", one of the supported ones, or "other"
    answer: str | None = None  # "yes" / "no" when the message is a yes/no answer


def _non_latin_share(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 0.0
    foreign = sum(1 for c in letters if "LATIN" not in unicodedata.name(c, ""))
    return foreign / len(letters)


def read_language(text: str) -> LanguageReading:
    if _non_latin_share(text) > 0.5:
        return LanguageReading("other")
    folded = fold(text)
    found = _WORD.findall(folded)
    english = sum(1 for w in found if w in _ENGLISH)
    best, best_hits = "English", english
    for language, (_yes, _no, common) in _LANGUAGES.items():
        hits = sum(1 for w in found if w in common.split())
        if hits > best_hits and hits >= 2:
            best, best_hits = language, hits
    if best == "English":
        # Short answers: "oui", "nein", "sim", "no sé" are a whole message of one language.
        if len(found) <= 3 and not re.fullmatch(r"\W*no\W*", folded):
            for language, (yes, no, _common) in _LANGUAGES.items():
                if re.fullmatch(rf"\W*({_UNSURE}|{yes}|{no})\W*", folded):
                    return LanguageReading(language, _answer(folded, yes, no))
        return LanguageReading("English")
    yes, no, _common = _LANGUAGES[best]
    return LanguageReading(best, _answer(folded, yes, no))


def _answer(folded: str, yes: str, no: str) -> str | None:
    said = (("unsure", _UNSURE), ("no", no), ("yes", yes))  # the first found, in this order
    return next((a for a, words in said if re.search(rf"(^|\W)({words})(\W|$)", folded)), None)
