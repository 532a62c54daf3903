"""Returns and refunds: a third state machine, declared in this one module.

One agent whose prompt and tools change with `current_step`:
order_lookup -> eligibility_check -> resolution (a refund or an exchange, or,
for a return outside the policy, a person), with go-back tools for a wrong
order number and for corrected details. The offline model's part is in
`returns_intents`. Nothing else names this workflow: the registry
(`support_agent.workflows`) finds `RETURNS`, and the picker, the diagram, the
prompt editor, scenarios and the CLI read it from there.
"""

from __future__ import annotations

import re
from typing import Literal, NotRequired

from langchain.tools import ToolRuntime, tool
from langchain_core.messages import ToolMessage
from langgraph.types import Command

from support_agent.core.declaration import (
    Approval,
    Fact,
    Move,
    RunContext,
    Step,
    StepState,
    Workflow,
)
from support_agent.workflows.human import HAND_OVER, PERSON, escalate_to_human
from support_agent.workflows.returns_intents import RETURNS_RULES

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


# --- Tools ---------------------------------------------------------------------------
# A tool's docstring is the description the model reads.


def _answer(runtime: ToolRuntime, text: str, *, refused: bool = False, **facts) -> Command:
    """A tool result that doesn't move the machine (it may record facts)."""
    message = ToolMessage(
        content=text, tool_call_id=runtime.tool_call_id, status="error" if refused else "success"
    )
    return Command(update={"messages": [message], **({} if refused else facts)})


@tool
def record_order(order_id: str, runtime: ToolRuntime[RunContext, ReturnsState]) -> Command:
    """Record the order number (5 to 10 digits) and move on to the eligibility check."""
    digits = re.sub(r"\D", "", order_id)
    if not 5 <= len(digits) <= 10:
        return _answer(
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


@tool
def go_back_to_order(runtime: ToolRuntime[RunContext, ReturnsState]) -> Command:
    """Go back to the order lookup: the customer gave the wrong order number."""
    return RETURNS.move(
        runtime,
        "go_back_to_order",
        "Returned to order lookup; eligibility and resolution cleared.",
        eligibility=None,
        eligibility_reason=None,
        resolution_choice=None,
    )


@tool
def go_back_to_eligibility(runtime: ToolRuntime[RunContext, ReturnsState]) -> Command:
    """Go back to the eligibility check: the customer corrected when the order arrived or the
    item's condition."""
    return RETURNS.move(
        runtime,
        "go_back_to_eligibility",
        "Returned to the eligibility check; eligibility and resolution cleared.",
        eligibility=None,
        eligibility_reason=None,
        resolution_choice=None,
    )


def _not_eligible(runtime: ToolRuntime, what: str) -> Command | None:
    state = runtime.state or {}
    if state.get("eligibility") == "eligible":
        return None
    return _answer(
        runtime,
        f"Order {state.get('order_id')} is not eligible for {what}; nothing changed. "
        "Offer escalate_to_human for a review instead.",
        refused=True,
    )


def _settle(runtime: ToolRuntime, choice: ResolutionChoice, detail: str = "") -> Command:
    """Record a refund or an exchange for an eligible return (a change of mind says so)."""
    refused = _not_eligible(runtime, "a refund" if choice == "refund" else "an exchange")
    if refused is not None:
        return refused
    state = runtime.state or {}
    other = state.get("resolution_choice")
    instead = f" (instead of the {other})" if other and other != choice else ""
    said = f"{choice.capitalize()} arranged for order {state.get('order_id')}{instead}"
    said += f": {detail}" if detail else ""
    return _answer(runtime, f"{said}; prepaid return label emailed.", resolution_choice=choice)


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


# --- Prompts (data: the prompt studio can override them) -----------------------------

ORDER_LOOKUP_PROMPT = """You are a returns and refunds agent for an online shop.

CURRENT STEP: Order lookup

At this step, you need to:
1. Greet the customer and acknowledge what they'd like to return
2. Ask for the order number (5 to 10 digits, in the order confirmation email)
3. Use record_order to record it and move to the eligibility check

Ask only for the order number here.
If the customer asks for a person, use escalate_to_human."""

ELIGIBILITY_CHECK_PROMPT = """You are a returns and refunds agent for an online shop.

CURRENT STEP: Eligibility check
ORDER: {order_id}

The returns policy:
- Unused items can be returned within 30 days of delivery (trying clothes on is fine).
- Faulty items, or the wrong item sent, can be returned up to a year after delivery.
- Used items, and items damaged after delivery, can't be returned.

At this step, you need to:
1. Ask when the order was delivered and what condition the item is in
2. If the customer gives the delivery date but not the condition, you may use note_delivery,
   then ask about the condition
3. Use record_eligibility with eligible or not_eligible and a short reason, to move on

If unclear, ask one clarifying question before deciding.
If the customer says the order number was wrong, use go_back_to_order.
If the customer asks for a person, use escalate_to_human."""

RESOLUTION_PROMPT = """You are a returns and refunds agent for an online shop.

CURRENT STEP: Refund or exchange
ORDER: {order_id}
ELIGIBILITY: {eligibility} ({eligibility_reason})

At this step, you need to:
1. If ELIGIBLE: ask whether the customer wants a refund or an exchange, then use
   issue_refund or arrange_exchange (once), and explain the prepaid return label
2. If NOT ELIGIBLE: explain why in one sentence, don't refund or exchange, and offer
   escalate_to_human so a person can review it as an exception
3. Answer follow-up questions: refund timing, the return label, packaging, drop-off

If the customer corrects when it arrived or its condition, use go_back_to_eligibility.
If the order number was wrong, use go_back_to_order.
If the customer asks for a person, use escalate_to_human (once, unless they ask again)."""

# --- The workflow ----------------------------------------------------------------------

RETURNS = Workflow(
    name="returns",
    title="Returns and refunds (state machine)",
    state_key="current_step",
    initial="order_lookup",
    steps=(
        Step(
            name="order_lookup",
            title="Order lookup",
            prompt=ORDER_LOOKUP_PROMPT,
            tools=(record_order, escalate_to_human),
            description="Find the order the customer wants to return.",
        ),
        Step(
            name="eligibility_check",
            title="Eligibility check",
            prompt=ELIGIBILITY_CHECK_PROMPT,
            tools=(record_eligibility, note_delivery, go_back_to_order, escalate_to_human),
            requires=("order_id",),
            description="Check the return against the policy: when it arrived, what condition "
            "it is in.",
        ),
        Step(
            name="resolution",
            title="Refund or exchange",
            prompt=RESOLUTION_PROMPT,
            tools=(
                issue_refund,
                arrange_exchange,
                escalate_to_human,
                go_back_to_eligibility,
                go_back_to_order,
            ),
            requires=("order_id", "eligibility"),
            description="Refund it or exchange it; outside the policy, offer a person.",
        ),
    ),
    moves={
        "record_order": Move(
            "eligibility_check", "order found", "the customer gave order {order_id}"
        ),
        "record_eligibility": Move(
            "resolution", "eligibility checked", "the return is {eligibility}: {eligibility_reason}"
        ),
        "go_back_to_order": Move(
            "order_lookup", "wrong order", "the customer corrected the order number", withdraws=True
        ),
        "go_back_to_eligibility": Move(
            "eligibility_check",
            "details corrected",
            "the customer corrected when it arrived or its condition",
            withdraws=True,
        ),
    },
    facts=(
        Fact("order_id", "Order"),
        Fact(
            "eligibility", "Eligibility", {"eligible": "Eligible", "not_eligible": "Not eligible"}
        ),
        Fact("eligibility_reason", "Reason"),
        Fact("resolution_choice", "Resolution", {"refund": "Refund", "exchange": "Exchange"}),
    ),
    tool_labels={
        "note_delivery": "delivery date noted",
        "issue_refund": "refund issued",
        "arrange_exchange": "exchange arranged",
        "escalate_to_human": "handed over to a person",
    },
    approvals=(
        Approval("issue_refund", "Refund this order?", "refund requested"),
        Approval(
            "arrange_exchange",
            "Send this replacement?",
            "replacement requested",
            editable="replacement",
        ),
        HAND_OVER,
    ),
    hand_over=PERSON,
    offline_rules=RETURNS_RULES,
    starters=(
        ("Headphones, unused (refund)", "Hi, I want to return my headphones"),
        (
            "Trainers too small (exchange)",
            "The trainers from order 48213 are too small, can I swap them?",
        ),
        ("Jacket bought two months ago", "I'd like to return a jacket, order 55120"),
    ),
    state_schema=ReturnsState,
    rank=2,
)
