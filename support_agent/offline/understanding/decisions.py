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

DATA = Path(__file__).parent / "data"
UNCLEAR = "unclear"
_ABOUT_WARRANTY = (
    r"\b(warrant\w*|waranty|guarant\w*|covered|coverage|receipt|bought|purchased|got it|expired"
    r"|years?|months?|weeks?|days?|new|old|yes|no|yeah|nope|nah|still|care|plan|insurance)\b"
)
_ABOUT_A_FAULT = (
    r"\b(broke\w*|crack\w*|screen|battery|app|crash\w*|slow|won'?t|doesn'?t|not working|error"
    r"|water|dropped|charg\w*|freez\w*|update)\b"
)
_NOTHING = r"(?!)"  # borrow every line
# A part said to be fine, a fault denied, a fix tried ("I reinstalled windows and...").
_FINE = (
    r"^(?!.*\b(not|n't|never|no longer|broke\w*|crack\w*|dead|stuck|bulg\w*|swell\w*|stopp\w*"
    r"|quit|won'?t|doesn'?t|can'?t|fail\w*|error\w*)\b)"
    r".*\b(works?|working|fine|ok|okay|good|perfect|solid|undamaged|normal|great)\b"
    r"|^\W*(there (is|are|'s) )?(no|not|nothing|nothin|is not|isn't|it's not|its not|it is not)"
    r" (a |an |any |the )?(\w+ ){0,2}?(errors?|error msg|problem|issue|broken|broke|damage\w*"
    r"|crack\w*|physical\w*|software|hardware|app|bug|thing)\b"
    r"|^\W*(i )?(already )?(reinstall\w*|reset|restart\w*|reboot\w*|updated|swapped|replaced"
    r"|tried)\b"
)
# What the message is *not* about: "I don't need help", "I'm not buying anything".
_NOT_THIS = (
    r"\b(don'?t|do not|dont) need (any )?(help|support)\b|\bnot (a |an )?(problem|complaint"
    r"|support request|issue)\b|\bnot (interested in|trying to|looking to) (buy|purchas)\w*"
    r"|\bnot buy\w*|\bnot about\b|\b(support|service) (is|was|'s) (great|gr8|good|very good)\b"
    r"|\bhappy with (support|the product|it)\b|\bloving\b|\bloves?\b"
)
_ABOUT_A_PRODUCT = (
    r"\b(price|plan|buy|order|discount|log ?in|password|error|crash\w*|broken|refund)\b"
)


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


@dataclass(frozen=True)
class Reading:
    label: str  # one of the decision's labels, or "unclear"
    language: str = "English"
    source: str = "model"  # what decided: "language", "date", "model"...
    margin: float = 0.0


DECISIONS: dict[str, Decision] = {
    d.name: d
    for d in (
        Decision(
            "warranty",
            ("in_warranty", "out_of_warranty"),
            abstain_below=0.05,
            yes_no={"yes": "in_warranty", "no": "out_of_warranty"},
            warranty_months=12.0,
            coverage_stated=r"\b(expir\w*|ran out|run out|runs out|ended|ends|lapsed|extended|until"
            r"|was up|were up|finish|not covered|no longer|not anymore|now not|not now"
            r"|care ?plan|protection plan|applecare|care\+|renewed|cancel\w*|valid until"
            r"|good until|covered until|still covered|out of warranty|outta warranty|is over"
            r"|are up|is up|past the|finished|under warranty|in warranty|within|inside)\b",
            hedges_unclear=True,
            # A problem description answers nothing about the warranty.
            borrow=(("issue", (), UNCLEAR, _ABOUT_WARRANTY), ("chatter", (), UNCLEAR, _NOTHING)),
        ),
        Decision(
            "issue",
            ("hardware", "software"),
            by_clause=_ABOUT_A_FAULT,
            settled_by={
                "software": r"\b(hardware (is|seems|looks) (fine|ok|okay|good)|nothin(g|')?('s| is)?"
                r" (physically )?(broken|broke|damaged)|not (a |an )?(hardware|physical) (issue|problem)"
                r"|no physical damage|(isn't|is not|not) physically (broken|damaged))\b"
                # "Not broken, the keyboard app lost its emojis": the app says which.
                r"|\bnot (physically )?broken( physically)?\b(?=.*\b(apps?|software|program"
                r"|application)\b)",
                # Swelling is hardware whatever came before it (docs/LABELS.md).
                "hardware": r"\bbatt(ery|eries)?\b[^.?!]{0,20}\b(bulg\w*|swell\w*|swollen|puff\w*"
                r"|expand\w*)\b|\b(case|back cover|back panel)\b[^.?!]{0,10}\b(popped|pops|popping"
                r"|pushed|lifting|split) (open|off|up|apart)\b"
                r"|\b(not (a |an )?software (issue|problem)|software (is|seems) fine"
                r"|(isn't|is not|not) (a |an )?(software|app) (thing|issue|problem))\b",
            },
            cleared=_FINE,
            needs_a_named_fault=True,
            # By cross-validation (bench/understanding.py --cv --margins): 0.05 -> 95.5% with
            # 6 wrong-direction readings in 554, 0.12 -> 94.1% with 3: asking beats guessing.
            abstain_below=0.12,
            # Nor does a warranty answer describe the problem.
            borrow=(
                ("warranty", ("in_warranty", "out_of_warranty"), UNCLEAR, _ABOUT_A_FAULT),
                ("chatter", (), UNCLEAR, _NOTHING),
            ),
        ),
        Decision(
            "routing",
            ("sales", "support", "closing"),
            # By cross-validation (bench/understanding.py --cv --margins): 0.05 -> 94.0% with
            # 7 wrong-direction readings in 533, 0.08 -> 92.6% with 4: the lowest under 1%.
            abstain_below=0.08,
            cleared=_NOT_THIS,
            settled_by={
                # "Put me through to your sales team": the customer names the team.
                "sales": r"\b(put|transfer|connect|pass|talk|speak|get)\b[^.?!]{0,20}?\b(to|2|with)"
                r" (your |the |a |someone (in|from) |somebody (in|from) |the people of )?sales\b"
                # The team named on its own, as the agent asked: "sales", "yes, sales please".
                r"|^\W*(yes,? |ok,? )?(please,? )?(the )?sales( team| please)*\W*$",
                # Billing mistakes: "charged twice", "still billed after I cancelled".
                "support": r"^\W*(yes,? |ok,? )?(please,? )?(the )?(tech(nical)? )?support( team| please)*\W*$"
                r"|\b(charged|billed|debited|paid|took|take|taken)\b[^.?!]{0,25}?"
                r"\b(twice|two times|2 times|double|x2)\b|\bdouble[- ]?(charged|billed|charge)"
                r"|\b(invoice|bill)\b[^.?!]{0,40}?\b(higher|more) than\b"
                r"|\bstill (being |getting )?(charged|billed)\b|\b(wrong|incorrect) (amount|charge)\b"
                # "Billed $99 again", "another $120 charge", "billed for a product I returned".
                r"|(?<!\bbe )\b(charged|billed|debited)\b[^.?!]{0,40}?\b(again|(i|we)( have|'ve| had)?"
                r" (already )?(returned|cancell?ed|sent back|never (ordered|bought|received)))\b"
                r"|\banother\b[^.?!]{0,12}\b(charge|payment|debit)\b"
                # "Billed for annual when I chose monthly": charged for something else.
                r"|\b(billed|charged)\b[^.?!]{0,40}?\b(when|but|though|although)\b[^.?!]{0,20}?"
                r"\b(chose|picked|selected|ordered|signed up for|asked for|switched to)\b"
                # A message the product shows, quoted (not inches, "the 15" laptop", nor a price).
                r'|(?<![\d])["\u201c\u201d][^"\u201c\u201d$\u20ac\xa3\d]*?\w+\W+\w+[^"\u201c\u201d$\u20ac\xa3]*?'
                r'["\u201c\u201d]'
                # "How do I install / set up / run ...": using the product is support.
                r"|\b(how (do|can|would|should) (i|we|you)|how to)\b[^?.!]{0,30}?"
                r"\b(install|uninstall|reinstall|set ?up|setup|configure|enable|disable|run"
                r"|connect|reset|restore|sync|pair|activate|log ?in|sign ?in|recover)\b"
                # "Paid for it but it still doesn't show": a purchase that isn't working.
                r"|\b(paid|purchased|bought|upgraded|renewed)\b[^.?!]{0,60}\bbut\b[^.?!]{0,60}"
                r"\b(still|missing|not|doesn't|isn't|won't|can't|shows)\b"
                r"|\b(paid|purchased|bought|upgraded|renewed)\b[^.?!]{0,60}\band (i |it )?still"
                r"\b(?! (want|need|like|interested))"
                # "The order I already paid for": an order that exists, not one to place.
                r"|\b(the|my|our) (order|package|parcel|item|delivery)s? (i|we)( have|'ve)? already"
                r" (paid for|ordered|bought)\b",
            },
            borrow=(
                ("warranty", (UNCLEAR,), UNCLEAR, _ABOUT_A_PRODUCT),
                ("chatter", ("greeting", "ack", "offtopic"), UNCLEAR, _NOTHING),
                ("chatter", ("thanks",), "closing", _NOTHING),
            ),
        ),
    )
}


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


def _reading(
    name: str, text: str, learned: NaiveBayes | None, warranty_months: float | None = None
) -> Reading:
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

    margin, stated = prediction.margin, decision.coverage_stated
    if decision.warranty_months is not None:
        folded = spelled_out(fold(text))
        # "It only had a 3-month warranty": the customer's own length wins.
        period, _ = stated_period(folded)
        limit = period or warranty_months or decision.warranty_months
        # "My old one was out of warranty, but this one is from January": after "but" first.
        after = _CONTRAST.split(folded)[-1]
        for part in dict.fromkeys([after, folded] if len(after.split()) >= 3 else [folded]):
            # "The extended warranty ran out in April": the date is when it ended.
            if stated and re.search(stated, part):
                # Only a hedge in a sentence stating the coverage counts.
                stating = [c for c in _SENTENCE.split(part) if re.search(stated, c)]
                said = None if any(map(hedges, stating)) else coverage_statement(part)
                if said:
                    return Reading(decision.yes_no[said], source="coverage", margin=margin)
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
    if label == UNCLEAR and decision.by_clause:
        return _by_clause(decision, text, learned) or Reading(label, margin=margin)
    return Reading(label, margin=margin)


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
_CLAUSE = re.compile(r"[.;!?,]+|\s(?:and|but|so|because|though|also)\s", re.IGNORECASE)


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
