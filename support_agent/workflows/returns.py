"""Returns and refunds: a third state machine, declared in this one module.

One agent whose prompt and tools change with `current_step`:
order_lookup -> eligibility_check -> resolution (a refund or an exchange, or,
for a return outside the policy, a person), with go-back tools for a wrong
order number and for corrected details. The steps' words and prompts are data,
in `data/returns.yaml`; the offline model's part is in `returns_intents`. Nothing else names this workflow: the registry
(`support_agent.workflows`) finds `RETURNS`, and the picker, the diagram, the
prompt editor, scenarios and the CLI read it from there.
"""

from __future__ import annotations

import re
from typing import Literal, NotRequired

from langchain.tools import ToolRuntime, tool
from langgraph.types import Command

from support_agent.core.declaration import (
    Approval,
    Fact,
    Move,
    RunContext,
    Step,
    StepState,
    Workflow,
    tool_answer,
)
from support_agent.workflows.human import HAND_OVER, PERSON, escalate_to_human
from support_agent.workflows.returns_intents import DATA, RETURNS_RULES

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


def _not_eligible(runtime: ToolRuntime, what: str) -> Command | None:
    state = runtime.state or {}
    if state.get("eligibility") == "eligible":
        return None
    return tool_answer(
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
    steps=(  # their titles, descriptions and prompts: data/returns.yaml
        Step(**DATA.step_words("order_lookup"), tools=(record_order, escalate_to_human)),
        Step(
            **DATA.step_words("eligibility_check"),
            tools=(record_eligibility, note_delivery, go_back_to_order, escalate_to_human),
            requires=("order_id",),
        ),
        Step(
            **DATA.step_words("resolution"),
            tools=(
                issue_refund,
                arrange_exchange,
                escalate_to_human,
                go_back_to_eligibility,
                go_back_to_order,
            ),
            requires=("order_id", "eligibility"),
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
