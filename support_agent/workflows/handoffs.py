"""Sales <-> support handoffs: two agents as nodes of one graph (the AgentScope seed).

A transfer tool sets `active_agent`, and the other agent answers in the same turn. Words,
prompts, cues, rules and dialogue are data in `data/handoffs.yaml`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from functools import partial
from typing import Literal, NotRequired

from langchain.tools import ToolRuntime, tool
from langgraph.types import Command

from support_agent.core.declaration import Handoffs, RunContext, Step, StepState, Workflow
from support_agent.offline.intents import (
    CaseReader,
    Classifier,
    LearnedClassifier,
    Reader,
    Verdict,
)
from support_agent.offline.policy import OfflineRules
from support_agent.offline.questions import parts
from support_agent.offline.rule_files import workflow_data
from support_agent.workflows.human import HAND_OVER, PERSON, escalate_to_human
from support_agent.workflows.quotes import ASKED_WITH_A_PRICE, Quotes

DATA = workflow_data("handoffs")

# --- What the offline model reads --------------------------------------------------------

TOPIC = LearnedClassifier(
    "topic",
    "routing",
    details=Classifier("topic_details", DATA.cues["topic_details"]),
    cues_decide_at=3.0,
)
# Prices and quotes, worked out over the conversation from a fictional catalogue.
QUOTES = Quotes(DATA, TOPIC)

ACKNOWLEDGEMENT = Classifier("acknowledgement", DATA.cues["acknowledgement"])


def failed_fix(text: str) -> Verdict:
    """ "still nothing", "no luck": a fix that failed, when the message names no problem of
    its own ("delivered but nothing arrived" does: a delivery)."""
    said = ACKNOWLEDGEMENT.classify(text)
    if said.label != "not_fixed":
        return Verdict(None, None)
    # "still crashing" names a fault: the one the steps were for
    if said.detail != "still" and TOPIC.classify(text).detail:
        return Verdict(None, None)
    return said


DEVICE_INFO = Classifier("device_info", DATA.cues["device_info"])


def device_info(text: str) -> Verdict:
    """ "its the iphone app version 3.2": the device or version support asked about, with no
    problem of its own ("the app crashes on my iphone" has one: a crash), nor says the steps
    failed ("tried on android too, no luck")."""
    if ACKNOWLEDGEMENT.classify(text).label == "not_fixed":
        return Verdict(None, None)
    if TOPIC.classify(text).detail or len(text) > 120:
        return Verdict(None, None)
    return DEVICE_INFO.classify(text)


CLEAR_PROBLEMS = tuple(DATA.texts["clear_problems"])
# "I want to buy but first I have one problem with login": the problem comes first
PROBLEM_FIRST = Classifier("problem_first", DATA.cues["problem_first"])


def by_cues(text: str) -> Verdict:
    """The routing cues' own reading of `text`, whatever the learned model says."""
    return TOPIC.details.classify(text) if TOPIC.details else Verdict(None, None)


def clear_problem(text: str) -> Verdict:
    """A problem its own words settle, however the routing model leans ("the invoice lists
    20 licences while we only purchased 12" sounds like buying), or one to solve before
    buying, or one the routing model takes for a goodbye: support's, with its detail."""
    read = by_cues(text)
    if read.label != "support":
        return Verdict(None, None)
    # "wait actually the login broke again": no word of a goodbye, whatever the model reads
    bye = TOPIC.classify(text).label == "closing" and "closing" not in read.scores
    bye = bye and read.scores["support"] >= (TOPIC.cues_decide_at or 0)
    if read.detail in CLEAR_PROBLEMS or PROBLEM_FIRST.matches(text) or bye:
        return Verdict("support", read.detail, {"support": 1.0})
    return Verdict(None, None)


def support_detail(text: str) -> str | None:
    """The support problem a message names: settled by its words, else as routed."""
    clear = clear_problem(text)
    if clear.label:
        return clear.detail
    read = TOPIC.classify(text)
    return read.detail if read.label == "support" else None


CASE_DETAILS = Classifier("case_details", DATA.cues["case_details"])
# the answers that ask for an order number, a date, an amount or a card
ASKS_DETAILS = tuple(DATA.texts["asks_details"])


def case_details(text: str) -> Verdict:
    """What a delivery or billing answer asked for ("card ending 4242", "order 77812345"),
    unless the message names another problem of its own ("the invoice INV-20931 lists 20
    licences while we only purchased 12": seats billed, not an order number)."""
    detail = support_detail(text)
    if detail and detail not in ASKS_DETAILS:
        return Verdict(None, None)
    return CASE_DETAILS.classify(text)


TIMING = Classifier("timing_question", DATA.cues["timing_question"])
CASE_KINDS = tuple(DATA.texts["case_kinds"])  # the support answers that promise a timeline


def case_timing(texts: Sequence[str]) -> Verdict:
    """ "how long will it take?", "when do I get my money back?" at support: when the case
    answered earlier (a charge, a delivery, a refund) moves on, its kind the detail. A
    question naming a sales topic of its own ("when is Premium available?") is not one."""
    if not texts or not TIMING.matches(texts[-1]):
        return Verdict(None, None)
    own = by_cues(texts[-1])
    if own.label == "sales" and own.detail not in (None, "shipping", "pricing"):
        return Verdict(None, None)
    for text in reversed(texts):
        detail = support_detail(text)
        if detail in CASE_KINDS:
            return Verdict("when", detail, {"when": 1.0})
    return Verdict(None, None)


TEAM_ASKED = Classifier("team_asked", DATA.cues["team_asked"])


def locked_after_takeover(texts: Sequence[str]) -> Verdict:
    """A sign-in complaint after the account was reported taken over: the lock we put on it."""
    if len(texts) < 2 or support_detail(texts[-1]) not in ("login", "password"):
        return Verdict(None, None)
    if "account_hacked" not in map(support_detail, texts[:-1]):
        return Verdict(None, None)
    return Verdict("support", "account_hacked", {"support": 1.0})


def problem_asked_for(texts: Sequence[str]) -> Verdict:
    """ "support please", as the sales agent invited about a problem mentioned beside a
    price: that earlier problem, for support to answer."""
    if not texts or TEAM_ASKED.classify(texts[-1]).label != "support":
        return Verdict(None, None)
    for text in reversed(texts[:-1]):
        for part in parts(text):
            read = TOPIC.classify(part)
            if read.label == "support" and read.detail:
                return Verdict("support", read.detail, {"support": 1.0})
    return Verdict(None, None)


OTHER_TEAM = {"sales": "other_for_support", "support": "other_for_sales"}
# "i was charged twice and i want to know how much premium is": a voice-typed run-on with
# no punctuation, cut where a new clause starts
RUN_ON = re.compile(DATA.cues["run_on_join"][0].pattern, re.IGNORECASE)


def clauses(text: str) -> list[str]:
    """The parts of a message (`questions.parts`); one with none, cut at its run-on joins."""
    found = parts(text)
    return found if len(found) > 1 else parts(RUN_ON.sub("; ", text))


PRICE_OBJECTION = Classifier("price_objection", DATA.cues["price_objection"])


def price_objection(texts: Sequence[str]) -> Verdict:
    """ "way too expensive", "your prices are a joke": the price objected to, with each plan
    priced for the users given earlier (`Quotes.objection`)."""
    if not texts or not PRICE_OBJECTION.matches(texts[-1]):
        return Verdict(None, None)
    priced = QUOTES.objection(texts)
    return Verdict("objection", priced.detail, {"objection": 1.0}, words=priced.words)


SALES_ANSWERS = DATA.texts["sales_answers"]
# What a price can be asked with and still be answered whole after it (a second offer of a
# quote or a price would make the reply ask twice): `quotes.ASKED_WITH_A_PRICE`.
# their cues alone: "volume pricing and invoicing terms" asks how to pay beside Enterprise
ASKED_BESIDE = Classifier(
    "asked_beside",
    tuple(c for c in DATA.cues["topic_details"] if c.detail in ASKED_WITH_A_PRICE),
)


def _with_answer(priced: Verdict, text: str) -> Verdict:
    """A price, and the answer to a question asked with it: how to pay, tax, a trial...,
    or what the plans offer ("pricing and information on SSO")."""
    asked = by_cues(text).detail
    if asked in ("enterprise", "pricing", "quote"):
        asked = ASKED_BESIDE.classify(text).detail or asked
    if asked not in ASKED_WITH_A_PRICE:
        # Features beside a plain price (not a comparison, which answers them itself)
        plain = (priced.detail or "").startswith(("every_plan", "monthly", "annual", "default"))
        asked = "plans" if plain and QUOTES.not_a_price.matches(text) else None
    # a formal quote under way: an answer that asks nothing back ("confirm payment terms")
    formal = priced.label == "formal" and asked == "payment"
    if (priced.label != "quote" and not formal) or asked is None:
        return priced
    also = "\n\n".join(filter(None, (priced.words.get("also"), SALES_ANSWERS[asked])))
    return replace(priced, words={**priced.words, "also": also})


def plan_quote(texts: Sequence[str]) -> Verdict:
    """A price for a named plan and users (`Quotes.plan_quote`), and what was asked with it;
    with the education discount once the conversation asked about it."""
    if not texts:
        return Verdict(None, None)
    return QUOTES.discounted_if_asked(_with_answer(QUOTES.plan_quote(texts[-1]), texts[-1]), texts)


def quote_so_far(texts: Sequence[str]) -> Verdict:
    """The price the conversation has built (`Quotes.so_far`), and what was asked with it."""
    return _with_answer(QUOTES.so_far(list(texts)), texts[-1]) if texts else Verdict(None, None)


def mixed_message(mine: str, text: str, cut=parts) -> Verdict:
    """A message with a question for each agent, read for the agent that answers `mine`:
    its part's detail, and `words["also"]` saying what the other team does about the rest."""
    read = [TOPIC.classify(p) for p in cut(text)]
    own = [v for v in read if v.label == mine and v.margin >= 0.05]
    other = [v for v in read if v.label not in (mine, "closing", None, "unclear")]
    other = [v for v in other if v.margin >= 0.05]
    if not own or not other:
        return Verdict(None, None)
    notes = DATA.texts[OTHER_TEAM[mine]]
    note = notes.get(other[0].detail or "", notes["default"])
    return Verdict(mine, own[0].detail, {mine: 1.0}, words={"also": note})


def mixed_priced(text: str) -> Verdict:
    """A message with a problem and a price for a plan and users ("the app crashes. also how
    much is premium for 4 users?"): the price worked out, and the note on the problem."""
    if PROBLEM_FIRST.matches(text):
        return Verdict(None, None)  # "I want to buy but first...": the problem comes first
    mixed = mixed_message("sales", text, clauses)  # a run-on cut at its joins too
    if mixed.label is None:
        return mixed
    cut = clauses(text)
    if len(parts(text)) < 2:  # a run-on: "we have premium for 10 users and..." asks no price
        cut = [c for c in cut if QUOTES.price_asked.matches(c)]
    priced = next((v for v in map(QUOTES.plan_quote, cut) if v.label), None)
    if priced is None:
        return Verdict(None, None)
    return Verdict("quote", priced.detail, {"quote": 1.0}, words={**priced.words, **mixed.words})


HANDOFFS_RULES = OfflineRules(
    classifiers=(
        TOPIC,
        # At support: the details a delivery or billing answer asked for ("card ending
        # 4242"), or "what do I need to send?". They stay with support.
        Reader("case_details", case_details),
        # "how long will it take?" after a charge or a delivery answer: its timeline
        CaseReader("case_timing", case_timing),
        CaseReader("locked_after_takeover", locked_after_takeover),
        Reader("device_info", device_info),
        Reader("clear_problem", clear_problem),
        CaseReader("problem_asked_for", problem_asked_for),
        # "ok", "I'll try that": an answer taken in, not a new topic to route.
        ACKNOWLEDGEMENT,
        # "yes please" to the offer of a person that ends the failed fix's reply
        Classifier("plain_yes", DATA.cues["plain_yes"]),
        Reader("failed_fix", failed_fix),
        CaseReader("plan_quote", plan_quote),
        CaseReader("price_objection", price_objection),
        CaseReader("discount_on_price", QUOTES.discounted),
        CaseReader("quote_so_far", quote_so_far),
        CaseReader("quote_details_only", QUOTES.details_only),
        CaseReader("personal_quote", QUOTES.personal),
        # "do you do monthly too?": the billing period asked about, after a price.
        Classifier("billing_question", DATA.cues["billing_question"]),
        Reader("mixed_priced_at_sales", mixed_priced),
        Reader("mixed_at_sales", partial(mixed_message, "sales")),
        Reader("mixed_at_support", partial(mixed_message, "support")),
    ),
    dialogue=DATA.dialogue_with(),
    rules=DATA.rules,
)

# --- State ---------------------------------------------------------------------------

AgentName = Literal["sales_agent", "support_agent"]

# At most this many transfers in one customer turn; past it the agent answers itself.
MAX_TRANSFERS = 2


class HandoffsState(StepState):
    """State for the handoffs graph (and for each agent in it)."""

    active_agent: NotRequired[AgentName]
    # True when a transfer was refused this turn because of the limit.
    handoff_limited: NotRequired[bool]


# --- Tools (a tool's docstring is the description the model reads) --------------------


@tool
def transfer_to_support(runtime: ToolRuntime[RunContext, HandoffsState]) -> Command:
    """Transfer the conversation to the support agent.

    Use when the customer asks about technical issues, troubleshooting, or account
    problems.
    """
    return HANDOFFS.move(
        runtime,
        "transfer_to_support",
        "Transferred to support agent from sales agent.",
    )


@tool(parse_docstring=True)
def transfer_to_sales(reason: str, runtime: ToolRuntime[RunContext, HandoffsState]) -> Command:
    """Transfer the conversation to the sales agent.

    Use when the customer asks about pricing, purchasing, or product availability.

    Args:
        reason: Brief reason for the transfer.
    """
    reason = reason.strip() or "customer needs sales"
    return HANDOFFS.move(
        runtime,
        "transfer_to_sales",
        f"Transferred to sales agent from support agent. Reason: {reason}",
        reason=reason,
    )


# Added to the system prompt of the agent that just received the conversation: it does not
# see the other agent's messages of this turn.
HANDOFF_NOTE = """

The {source} has just handed this conversation over to you (reason: {reason}). \
The customer has not heard from you yet in this turn: answer their latest message."""

# --- The workflow ----------------------------------------------------------------------

HANDOFFS = Workflow(
    name="handoffs",
    title="Sales ↔ support handoffs",
    state_key="active_agent",
    initial="sales_agent",
    state_schema=HandoffsState,
    handoffs=Handoffs(max_transfers=MAX_TRANSFERS, note=HANDOFF_NOTE),
    rank=1,
    steps=(  # their titles, descriptions and prompts: data/handoffs.yaml
        Step(**DATA.step_words("sales_agent"), tools=(transfer_to_support, escalate_to_human)),
        Step(**DATA.step_words("support_agent"), tools=(transfer_to_sales, escalate_to_human)),
    ),
    moves=DATA.moves,
    tool_labels=DATA.tool_labels,
    approvals=(HAND_OVER,),
    hand_over=PERSON,
    offline_rules=HANDOFFS_RULES,
    starters=DATA.starters,
)
