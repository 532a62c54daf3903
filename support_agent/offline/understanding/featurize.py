"""Turning a customer's message into the features the learned model counts.

Customers write "waranty", "NOOO", "it's not under warranty" and "pas sous
garantie". Features are chosen so that these generalise: character n-grams
inside words survive typos, negation scope ("not" marks the next few words)
keeps "not covered" apart from "covered", and lexicon classes let a device,
part or application never seen in training count like the ones that were.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[^\sa-z0-9]")
_REPEAT = re.compile(r"(.)\1{2,}")
_CLAUSE_END = set(".,;:!?()")
# Words that flip the meaning of the next few words.
NEGATIONS = frozenset(
    [
        "not",
        "no",
        "never",
        "nope",
        "nah",
        "nothing",
        "none",
        "neither",
        "nor",
        "without",
        "cannot",
        "isnt",
        "isn't",
        "wasnt",
        "wasn't",
        "dont",
        "don't",
        "doesnt",
        "doesn't",
        "didnt",
        "didn't",
        "aint",
        "ain't",
        "hasnt",
        "hasn't",
        "havent",
        "haven't",
        "wont",
        "won't",
        "cant",
        "can't",
        "couldnt",
        "couldn't",
        "arent",
        "aren't",
        "werent",
        "weren't",
    ]
)
_NEGATION_SCOPE = 4
CHAR_WEIGHT = 0.35  # character n-grams: many per word, each weak evidence
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


def features(text: str, lexicon: Mapping[tuple[str, ...], str] | None = None) -> dict[str, float]:
    """Weighted features of one message: each present once (binary counts work best
    for short texts), word-level ones weighted above character n-grams."""
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
    if lexicon:
        for kind in lexicon_kinds(toks, lexicon):
            add(f"lex:{kind}", 2.0)
    if not feats:
        add("empty", 1.0)
    return feats


def lexicon_kinds(toks: Iterable[str], lexicon: Mapping[tuple[str, ...], str]) -> set[str]:
    """Lexicon classes (device, part, application) of the terms the message names."""
    seq = [t for t in toks if t[0].isalnum()]
    longest = max((len(k) for k in lexicon), default=0)
    found: set[str] = set()
    for i in range(len(seq)):
        for n in range(min(longest, len(seq) - i), 0, -1):
            kind = lexicon.get(tuple(seq[i : i + n]))
            if kind:
                found.add(kind)
                break
    return found
