"""A customer's message as the features the learned model counts: character n-grams survive
typos, negation scope keeps "not covered" apart from "covered", and lexicon classes let an
unseen device, part or application count like the known ones.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path

import yaml

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[^\sa-z0-9]")
_REPEAT = re.compile(r"(.)\1{2,}")
_CLAUSE_END = set(".,;:!?()")
_NEGATION_SCOPE = 4
CHAR_WEIGHT = 0.35  # character n-grams: many per word, each weak evidence


def fold(text: str) -> str:
    """Lower case, accents removed, curly quotes straightened, runs of 3+ letters cut to 2."""
    text = unicodedata.normalize("NFKD", text.lower().replace("ß", "ss"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    return _REPEAT.sub(r"\1\1", text)


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(fold(text))


def words(text: str) -> list[str]:
    return [t for t in tokens(text) if t[0].isalnum()]


# Words after which the next few are negated (data/answers.yaml).
_DATA = Path(__file__).parent / "data" / "answers.yaml"
NEGATIONS = frozenset(words(yaml.safe_load(_DATA.read_text("utf-8"))["negations"]))


def features(text: str, lexicon: Mapping[tuple[str, ...], str] | None = None) -> dict[str, float]:
    """Each feature present once (binary counts work best for short texts), word-level ones
    weighted above character n-grams."""
    toks = tokens(text)
    feats: dict[str, float] = {}

    def add(name: str, weight: float) -> None:
        feats[name] = max(feats.get(name, 0.0), weight)

    negated = 0
    previous = "<s>"
    for tok in toks:
        if tok in _CLAUSE_END:
            negated, previous = 0, "<s>"
            continue
        if not tok[0].isalnum():
            add(f"sym:{tok}", 1.0)  # emoji and other symbols
            continue
        add(f"w:{tok}", 1.0)
        add(f"b:{previous}_{tok}", 1.0)
        if negated:
            add(f"neg:{tok}", 1.5)
            negated -= 1
        if tok in NEGATIONS or tok.endswith("n't"):
            negated = _NEGATION_SCOPE
        padded = f" {tok} "
        for n in (3, 4, 5):
            for i in range(len(padded) - n + 1):
                add(f"c:{padded[i : i + n]}", CHAR_WEIGHT)
        previous = tok
    # Lexicon classes of the terms named, longest term first at each word.
    seq = [t for t in toks if t[0].isalnum()]
    longest = max((len(k) for k in lexicon or ()), default=0)
    for i in range(len(seq)):
        for n in range(min(longest, len(seq) - i), 0, -1):
            if kind := lexicon.get(tuple(seq[i : i + n])):
                add(f"lex:{kind}", 2.0)
                break
    if not feats:
        add("empty", 1.0)
    return feats
