"""What the offline model listens for in the returns workflow, and says back.

The rules and small readers they name like any classifier; the cues, replies,
FAQ and dialogue are data in `workflows/data/returns.yaml`. The returns policy the agent applies:

- an unused item can be returned within 30 days of delivery;
- a faulty item, or the wrong item sent, up to a year after delivery;
- an item used, or damaged after delivery, can't be returned (a person may
  still review it as an exception).

The readers turn the customer's words into what the rules need:

- `OrderNumber`: the order number itself (5 to 10 digits) is the label, so a
  rule records it as the tool's argument.
- `Timing`: how long ago the order was delivered, from "yesterday", "last
  week", "two months ago", "on June 2nd"... against the same reference date as
  purchase dates (`HANDOFF_REFERENCE_DATE`, default today).
- `Eligibility`: the condition cues (`CONDITION`) and the timing together give
  a verdict (`eligible` / `not_eligible`, with the policy clause as its detail),
  or half of one (`within_30_days`: the condition is still unknown; `unused`:
  the delivery date is still unknown).
- `YesOrNo`: the dialogue's English yes / no, then yes / no in the languages
  the demo reads (`support_agent.offline.understanding.languages`).
- `AboutTheReturn`: whether a message is about the return at all, so "my rain
  jacket" is not taken for small talk about the weather.

No learned decision is added: `support_agent.offline.understanding` declares its
decisions in code, so these readers use its date and language layers as they are.
A half answer is remembered in the conversation by `note_delivery` (the
delivery date), so "it came last week" then "never used" is read as one
answer. The rules turn readings into tool calls (`support_agent.offline.policy`);
the dialogue says what to do when no rule fits (`support_agent.offline.dialogue`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date

from support_agent.offline.dialogue import YES
from support_agent.offline.intents import Classifier, Cue, LearnedClassifier, Verdict, normalise
from support_agent.offline.policy import OfflineRules
from support_agent.offline.rule_files import workflow_data
from support_agent.offline.understanding import decide
from support_agent.offline.understanding.dates import days_ago
from support_agent.offline.understanding.languages import read_language

DATA = workflow_data("returns")

RETURN_DAYS = 30  # an unused item, from delivery
FAULTY_DAYS = 365  # a faulty or wrong item, from delivery

# --- Order numbers ---------------------------------------------------------------------

ORDER_NUMBERS = Classifier("order_numbers", DATA.cues_of("order_numbers"))


@dataclass(frozen=True)
class OrderNumber(Classifier):
    """Reads an order number: the label is the number itself (digits only)."""

    def classify(self, text: str) -> Verdict:
        # "#00482 913": a number written in groups is one number, read whole (and
        # refused by the patterns if it is then too long), never its first group.
        said = re.sub(r"(?<=\d)[ -](?=\d{3,}\b)", "", normalise(text))
        for cue in self.cues:
            if match := re.search(cue.pattern, said):
                return Verdict(match.group(1), None, {cue.label: cue.weight})
        return Verdict(None, None)


# The customer says the order number was wrong without giving the right one yet.
WRONG_ORDER = Classifier("wrong_order", DATA.cues_of("wrong_order"))

# --- When it was delivered ---------------------------------------------------------------

_UNSURE = re.compile(
    r"\b(not sure|no idea|don't know|dont know|can't remember|cant remember|don't remember"
    r"|do not remember|cannot remember|not certain|i forget|can't recall)\b"
)


def delivery_days(text: str, today: date | None = None) -> float | None:
    """How many days ago the customer says the order was delivered (NaN: either
    side of the 30-day window; see `understanding.dates.days_ago`)."""
    return days_ago(normalise(text), RETURN_DAYS, today)


@dataclass(frozen=True)
class Timing:
    """Reads when the order was delivered, against the return window."""

    name: str

    def classify(self, text: str) -> Verdict:
        days = delivery_days(text)
        if days is None:
            unsure = _UNSURE.search(normalise(text)) and re.search(
                r"\b(when|arriv\w*|deliver\w*|came|date|got)\b", normalise(text)
            )
            return Verdict("unsure" if unsure else None, None)
        if math.isnan(days):
            return Verdict("unsure", None)
        if days <= RETURN_DAYS:
            return Verdict("within_30_days", None, {"days": days})
        return Verdict("over_30_days", None, {"days": days})


# --- Its condition ----------------------------------------------------------------------

CONDITION = Classifier("condition", DATA.cues_of("condition"))


@dataclass(frozen=True)
class Eligibility:
    """The returns policy applied to what the customer said: condition cues plus timing.

    Labels: `eligible` / `not_eligible` (detail: the policy clause that
    decided: unused, faulty, wrong_item, late, used, damaged, too_old), a half
    answer (`within_30_days`, `unused`), `no_fault` (it doesn't fit or isn't wanted:
    when it came and whether it is unused are still unknown), or `unsure`.
    """

    name: str
    condition: Classifier = CONDITION

    def classify(self, text: str) -> Verdict:
        found = set(self.condition.classify(text).scores)
        days = delivery_days(text)
        known = days is not None and not math.isnan(days)
        if "damaged" in found:
            return Verdict("not_eligible", "damaged")
        if found & {"faulty", "wrong_item"}:
            detail = "wrong_item" if "wrong_item" in found else "faulty"
            if known and days > FAULTY_DAYS:
                return Verdict("not_eligible", "too_old")
            return Verdict("eligible", detail)
        if "used" in found and "unused" not in found:
            return Verdict("not_eligible", "used")
        if known and days > RETURN_DAYS:
            return Verdict("not_eligible", "late")
        if known and "unused" in found:
            return Verdict("eligible", "unused")
        if known:
            return Verdict("within_30_days", None)
        if "unused" in found:
            return Verdict("unused", None)
        if "unsure" in found or days is not None:
            return Verdict("unsure", None)
        if "no_fault" in found:
            return Verdict("no_fault", None)  # "it's the wrong size": when, and is it unused?
        return Verdict(None, None)


# --- Refund or exchange -------------------------------------------------------------------

CHOICE_CUES = Classifier("choice_cues", DATA.cues_of("choice"))
# The size or colour the customer names for an exchange ("for a large", "in navy").
VARIANT = Classifier("variant", DATA.cues_of("variant"))


@dataclass(frozen=True)
class Choice:
    """Refund or exchange; for an exchange, the size and colour asked for, when named.

    The detail says which were named (`size_named`, `colour_named`,
    `size_colour_named`), so the rule's words can name them ({size}, {colour});
    "another size" without saying which keeps the cues' detail (`size`, `colour`).
    """

    name: str
    cues: Classifier = CHOICE_CUES
    variant: Classifier = VARIANT

    def classify(self, text: str) -> Verdict:
        verdict = self.cues.classify(text)
        if verdict.label != "exchange":
            return verdict
        # "Too small" says what is wrong with this one, not which one to send.
        said = re.sub(r"\btoo (small|big|large|tight|loose|short|long)\b", " ", normalise(text))
        words = {}
        for cue in self.variant.cues:
            if cue.label not in words and (match := re.search(cue.pattern, said)):
                words[cue.label] = re.sub(r"^(size|sz)\s*", "", match.group("named"))
        if not words:
            return verdict
        detail = "_".join(k for k in ("size", "colour") if k in words) + "_named"
        return Verdict("exchange", detail, verdict.scores, words=words)


CLOSING = Classifier("closing", DATA.cues_of("closing"))

# --- On topic? ---------------------------------------------------------------------------

ABOUT_A_RETURN = Classifier("about_a_return", DATA.cues_of("about_a_return"))


@dataclass(frozen=True)
class AboutTheReturn(LearnedClassifier):
    """Whether a message talks about the return at all, and in which language.

    The dialogue treats a short message that matches its small-talk cues as
    off-topic only when no learned reading finds it on topic. In a shop,
    "rain jacket", "snow boots" and "a game" are things people return, so our
    own cues say "on topic" first; otherwise the learned routing decision
    (`support_agent.offline.understanding`) reads it, and its language.
    """

    cues: Classifier = ABOUT_A_RETURN

    def classify(self, text: str) -> Verdict:
        reading = decide(self.decision, text)
        if self.cues.matches(text):
            return Verdict("return", None, {}, reading.language, 1.0)
        return Verdict(reading.label, None, {}, reading.language, reading.margin)


@dataclass(frozen=True)
class YesOrNo:
    """A yes or a no: the dialogue's English cues, then yes / no in the languages the demo
    reads ("sí", "non", "nein")."""

    name: str

    def classify(self, text: str) -> Verdict:
        verdict = YES.classify(text)
        if verdict.label:
            return verdict
        reading = read_language(text)
        if reading.answer in ("yes", "no"):
            return Verdict(reading.answer, None, {}, reading.language)
        return Verdict(None, None, {}, reading.language)


# --- What the agent says -------------------------------------------------------------------


FAQ = DATA.faqs()

# Asked before choosing a refund or an exchange: answered, then the choice asked again.
_ASKED = {f.topic: f.pattern for f in FAQ}
BEFORE_CHOICE = Classifier(
    "before_choice",
    tuple(Cue("question", _ASKED[t], 1, t) for t in ("how_long", "cost", "label", "packaging")),
)

RETURNS_DIALOGUE = DATA.dialogue_with(FAQ)

RETURNS_RULES = OfflineRules(
    classifiers={
        c.name: c
        for c in (
            AboutTheReturn("about_a_return", "routing"),  # first: it reads the language
            OrderNumber("order", ORDER_NUMBERS.cues),
            WRONG_ORDER,
            Eligibility("eligibility"),
            Timing("timing"),
            CONDITION,
            Choice("choice"),
            BEFORE_CHOICE,
            CLOSING,
            YesOrNo("yes"),
        )
    },
    dialogue=RETURNS_DIALOGUE,
    rules=DATA.rules_in_order(),
)
