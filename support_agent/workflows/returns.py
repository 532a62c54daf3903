"""Returns and refunds: order_lookup -> eligibility_check -> resolution (a refund or an
exchange, or, outside the policy, a person), with go-back tools for a wrong order number
and for corrected details. The words, prompts, cues, rules, FAQ and dialogue are data in
`data/returns.yaml`.

The returns policy: an unused item within 30 days of delivery; a faulty or wrong item up
to a year after; an item used or damaged after delivery, not (a person may review it). A
half answer is remembered by `note_delivery`, so "it came last week" then "never used" is
read as one answer.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import Literal, NotRequired

from langchain.tools import ToolRuntime, tool
from langgraph.types import Command

from support_agent.core.declaration import (
    Approval,
    Fact,
    RunContext,
    Step,
    StepState,
    Workflow,
    tool_answer,
)
from support_agent.offline.dialogue import UPSET_WORDS, YES
from support_agent.offline.intents import (
    CaseReader,
    Classifier,
    Cue,
    LearnedClassifier,
    Reader,
    Verdict,
    normalise,
)
from support_agent.offline.policy import OfflineRules
from support_agent.offline.questions import questions
from support_agent.offline.rule_files import workflow_data
from support_agent.offline.understanding import decide
from support_agent.offline.understanding.dates import CARDINALS, days_ago
from support_agent.offline.understanding.languages import read_language
from support_agent.workflows.human import HAND_OVER, PERSON, escalate_to_human

DATA = workflow_data("returns")

RETURN_DAYS = 30  # an unused item, from delivery
FAULTY_DAYS = 365  # a faulty or wrong item, from delivery

# --- What the offline model reads --------------------------------------------------------


def _masked(cues: str, text: str) -> str:
    """`text` with what the cue group `cues` matches blanked out, so no reader takes it."""
    for cue in DATA.cues[cues]:
        text = re.sub(cue.pattern, " ", text)
    return text


@dataclass(frozen=True)
class OrderNumber(Classifier):
    """The label is the order number itself (digits only), for a rule to record."""

    def classify(self, text: str) -> Verdict:
        # "#00482 913": a number written in groups is one number, read whole (and
        # refused by the patterns if it is then too long), never its first group.
        said = re.sub(r"(?<=\d)[ -](?=\d{3,}\b)", "", normalise(text))
        # "four eight two one three", "4 8 2 1 3", voice-typed: the digits it says
        said = re.sub(_SPOKEN_RUN, lambda m: "".join(_DIGIT.get(w, w) for w in m[0].split()), said)
        said = _masked("tracking_numbers", said)  # a parcel's number, not the order's
        said = _masked("contact_details", said)  # nor a ZIP code or a phone number
        for cue in self.cues:
            if match := re.search(cue.pattern, said):
                # "48213 and 55120": two orders; the first is looked up, the other named next
                other = re.match(_ANOTHER_NUMBER, said[match.end() :])
                if other and other.group(1) != match.group(1):
                    scores = {cue.label: cue.weight}
                    return Verdict(match.group(1), "two_orders", scores, words={"other": other[1]})
                return Verdict(match.group(1), None, {cue.label: cue.weight})
        return Verdict(None, None)


# A digit said as a word (the date reader's number words), "oh" and "zero" for 0
_DIGIT = {w: str(n) for w, n in CARDINALS.items() if n < 10} | {"zero": "0", "oh": "0"}
_SPOKEN_RUN = rf"\b(?:{'|'.join(_DIGIT)}|\d)(?: (?:{'|'.join(_DIGIT)}|\d)){{4,9}}\b"
_ANOTHER_NUMBER = r"\s*(?:,|&|\+|and|,? and)\s*(?:(?:order|ord)\W{0,3}(?:(?:no|number|#)\W{0,3})?)?#?\s?(\d{5,10})\b"


UNSURE_WHEN = Classifier("unsure_when", DATA.cues["unsure_when"])


def delivery_days(text: str, today: date | None = None) -> float | None:
    """Days since the delivery the customer states (NaN: either side of the window). The
    date an order was placed (a pasted confirmation's "placed 3 March") is no delivery."""
    said = _masked("order_placed", normalise(text))
    # "I ordered it two months ago, it came last week": the delivery, when it is said too
    days = days_ago(_masked("bought", said), RETURN_DAYS, today)
    return days if days is not None else days_ago(said, RETURN_DAYS, today)


def timing(text: str) -> Verdict:
    days = delivery_days(text)
    if days is None:
        return Verdict("unsure" if UNSURE_WHEN.matches(text) else None, None)
    if math.isnan(days):
        return Verdict("unsure", None)
    if days <= RETURN_DAYS:
        return Verdict("within_30_days", None, {"days": days})
    return Verdict("over_30_days", None, {"days": days})


CONDITION = Classifier("condition", DATA.cues["condition"], mend_spelling=True)
TWO_ITEMS = Classifier("two_items", DATA.cues["two_items"])


def eligibility(text: str) -> Verdict:
    """The returns policy applied to the condition cues and the timing: `eligible` /
    `not_eligible` (detail: the clause that decided), a half answer (`within_30_days`,
    `unused`), `no_fault` (it doesn't fit: when and whether unused are unknown), `unsure`."""
    found = set(CONDITION.classify(text).scores)
    return _policy(found, delivery_days(text), TWO_ITEMS.matches(text))


def _policy(found: set[str], days: float | None, two: bool = False) -> Verdict:
    known = days is not None and not math.isnan(days)
    if "damaged" in found:
        return Verdict("not_eligible", "damaged")
    if found & {"faulty", "wrong_item"}:
        detail = "wrong_item" if "wrong_item" in found else "faulty"
        if known and days > FAULTY_DAYS:
            return Verdict("not_eligible", "too_old")
        if two and "no_fault" in found:  # "the kettle is faulty, the toaster unwanted"
            other = _policy(found - {"faulty", "wrong_item", "no_fault"}, days)
            if other.label in ("eligible", "not_eligible"):
                return Verdict("eligible", "two_items" if other.label == "eligible" else "one_only")
            return Verdict(other.label or "no_fault", "two_items")  # the unwanted one: ask
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


# The halves of an answer a later message may correct on their own: how much it was used,
# and what is wrong with it (when it came is the third).
_HALVES = ({"used", "unused"}, {"damaged", "faulty", "wrong_item", "no_fault"})


def corrected_eligibility(texts: Sequence[str]) -> Verdict:
    """The returns policy applied to the whole case, once the latest message speaks of the
    item: each half (when it came, how used, what is wrong) from the newest message that
    says it. So "actually it's unused" is checked with the "it came last week" said before,
    and "it came 2 months ago" leaves a fault said before standing."""
    if not texts or eligibility(texts[-1]).label is None:
        return Verdict(None, None)
    found: set[str] = set()
    days: float | None = None
    for text in reversed(texts):
        said = set(CONDITION.classify(text).scores)
        for half in _HALVES:
            if said & half and not found & half:
                found |= said & half
        if days is None:
            days = delivery_days(text)
    return _policy(found, days, any(TWO_ITEMS.matches(text) for text in texts))


def two_items(texts: Sequence[str]) -> Verdict:
    """The case's answer when it is about two items, one faulty and one unwanted."""
    verdict = corrected_eligibility(texts)
    return verdict if verdict.detail in ("two_items", "one_only") else Verdict(None, None)


DATE_UNKNOWN = Classifier("date_unknown", DATA.cues["date_unknown"])


def unused_date_unknown(texts: Sequence[str]) -> Verdict:
    """Unused, said after the customer said they don't know when it came (a gift, say):
    where to find the date, not the same question again."""
    if not texts or eligibility(texts[-1]).label != "unused":
        return Verdict(None, None)
    if any(DATE_UNKNOWN.matches(text) for text in texts[:-1]):
        return Verdict("unused", "date_unknown")
    return Verdict(None, None)


CHOICE_CUES = Classifier("choice_cues", DATA.cues["choice"])
VARIANT = Classifier("variant", DATA.cues["variant"])
EMAIL_LINE = Classifier("order_email_line", DATA.cues["order_email_line"])
ABOUT_THE_REFUND = Classifier("about_the_refund", DATA.cues["about_the_refund"])
PART_OF_ORDER = Classifier("part_of_order", DATA.cues["part_of_order"])
WHICH_ITEM = Classifier("which_item", DATA.cues["which_item"])


def _which_item_unsaid(text: str) -> str:
    """`text` without the size or colour that says which item of the order goes back
    ("one of the three shirts, the blue one"): that one is no exchange asked for."""
    said = normalise(text)
    if not PART_OF_ORDER.matches(said):
        return text
    for cue in WHICH_ITEM.cues:
        said = re.sub(cue.pattern, " ", said)
    return said


def choice(text: str) -> Verdict:
    """Refund or exchange; for an exchange, the size and colour named (the detail says which:
    `size_named`, `colour_named`, `size_colour_named`), for the rule's {size} and {colour}."""
    text = _which_item_unsaid(_masked("sign_off", text))
    if ("?" in text or questions(text)) and ABOUT_THE_REFUND.matches(text):
        return Verdict(None, None)  # a question about the refund chooses nothing
    verdict = CHOICE_CUES.classify(text)
    if {"refund", "exchange"} <= set(verdict.scores) and "?" not in text:
        # "refund the shirt, exchange the trousers"; "money back or a new one, which is faster" asks
        return Verdict(None, None) if questions(text) else Verdict("both", None, verdict.scores)
    if verdict.label != "exchange":
        return verdict
    # A pasted order email's lines say what was bought, not what to send instead.
    own = " ".join(line for line in text.splitlines() if not EMAIL_LINE.matches(line))
    # "Too small" ("to small") says what is wrong with this one, not which one to send.
    said = re.sub(r"\btoo? (small|big|large|tight|loose|short|long)\b", " ", normalise(own))
    words = {}
    for cue in VARIANT.cues:
        if cue.label not in words and (match := re.search(cue.pattern, said)):
            named = re.sub(r"^(size|sz)\s*", "", match.group("named"))
            # letter sizes are written in capitals: "M", "XL" (the text was lower-cased)
            words[cue.label] = named.upper() if re.fullmatch(r"x*[sml]", named) else named
    if not words:
        return verdict
    detail = "_".join(k for k in ("size", "colour") if k in words) + "_named"
    return Verdict("exchange", detail, verdict.scores, words=words)


def choice_once_unused(texts: Sequence[str]) -> Verdict:
    """A refund or an exchange asked for before the check, once an earlier message said the
    item is unused ("still in the box", then "refund"): only when it came is left to ask."""
    if len(texts) < 2 or choice(texts[-1]).label is None:
        return Verdict(None, None)
    if any(eligibility(text).label == "unused" for text in texts[:-1]):
        return Verdict("unused", None)
    return Verdict(None, None)


ADDED_DETAIL = Classifier("added_detail_cues", DATA.cues["added_detail"])


def added_detail(text: str) -> Verdict:
    """More said about the return once it is arranged: a date ("it was last tuesday"), or
    what was bought and for whom ("I want the kettle I ordered", "it was a present")."""
    if delivery_days(text) is not None:
        return Verdict("detail", "date")
    return ADDED_DETAIL.classify(text)


ABOUT_A_RETURN = Classifier("about_a_return", DATA.cues["about_a_return"])


@dataclass(frozen=True)
class AboutTheReturn(LearnedClassifier):
    """Whether a message is about the return at all, and its language: "rain jacket" and
    "snow boots" are things people return, so our cues say "on topic" before the learned
    routing decision reads it."""

    cues: Classifier = ABOUT_A_RETURN

    def classify(self, text: str) -> Verdict:
        reading = decide(self.decision, text)
        if self.cues.matches(text):
            return Verdict("return", None, {}, reading.language, 1.0)
        return Verdict(reading.label, None, {}, reading.language, reading.margin)


def yes_or_no(text: str) -> Verdict:
    """The dialogue's English yes / no, then the other languages' ("sí", "nein")."""
    verdict = YES.classify(text)
    if verdict.label:
        return verdict
    reading = read_language(text)
    answer = reading.answer if reading.answer in ("yes", "no") else None
    return Verdict(answer, None, {}, reading.language)


def unused_yes(text: str) -> Verdict:
    """A yes or no to "is the item still unused, or is something wrong with it?". A no that
    goes on to say nothing is wrong ("no its fine, just dont want it") answers the second
    half, not whether it was used."""
    verdict = yes_or_no(text)
    if verdict.label == "no" and CONDITION.classify(text).label == "no_fault":
        return Verdict(None, None, {}, verdict.language)
    # "please give me my money back": a refund asked for, its "please" no yes to "unused?"
    unpleased = re.sub(r"\b(please|pls|plz)\b", " ", normalise(text))
    if verdict.label == "yes" and choice(text).label and not YES.classify(unpleased).label:
        return Verdict(None, None, {}, verdict.language)
    return verdict


# Asked before choosing a refund or an exchange: answered, then the choice asked again.
_ASKED = {f.topic: f.pattern for f in DATA.faq}
BEFORE_CHOICE = Classifier(
    "before_choice",
    tuple(Cue("question", _ASKED[t], 1, t) for t in ("how_long", "cost", "label", "packaging")),
)

RETURNS_RULES = OfflineRules(
    classifiers=(
        AboutTheReturn("about_a_return", "routing"),  # first: it reads the language
        OrderNumber("order", DATA.cues["order_numbers"]),
        Classifier("wrong_order", DATA.cues["wrong_order"]),  # with no number yet
        Classifier("another_order", DATA.cues["another_order"]),
        Classifier("sent_back", DATA.cues["sent_back"]),
        Reader("eligibility", eligibility),
        CaseReader("corrected_eligibility", corrected_eligibility),
        CaseReader("unused_date_unknown", unused_date_unknown),
        CaseReader("two_items", two_items),
        CaseReader("choice_once_unused", choice_once_unused),
        Reader("timing", timing),
        CONDITION,
        Reader("choice", choice),
        BEFORE_CHOICE,
        Classifier("why_not", DATA.cues["why_not"]),
        Classifier("closing", DATA.cues["closing"]),
        Reader("added_detail", added_detail),
        Classifier("keep_it", DATA.cues["keep_it"]),
        Classifier("upset", UPSET_WORDS.cues + DATA.cues["upset"]),
        Reader("yes", yes_or_no),
        Reader("unused_yes", unused_yes),
    ),
    dialogue=DATA.dialogue_with(DATA.faq),
    rules=DATA.rules,
)


# --- State ---------------------------------------------------------------------------

ReturnsStep = Literal["order_lookup", "eligibility_check", "resolution"]
EligibilityStatus = Literal["eligible", "not_eligible"]
ResolutionChoice = Literal["refund", "exchange"]
Delivered = Literal["within_30_days", "over_30_days"]


class ReturnsState(StepState):
    """State for the returns workflow."""

    current_step: NotRequired[ReturnsStep]
    order_id: NotRequired[str]
    eligibility: NotRequired[EligibilityStatus]
    eligibility_reason: NotRequired[str]
    resolution_choice: NotRequired[ResolutionChoice]


# --- Tools (a tool's docstring is the description the model reads) --------------------


@tool
def record_order(order_id: str, runtime: ToolRuntime[RunContext, ReturnsState]) -> Command:
    """Record the order number (5 to 10 digits) and move on to the eligibility check."""
    digits = re.sub(r"\D", "", order_id)
    if not 5 <= len(digits) <= 10:
        return tool_answer(
            runtime,
            f"'{order_id}' is not an order number (5 to 10 digits); nothing changed. "
            "Ask the customer for the number in their order confirmation email.",
            refused=True,
        )
    return RETURNS.move(runtime, "record_order", f"Order {digits} found.", order_id=digits)


@tool
def record_eligibility(
    status: EligibilityStatus, reason: str, runtime: ToolRuntime[RunContext, ReturnsState]
) -> Command:
    """Record whether the return is eligible under the returns policy, with the reason in a few
    words, and move on to the refund or exchange."""
    return RETURNS.move(
        runtime,
        "record_eligibility",
        f"Return eligibility recorded as: {status} ({reason})",
        eligibility=status,
        eligibility_reason=reason,
    )


@tool
def note_delivery(delivered: Delivered) -> str:
    """Note when the order was delivered, when the customer has said so but not yet the item's
    condition."""
    words = "within the last 30 days" if delivered == "within_30_days" else "over 30 days ago"
    return f"Noted: delivered {words}."


# What going back un-records: the eligibility check and what it led to.
_UNDECIDED = {"eligibility": None, "eligibility_reason": None, "resolution_choice": None}


@tool
def go_back_to_order(runtime: ToolRuntime[RunContext, ReturnsState]) -> Command:
    """Go back to the order lookup: the customer gave the wrong order number."""
    return RETURNS.move(
        runtime,
        "go_back_to_order",
        "Returned to order lookup; eligibility and resolution cleared.",
        **_UNDECIDED,
    )


@tool
def go_back_to_eligibility(runtime: ToolRuntime[RunContext, ReturnsState]) -> Command:
    """Go back to the eligibility check: the customer corrected when the order arrived or the
    item's condition."""
    return RETURNS.move(
        runtime,
        "go_back_to_eligibility",
        "Returned to the eligibility check; eligibility and resolution cleared.",
        **_UNDECIDED,
    )


@tool
def start_another_order(runtime: ToolRuntime[RunContext, ReturnsState]) -> Command:
    """Start on another order the customer also wants to return, once this one is settled:
    what was arranged for this order stays; the next order is looked up and checked on its own."""
    state = runtime.state or {}
    return RETURNS.move(
        runtime,
        "start_another_order",
        f"Order {state.get('order_id')} stays as it is; looking up the customer's next order.",
        **_UNDECIDED,
    )


def _settle(runtime: ToolRuntime, choice: ResolutionChoice, detail: str = "") -> Command:
    state = runtime.state or {}
    if state.get("eligibility") != "eligible":
        return tool_answer(
            runtime,
            f"Order {state.get('order_id')} is not eligible for "
            f"{'a refund' if choice == 'refund' else 'an exchange'}; nothing changed. "
            "Offer escalate_to_human for a review instead.",
            refused=True,
        )
    other = state.get("resolution_choice")
    instead = f" (instead of the {other})" if other and other != choice else ""
    said = f"{choice.capitalize()} arranged for order {state.get('order_id')}{instead}"
    said += f": {detail}" if detail else ""
    return tool_answer(runtime, f"{said}; prepaid return label emailed.", resolution_choice=choice)


@tool
def issue_refund(runtime: ToolRuntime[RunContext, ReturnsState]) -> Command:
    """Refund an eligible order to the original payment method and email a prepaid return
    label."""
    return _settle(runtime, "refund")


@tool
def arrange_exchange(replacement: str, runtime: ToolRuntime[RunContext, ReturnsState]) -> Command:
    """Arrange an exchange for an eligible order: the replacement (the same item, or another
    size or colour) and a prepaid return label for the original."""
    return _settle(runtime, "exchange", replacement)


# --- The workflow ----------------------------------------------------------------------

RETURNS = Workflow(
    name="returns",
    title="Returns and refunds (state machine)",
    state_key="current_step",
    initial="order_lookup",
    steps=(  # their titles, descriptions, prompts and requirements: data/returns.yaml
        Step(**DATA.step_words("order_lookup"), tools=(record_order, escalate_to_human)),
        Step(
            **DATA.step_words("eligibility_check"),
            tools=(record_eligibility, note_delivery, go_back_to_order, escalate_to_human),
        ),
        Step(
            **DATA.step_words("resolution"),
            tools=(
                issue_refund,
                arrange_exchange,
                escalate_to_human,
                go_back_to_eligibility,
                go_back_to_order,
                start_another_order,
            ),
        ),
    ),
    moves=DATA.moves,
    facts=tuple(Fact(**words) for words in DATA.fact_words()),
    tool_labels=DATA.tool_labels,
    approvals=(
        *(Approval(tool, **asdict(words)) for tool, words in DATA.approvals.items()),
        HAND_OVER,
    ),
    hand_over=PERSON,
    offline_rules=RETURNS_RULES,
    starters=DATA.starters,
    state_schema=ReturnsState,
    rank=2,
)
