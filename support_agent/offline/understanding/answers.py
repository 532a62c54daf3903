"""Short answers and hedges in English: closed word classes, listed because a learned
model reads "ya", "um" or "for sure" badly (two or three characters are too little evidence).
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from support_agent.offline.understanding.featurize import fold, words


def _phrases(listed: str) -> frozenset[str]:
    return frozenset(p.strip() for p in listed.split(","))


def _any_of(listed: str) -> re.Pattern[str]:
    """Any of the comma-separated regexes in `listed`, as a whole word."""
    return re.compile(r"\b(" + "|".join(p.strip() for p in listed.split(",")) + r")\b")


_WORDS = yaml.safe_load((Path(__file__).parent / "data" / "answers.yaml").read_text("utf-8"))
YES, NO, UNSURE = (_phrases(_WORDS[kind]) for kind in ("yes", "no", "unsure"))
_HEDGE, _ENDED = (_any_of(_WORDS[kind]) for kind in ("hedge", "ended"))
_QUESTION_BACK = re.compile(
    r"^(how|what|where|when|which|who|why|does|do|is|can|could|would|should)\b.*\?\s*$"
)


# Text-message shorthand for the words the rules below look for.
_SHORTHAND = (
    (re.compile(r"\b(warr|wrnty|warrnty|waranty|warrenty|wty)\b"), "warranty"),
    (re.compile(r"\b(covrd|cvrd|coverd)\b"), "covered"),
    # "it is in guarantee", "under guarantee": the same promise in other words
    (
        re.compile(r"\b(in|under|within|out of) (the )?(guarantee|guaranty|garantee)\b"),
        r"\1 warranty",
    ),
    (re.compile(r"\b(til|till)\b"), "until"),
    (re.compile(r"\b(b4)\b"), "before"),
)


def spelled_out(folded: str) -> str:
    for pattern, word in _SHORTHAND:
        folded = pattern.sub(word, folded)
    return folded


_FILLER = _phrases(_WORDS["filler"])
_YES_WORDS = frozenset(w for form in YES for w in form.split()) | _FILLER
_NO_WORDS = frozenset(w for form in NO for w in form.split()) | _FILLER
_STRONG_YES, _STRONG_NO, _EMPHATIC_YES = (
    _phrases(_WORDS[kind]) for kind in ("strong_yes", "strong_no", "emphatic_yes")
)

# Statements about the coverage itself (`_ENDED`, `_RUNNING`), with their polarity flipped
# by a negation before them ("hasn't expired", "not out of warranty").
# "It was under warranty until last summer": covered once, and no longer.
_WAS_RUNNING = re.compile(
    r"\b(was|were|used to be)\b[^.?!]{0,20}\b(covered|under (the )?warranty|in (the )?warranty)"
    r"\b[^.?!]{0,10}\buntil\b"
)
_RUNNING = re.compile(
    r"\b(still under warranty|still covered|under warranty|in warranty|within (the )?warranty"
    r"|inside the warranty|covered until|valid until|good until|still valid|still active"
    # ... but not "the warranty is no longer valid" (that one has ended)
    r"|still running|(plan|warranty|coverage|applecare|care\+?)\b"
    r"(?:(?!\bno longer\b|\bnot\b|n't\b)[^.?!]){0,40}\b(active|valid))\b"
)
_NEGATED = re.compile(
    r"(\bnot|n't|\bnever|\bhasnt|\bisnt|\bdoesnt|\byet to|\bno longer|\bno way|\bhardly)"
    r"\s+([\w']+\s+){0,2}$"
)


def short_answer(text: str) -> str | None:
    whole = re.sub(r"[\s.!,;:?]+", " ", fold(text)).strip()
    if not whole:
        return "unsure"
    for kind, forms in (("no", NO), ("yes", YES), ("unsure", UNSURE)):
        if whole in forms:
            return kind
    words = set(whole.split())
    if words <= _YES_WORDS and words & _STRONG_YES and not words & _STRONG_NO:
        return "yes"
    if words <= _NO_WORDS and words & _STRONG_NO and not words & _STRONG_YES:
        return "no"
    return None


def trailing_answer(text: str) -> str | None:
    """ "yes" / "no" when the message ends on one after its reasons: "it only had a
    3-month warranty, so no"."""
    pieces = [p for p in re.split(r"[,;:.!\-]|\bso\b", fold(text)) if p.strip()]
    said = short_answer(pieces[-1]) if len(pieces) > 1 else None
    return said if said in ("yes", "no") else None


def leading_answer(text: str) -> str | None:
    """ "yes" / "no" when the message opens with one and then goes on: "nope, the 12
    months were up in may", "obviously lol i just got it". None for a bare answer."""
    said = re.findall(r"[a-z0-9']+|[^\sa-z0-9']", fold(text))
    opening: list[str] = []
    for word in said:
        if word in _YES_WORDS or word in _NO_WORDS or not word[0].isalnum():
            opening.append(word)
            continue
        break
    rest = said[len(opening) :]
    words = {w for w in opening if w[0].isalnum()}
    if _HEDGE.search(" ".join(opening)):  # "not sure, maybe 14 months ago": no yes
        return None
    yes, no = words & (_STRONG_YES | _EMPHATIC_YES), words & _STRONG_NO
    if not rest or bool(yes) == bool(no):
        return None
    return "yes" if yes else "no"


def coverage_statement(text: str) -> str | None:
    """ "yes" / "no" when the message states the coverage itself ("it expired",
    "hasn't lapsed", "still covered"); None when it doesn't or says both."""
    folded = spelled_out(fold(text))
    # "The normal one ran out but the extended plan is active": what follows "but" counts.
    folded = re.split(r"\b(?:but|however|although|though)\b", folded)[-1]
    if _WAS_RUNNING.search(folded):
        return "no"
    said: set[str] = set()
    for pattern, kind in ((_ENDED, "no"), (_RUNNING, "yes")):
        for match in pattern.finditer(folded):
            negated = _NEGATED.search(folded[max(0, match.start() - 25) : match.start()])
            said.add(({"yes": "no", "no": "yes"}[kind]) if negated else kind)
    return said.pop() if len(said) == 1 else None


# How a message is addressed, before what it says: "@brand ", "Dear Support, ", "Please, ".
_ADDRESS = re.compile(
    r"^(?:@\w+[\s,:]*)+|^(?:dear|hi|hello|hey)\b[^,.!?]{0,25}[,.!]\s*|^please,?\s+"
)


def unaddressed(folded: str) -> str:
    return _ADDRESS.sub("", folded.strip())


def hedges(text: str) -> bool:
    folded = fold(text)
    asked = unaddressed(folded)
    return bool(_HEDGE.search(folded) or _QUESTION_BACK.search(asked))


# "My tablet has a problem": only these words, a device's name and a vague fault.
_VAGUE_FAULT, _VAGUE_FILLER = (frozenset(words(_WORDS[k])) for k in ("vague_fault", "vague_filler"))


def names_no_fault(text: str, devices: frozenset[str]) -> bool:
    said = re.findall(r"[a-z0-9']+", fold(text))
    if not said or not _VAGUE_FAULT.intersection(said):
        return False
    return all(w in _VAGUE_FAULT or w in _VAGUE_FILLER or w in devices for w in said)
