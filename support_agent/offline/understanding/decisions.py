"""The questions the workflows ask of a customer's words (warranty, issue, routing), each a
`Decision`; a reading less sure than its threshold is `unclear`, and the dialogue asks.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache
from pathlib import Path

import yaml
from pydantic import TypeAdapter

from support_agent.offline.understanding.answers import (
    coverage_statement,
    hedges,
    leading_answer,
    names_no_fault,
    short_answer,
    spelled_out,
    trailing_answer,
    unaddressed,
)
from support_agent.offline.understanding.bayes import NaiveBayes
from support_agent.offline.understanding.dates import (
    device_age_months,
    reference_date,
    stated_period,
)
from support_agent.offline.understanding.featurize import features, fold, words
from support_agent.offline.understanding.languages import read_language
from support_agent.offline.understanding.markup import without_markup
from support_agent.offline.understanding.spelling import mended

DATA = Path(__file__).parent / "data"
UNCLEAR = "unclear"


@dataclass(frozen=True)
class Decision:
    name: str
    labels: tuple[str, ...]
    abstain_below: float  # the learned model's margin under which the answer is unclear
    yes_no: Mapping[str, str] = field(default_factory=dict)
    warranty_months: float | None = None  # a stated age decides, against this many months
    # Words that state the coverage itself; then a date in the same message is context.
    coverage_stated: str | None = None
    hedges_unclear: bool = False
    # An unclear message is read by its clauses matching this ("the battery is swollen and").
    by_clause: str | None = None
    settled_by: Mapping[str, str] = field(default_factory=dict)  # label -> an exact form
    # Other decisions' lines that say nothing here: (file, labels or () for all, the label
    # they get here, a pattern that keeps a line out because it does say something here).
    borrow: tuple[tuple[str, tuple[str, ...], str, str], ...] = ()
    # Clauses that clear something ("the app works fine"): the model reads the others.
    cleared: str | None = None
    needs_a_named_fault: bool = False  # "my tablet has a problem" is unclear, not a guess
    mend_spelling: bool = False  # "batery swolen" is read as "battery swollen" (spelling.py)


@dataclass(frozen=True)
class Reading:
    label: str  # one of the decision's labels, or "unclear"
    language: str = "English"
    source: str = "model"  # what decided: "language", "date", "model"...
    margin: float = 0.0


def _decisions() -> dict[str, Decision]:
    """The decisions declared in data/decisions.yaml, checked against `Decision`."""
    declared = yaml.safe_load((DATA / "decisions.yaml").read_text(encoding="utf-8"))
    read = TypeAdapter(Decision).validate_python
    return {name: read({"name": name, **d}) for name, d in declared["decisions"].items()}


DECISIONS: dict[str, Decision] = _decisions()


# Each definite answer's opposite ("hardware" <-> "software"): reading one as the
# other is the wrong-direction error every report counts apart. "closing" has none.
OPPOSITE = {
    label: other
    for d in DECISIONS.values()
    for label, other in zip(d.labels[:2], reversed(d.labels[:2]), strict=True)
}


@cache
def lexicon() -> dict[tuple[str, ...], str]:
    """Device, part and application names -> their class."""
    terms = {tuple(words(term)): kind for term, kind in _read("lexicon", "term", "category")}
    # Customers join compound names: "spacebar", "touchpad", "powerbutton".
    joined = {("".join(term),): kind for term, kind in terms.items() if len(term) > 1}
    return {**joined, **terms}


@cache
def device_names() -> frozenset[str]:
    """The one-word device names of the lexicon ("tablet", "laptop")."""
    return frozenset(
        term[0] for term, category in lexicon().items() if category == "device" and len(term) == 1
    )


def _read(name: str, *columns: str) -> list[tuple[str, str]]:
    with (DATA / f"{name}.csv").open(encoding="utf-8") as f:
        return [tuple(row[c] for c in columns or ("text", "label")) for row in csv.DictReader(f)]


def training_rows(name: str) -> list[tuple[str, str]]:
    rows = _read(name)
    for source, labels, as_label, keep_out in DECISIONS[name].borrow:
        rows += [
            (text, as_label)
            for text, label in _read(source)
            if (not labels or label in labels) and not re.search(keep_out, fold(text))
        ]
    return rows


def train(rows: list[tuple[str, str]]) -> NaiveBayes:
    lex = lexicon()
    return NaiveBayes().fit((features(text, lex), label) for text, label in rows)


@cache
def model(name: str) -> NaiveBayes:
    """Trained on first use (a fraction of a second)."""
    return train(training_rows(name))


def warm_up() -> None:
    """Train every decision's model now rather than on the first customer message."""
    for name in DECISIONS:
        model(name)


# Evaluation only (bench/understanding.py): models that stand in for the shipped ones.
_stand_ins: dict[str, NaiveBayes] = {}


@contextmanager
def models_replaced(models: Mapping[str, NaiveBayes]) -> Iterator[None]:
    """Every decision, however reached, reads with `models` within the block (leave-one-out)."""
    _remembered.cache_clear()
    _stand_ins.update(models)
    try:
        yield
    finally:
        _stand_ins.clear()
        _remembered.cache_clear()


def decide(
    name: str,
    text: str,
    learned: NaiveBayes | None = None,
    warranty_months: float | None = None,
) -> Reading:
    learned = learned or _stand_ins.get(name)
    if learned is not None:
        return _reading(name, text, learned, warranty_months)
    # A turn reads the same words several times: remember answers, per reference date.
    return _remembered(name, text, reference_date(), warranty_months)


@lru_cache(maxsize=8192)
def _remembered(name: str, text: str, _today: date, warranty_months: float | None) -> Reading:
    return _reading(name, text, None, warranty_months)


def as_read(name: str, text: str, apostrophes: bool = True) -> str:
    """`text` as decision `name` and its cues read it: with its mistyped fault words mended,
    if it says so."""
    return mended(text, apostrophes) if DECISIONS[name].mend_spelling else text


def _reading(
    name: str, text: str, learned: NaiveBayes | None, warranty_months: float | None = None
) -> Reading:
    # The learned model knows "wont" and "won't" alike from its training lines; only the
    # cues, which name exact forms, need the apostrophe back.
    text = as_read(name, text, apostrophes=False)
    reading = _unchecked(name, text, learned, warranty_months)
    # "Nope, bought it in May": an opening yes / no and a reading of the rest that disagree
    # mean one was misread; asking again is safe, recording the wrong one is not.
    yes_no = DECISIONS[name].yes_no
    if reading.label != UNCLEAR and reading.source in ("date", "model", "clause") and yes_no:
        opened = leading_answer(text)
        if opened is not None and yes_no[opened] != reading.label:
            return Reading(UNCLEAR, reading.language, "conflict", reading.margin)
    return reading


def _unchecked(
    name: str, text: str, learned: NaiveBayes | None, warranty_months: float | None
) -> Reading:
    decision = DECISIONS[name]
    plain = without_markup(text)
    if plain != text:
        # Markup only ("<b></b>", "**", a script): no words to decide on, so the step asks.
        if not words(plain):
            return Reading(UNCLEAR, source="markup only")
        text = plain
    language = read_language(text)
    if language.language != "English":
        label = decision.yes_no.get(language.answer or "", UNCLEAR) if decision.yes_no else UNCLEAR
        return Reading(label, language.language, "language")
    short = short_answer(text)
    if short is not None:  # "yes", "nope", "I think so": an answer only a yes/no question has
        return Reading(decision.yes_no.get(short, UNCLEAR), source="short answer")

    if decision.needs_a_named_fault and names_no_fault(text, device_names()):
        return Reading(UNCLEAR, source="no fault named")

    for settled, pattern in decision.settled_by.items():
        if re.search(pattern, fold(text)):
            return Reading(settled, source="settled", margin=1.0)

    prediction = (learned or model(name)).predict(features(_focus(decision, text), lexicon()))
    label = prediction.label if prediction.margin >= decision.abstain_below else UNCLEAR
    if label not in decision.labels:
        label = UNCLEAR

    margin = prediction.margin
    covered = decision.warranty_months is not None
    if covered and (reading := _by_coverage(decision, text, margin, warranty_months)):
        return reading
    if label == UNCLEAR and decision.by_clause:
        return _by_clause(decision, text, learned) or Reading(label, margin=margin)
    return Reading(label, margin=margin)


def _by_coverage(
    decision: Decision, text: str, margin: float, warranty_months: float | None
) -> Reading | None:
    """What the customer says of the coverage or the purchase date, when that settles it."""
    stated = decision.coverage_stated
    folded = spelled_out(fold(text))
    # "It only had a 3-month warranty": the customer's own length wins.
    period, _ = stated_period(folded)
    limit = period or warranty_months or decision.warranty_months
    # "My old one was out of warranty, but this one is from January": after "but" first.
    after = _CONTRAST.split(folded)[-1]
    for part in dict.fromkeys([after, folded] if len(after.split()) >= 3 else [folded]):
        # "The extended warranty ran out in April": the date is when it ended.
        # "The screen goes black until the call is finished": a fault's sentence that
        # names no warranty states no coverage, whatever its words.
        stating = [
            c
            for c in _SENTENCE.split(part)
            if stated and re.search(stated, c) and not _ABOUT_A_FAULT_ONLY.search(c)
        ]
        if stating:
            # Only a hedge in a sentence stating the coverage counts.
            if all(c.rstrip().endswith("?") for c in stating) and not _PURCHASED.search(part):
                # "Is it still covered if it was my fault?": asked, not answered
                return Reading(UNCLEAR, source="question", margin=margin)
            said = None if any(map(hedges, stating)) else coverage_statement(part)
            if said:
                return Reading(decision.yes_no[said], source="coverage", margin=margin)
            # "Purchased last spring, so I believe it's covered": a guess about the
            # coverage, but a purchase date that settles it (read below).
            if not (any(map(hedges, stating)) and _PURCHASED.search(part)):
                continue
        age = device_age_months(stated_period(part)[1])
        if age is None:
            continue
        if math.isnan(age):
            return Reading(UNCLEAR, source="date", margin=margin)
        by_age = decision.labels[0] if age < limit else decision.labels[1]
        return Reading(by_age, source="date", margin=margin)
    if period is not None and (said := trailing_answer(text)):
        return Reading(decision.yes_no[said], source="coverage", margin=margin)
    if decision.hedges_unclear and hedges(text):
        return Reading(UNCLEAR, source="hedge", margin=margin)
    return None


_ABOUT_A_FAULT_ONLY = re.compile(
    r"^(?!.*\b(warrant\w*|guarant\w*|cover\w*|plan|insurance|care|receipt|bought|purchased"
    r"|expir\w*|lapsed|ran out|runs? out)\b)"
    r".*\b(screen|display|battery|app|calls?|crash\w*|freez\w*|charg\w*|button|camera|speaker)\b"
)
# A purchase named, so a date near it is the device's age, not when a warranty ended.
_PURCHASED = re.compile(r"\b(bought|buyed|purchased|(got|buy|ordered) (it|this|them|one))\b")

# Where clauses part, "it's the ..." too ("app is fine its the vol button thats broke").
_PARTS = re.compile(
    r"[.;!?,:]+|\s[-–]\s|\s(?:and|but|so|because|though|also|just|only)\s"
    r"|\s(?=(?:it'?s|it is) the\b)"
)


def _focus(decision: Decision, text: str) -> str:
    """The clauses of `text` that say what it is about (see `Decision.cleared`)."""
    if not decision.cleared:
        return text
    folded = unaddressed(fold(text))
    parts = [p.strip() for p in _PARTS.split(folded) if p and p.strip()]
    kept = [p for p in parts if not re.search(decision.cleared, p)]
    return " , ".join(kept) if kept and len(kept) < len(parts) else folded


_CONTRAST = re.compile(r"\b(?:but|however|although|though|whereas)\b")
_SENTENCE = re.compile(r"(?<=[.;!?])\s+")  # keeps each sentence's own "?"
_CLAUSE = re.compile(r"[.;:!?,]+|\s(?:and|but|so|because|though|also)\s", re.IGNORECASE)


def _by_clause(decision: Decision, text: str, learned: NaiveBayes | None) -> Reading | None:
    """The one definite label the clear clauses agree on, if any."""
    clauses = [c.strip() for c in _CLAUSE.split(text) if len(c.split()) >= 2]
    clauses = [c for c in clauses if re.search(decision.by_clause or "", fold(c))]
    if not clauses or len(clauses) == len(_CLAUSE.split(text)):
        return None  # nothing to single out
    model_ = learned or model(decision.name)
    found = {}
    for clause in clauses:
        p = model_.predict(features(clause, lexicon()))
        if p.label in decision.labels and p.margin >= decision.abstain_below:
            found[p.label] = max(found.get(p.label, 0.0), p.margin)
    if len(found) != 1:
        return None
    ((label, margin),) = found.items()
    return Reading(label, source="clause", margin=margin)
