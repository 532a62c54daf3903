"""Sales <-> support handoffs: two agents as nodes of one graph (the AgentScope seed).

A transfer tool sets `active_agent`, and the other agent answers in the same turn. Words,
prompts, cues, rules and dialogue are data in `data/handoffs.yaml`.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Literal, NotRequired

from langchain.tools import ToolRuntime, tool
from langgraph.types import Command

from support_agent.core.declaration import Handoffs, RunContext, Step, StepState, Workflow
from support_agent.offline.intents import (
    Classifier,
    ConversationReader,
    LearnedClassifier,
    Reader,
    Verdict,
    normalise,
)
from support_agent.offline.policy import OfflineRules
from support_agent.offline.questions import parts
from support_agent.offline.rule_files import workflow_data
from support_agent.workflows.human import HAND_OVER, PERSON, escalate_to_human

DATA = workflow_data("handoffs")

# --- What the offline model reads --------------------------------------------------------

TOPIC = LearnedClassifier(
    "topic",
    "routing",
    details=Classifier("topic_details", DATA.cues["topic_details"]),
    cues_decide_at=3.0,
)
# A fictional catalogue, so that the offline answers are concrete and consistent.
PLAN_NAMES = Classifier("plan_names", DATA.cues["plan_names"])
SEAT_COUNTS = [cue.pattern for cue in DATA.cues["seat_count"]]
BILLING_PERIOD = Classifier("billing_period", DATA.cues["billing_period"])
PRICES = DATA.numbers["price_per_user_month"]  # smallest plan first
MAX_USERS = DATA.numbers["max_users"]  # plans that take only so many users
ANNUAL_SAVING = DATA.numbers["billing"]["annual_saving"]


def _money(amount: float) -> str:
    return f"{amount:,.2f}".removesuffix(".00")


def _fitting(plan: str, count: int) -> str:
    """`plan`, or the next one up when it takes fewer than `count` users."""
    larger = list(PRICES)[list(PRICES).index(plan) :]
    return next((p for p in larger if count <= MAX_USERS.get(p, count)), larger[-1])


def _price_words(asked: str, count: int) -> dict[str, str]:
    """The figures of a price; for a plan too small for `count` users ("Starter for 25"),
    those of the plan that fits, and `asked` and its limit besides."""
    plan = _fitting(asked, count)
    monthly = PRICES[plan] * count
    annual = monthly * 12 * (1 - ANNUAL_SAVING)
    return {
        "plan": plan.capitalize(),
        "seats": str(count),
        "price": _money(PRICES[plan]),
        "monthly_total": _money(monthly),
        "annual_total": _money(annual),
        "annual_monthly": _money(annual / 12),
        "monthly_for_a_year": _money(monthly * 12),
        "annual_saving": _money(monthly * 12 - annual),
        **(
            {"asked": asked.capitalize(), "limit": _money(MAX_USERS[asked])}
            if plan != asked
            else {}
        ),
    }


def _price(words: dict[str, str], period: str | None, text: str) -> Verdict:
    """A price, its billing period the detail; `too_small` when the plan asked for takes
    fewer users, `saving` when `text` asks what paying yearly saves."""
    if SAVING_ASKED.matches(text):
        period = "saving"
    detail = "too_small" if "asked" in words else period
    return Verdict("quote", detail, {"quote": 1.0}, words=words)


def _seats(text: str) -> int | None:
    """The number of users a message names ("12 users", "a team of 30", "make it 15")."""
    for pattern in SEAT_COUNTS:
        found = re.search(pattern, text.lower())
        if found:
            return int(next(n for n in found.groupdict().values() if n)) or None
    return None


def plan_quote(text: str) -> Verdict:
    """A price for a named plan and a number of users, from the catalogue; the billing
    period, when said, is the detail. Anything less gets the general answer."""
    plan = PLAN_NAMES.classify(text).label
    count = _seats(text)
    if plan is None or count is None:
        return Verdict(None, None)
    return _price(_price_words(plan, count), BILLING_PERIOD.classify(text).label, text)


# A quote builds up over messages: "send me a quote", "Acme Ltd, 25 seats, annual", "Business".
QUOTE_ASKED = Classifier("quote_asked", DATA.cues["quote_asked"])
QUOTE_DETAILS = DATA.cues["quote_details"]  # the company and the billing address, as given
# "what does Premium include?": a question about a plan that asks for no price
NOT_A_PRICE = Classifier("not_a_price", DATA.cues["not_a_price"])
PRICE_TOPICS = (None, "pricing", "plans", "quote")  # TOPIC details a price follow-up may carry
SAVING_ASKED = Classifier("saving_asked", DATA.cues["saving_asked"])
PRICE_ASKED = Classifier("price_asked", DATA.cues["price_asked"])  # "how much", "the price"
# What a formal quote needs, asked one at a time in this order.
QUOTE_NEEDS = ("plan", "seats", "period", "address")
NOTED = DATA.texts["quote_noted"]
READY = ("ready", "going_ahead")  # a quote with all it needs


def _toward_quote(text: str) -> dict[str, str]:
    """What one message says toward a price or a quote: plan, seats, billing period, the
    company and the billing address (these two in the customer's own spelling)."""
    said = {
        "plan": PLAN_NAMES.classify(text).label,
        "seats": str(_seats(text) or "") or None,
        "period": BILLING_PERIOD.classify(text).label,
    }
    for cue in QUOTE_DETAILS:
        found = re.search(cue.pattern, text, re.IGNORECASE)
        if found and cue.label not in said:
            said[cue.label] = found.group("value").strip(" ,.;:")
    return {k: v for k, v in said.items() if v}


def _noted(known: dict[str, str], words: dict[str, str]) -> str:
    """What a formal quote has so far, in the reply's words."""
    period = known.get("period")
    plan = "too_small" if "asked" in words else "plan"
    parts = [
        NOTED["company"] if "company" in known else "",
        NOTED[plan] if "plan" in known else "",
        NOTED["seats"] if "seats" in known else "",
        NOTED[f"{period}_priced" if words.get("monthly_total") else period] if period else "",
        NOTED["address"] if "address" in known else "",
    ]
    values = {**known, "plan": known.get("plan", "").capitalize(), **words}
    return ", ".join(_fill_words(p, values) for p in parts if p)


def _fill_words(template: str, values: dict[str, str]) -> str:
    return re.sub(r"\{([a-z_]+)\}", lambda m: values.get(m.group(1), m.group(0)), template)


def _plans_named(text: str) -> list[str]:
    """Every plan a message names, smallest first ("premium and business": both)."""
    return [c.label for c in PLAN_NAMES.cues if re.search(c.pattern, normalise(text))]


def _side_by_side(plans: list[str], count: int, text: str) -> Verdict:
    """Two plans' prices for `count` users; when the smaller takes fewer users, the price
    of the plan that fits it instead."""
    small, large = (_price_words(plan, count) for plan in plans)
    if "asked" in small:
        return _price(small, None, text)
    words = {f"small_{k}": v for k, v in small.items()} | {
        f"large_{k}": v for k, v in large.items()
    }
    more = PRICES[plans[1]] * count - PRICES[plans[0]] * count
    words |= {"seats": str(count), "difference": _money(more)}
    return Verdict("quote", "side_by_side", {"quote": 1.0}, words=words)


def _every_plan(count: int) -> Verdict:
    """Each plan that takes `count` users, priced for them (no plan named yet)."""
    fits = [plan for plan in PRICES if count <= MAX_USERS.get(plan, count)]
    each = [_fill_words(NOTED["each_plan"], _price_words(plan, count)) for plan in fits]
    words = {"seats": str(count), "prices": ", ".join(each[:-1]) + NOTED["and"] + each[-1]}
    small = [plan for plan in PRICES if plan not in fits]
    if small:
        words |= {"small": small[-1].capitalize(), "limit": _money(MAX_USERS[small[-1]])}
    return Verdict("quote", "every_plan_but_small" if small else "every_plan", words=words)


def _asks_quote(texts: list[str]) -> bool:
    """Whether the last of `texts` asks for a formal quote: "send me a quote", or "yes
    please" right after a message that made a price (the price's reply offers a quote)."""
    asked = QUOTE_ASKED.classify(texts[-1]).label
    if asked != "yes":
        return asked == "quote"
    earlier = texts[:-1]
    before = {k: v for text in earlier for k, v in _toward_quote(text).items()}
    return bool(earlier and _toward_quote(earlier[-1])) and {"plan", "seats"} <= before.keys()


def quote_so_far(texts: list[str]) -> Verdict:
    """The price or the formal quote the conversation has built, when the latest message
    adds to it: the newest plan, number of users and billing period said win ("what about
    Premium?" after a price for 12 users is Premium for 12). Label `formal` once a quote was
    asked for in the run of messages that led here, with the detail `needs_<what>` (the
    first thing missing) or `ready`; else `quote`, a price, its billing period the detail."""
    if not texts:
        return Verdict(None, None)
    latest = texts[-1]
    now = _toward_quote(latest)
    both = _plans_named(latest)[:2] if len(_plans_named(latest)) > 1 else []
    if not now and not both and not _asks_quote(texts):
        return Verdict(None, None)
    # "is there a discount on annual?", "premium users can't log in": their own answers. A
    # line of details that only sounds like a problem ("Hooli Inc, 10 Downing Street") names
    # none, and carries on a quote under way. "What would we save compared to monthly?" and
    # "the difference in price" compare, and ask for a price all the same.
    priced = SAVING_ASKED.matches(latest) or (both and PRICE_ASKED.matches(latest))
    if NOT_A_PRICE.matches(latest) and not priced:
        return Verdict(None, None)
    if TOPIC.classify(latest).detail not in PRICE_TOPICS:
        return Verdict(None, None)
    known: dict[str, str] = {}
    formal, run = False, True
    for end in range(len(texts), 0, -1):
        said = _toward_quote(texts[end - 1])
        for key, value in said.items():
            known.setdefault(key, value)  # the newest wins
        if run:  # the messages that led here without a break: was a quote asked for?
            asks = _asks_quote(texts[:end])
            formal = formal or asks or "company" in said or "address" in said
            run = bool(said) or asks
    if both and "seats" in known and not formal:
        return _side_by_side(both, int(known["seats"]), latest)
    complete = {"plan", "seats"} <= known.keys()
    words = _price_words(known["plan"], int(known["seats"])) if complete else {}
    if formal and known:
        missing = next((f"needs_{k}" for k in QUOTE_NEEDS if k not in known), "ready")
        if missing == "ready" and not now and quote_so_far(texts[:-1]).detail in READY:
            missing = "going_ahead"  # "great, go ahead" to the complete quote
        noted = {**words, "noted": _noted(known, words)}
        return Verdict("formal", missing, {"formal": 1.0}, words=noted)
    if not words and "seats" in now and "plan" not in known:
        return _every_plan(int(known["seats"]))  # "price for my team of 6"
    if not words:
        return Verdict(None, None)
    return _price(words, known.get("period"), latest)


ACKNOWLEDGEMENT = Classifier("acknowledgement", DATA.cues["acknowledgement"])


def failed_fix(text: str) -> Verdict:
    """ "still nothing", "no luck": a fix that failed, when the message names no problem of
    its own ("delivered but nothing arrived" does: a delivery)."""
    said = ACKNOWLEDGEMENT.classify(text)
    if said.label != "not_fixed" or TOPIC.classify(text).detail:
        return Verdict(None, None)
    return said


OTHER_TEAM = {"sales": "other_for_support", "support": "other_for_sales"}


def mixed_message(mine: str, text: str) -> Verdict:
    """A message with a question for each agent, read for the agent that answers `mine`:
    its part's detail, and `words["also"]` saying what the other team does about the rest."""
    read = [TOPIC.classify(p) for p in parts(text)]
    own = [v for v in read if v.label == mine and v.margin >= 0.05]
    other = [v for v in read if v.label not in (mine, "closing", None, "unclear")]
    other = [v for v in other if v.margin >= 0.05]
    if not own or not other:
        return Verdict(None, None)
    notes = DATA.texts[OTHER_TEAM[mine]]
    note = notes.get(other[0].detail or "", notes["default"])
    return Verdict(mine, own[0].detail, {mine: 1.0}, words={"also": note})


HANDOFFS_RULES = OfflineRules(
    classifiers={
        c.name: c
        for c in (
            TOPIC,
            # At support: the details a delivery or billing answer asked for ("card ending
            # 4242"), or "what do I need to send?". They stay with support.
            Classifier("case_details", DATA.cues["case_details"]),
            # "ok", "I'll try that": an answer taken in, not a new topic to route.
            ACKNOWLEDGEMENT,
            Reader("failed_fix", failed_fix),
            Reader("plan_quote", plan_quote),
            ConversationReader("quote_so_far", quote_so_far),
            # "do you do monthly too?": the billing period asked about, after a price.
            Classifier("billing_question", DATA.cues["billing_question"]),
            Reader("mixed_at_sales", partial(mixed_message, "sales")),
            Reader("mixed_at_support", partial(mixed_message, "support")),
        )
    },
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
