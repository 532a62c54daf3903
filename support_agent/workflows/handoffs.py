"""Sales <-> support handoffs: two agents as nodes of one graph (the AgentScope seed).

A sales agent and a support agent each answer the customer in turn. A transfer
tool sets `active_agent`; when the agent's node finishes, the graph follows
`active_agent` to the other agent, which answers the customer's question in the
same turn. The next turn starts with whoever is active. This module is the
workflow's only declaration (the agents' words and prompts are data, in
`data/handoffs.yaml`); the graph builder (`support_agent.core.agent_graph`), the
sidebar diagram, scenarios and docs all read `HANDOFFS`.
"""

from __future__ import annotations

from typing import Literal, NotRequired

from langchain.tools import ToolRuntime, tool
from langgraph.types import Command

from support_agent.core.declaration import Handoffs, Move, RunContext, Step, StepState, Workflow
from support_agent.workflows.handoffs_intents import DATA, HANDOFFS_RULES
from support_agent.workflows.human import HAND_OVER, PERSON, escalate_to_human

# --- State ---------------------------------------------------------------------------

AgentName = Literal["sales_agent", "support_agent"]

# At most this many transfers in one customer turn; past it the agent answers itself.
MAX_TRANSFERS = 2


class HandoffsState(StepState):
    """State for the handoffs graph (and for each agent in it)."""

    active_agent: NotRequired[AgentName]
    # True when a transfer was refused this turn because of the limit.
    handoff_limited: NotRequired[bool]


# --- Tools ---------------------------------------------------------------------------
# A tool's docstring is the description the model sees.


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


# --- The note a receiving agent reads (the agents' prompts: data/handoffs.yaml) --------

# Added by the graph to the system prompt of the agent that just received the
# conversation: it does not see the other agent's messages of this turn.
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
    moves={
        "transfer_to_support": Move(
            "support_agent", "needs technical help", "the customer needs technical or account help"
        ),
        "transfer_to_sales": Move("sales_agent", "buying question"),
    },
    tool_labels={"escalate_to_human": "handed over to a person"},
    facts=(),
    approvals=(HAND_OVER,),
    hand_over=PERSON,
    offline_rules=HANDOFFS_RULES,
    starters=(
        (
            "Login trouble (the seed)",
            "Hi, I'm having trouble with my account login. Can you help?",
        ),
        ("Pricing question", "How much does the Business plan cost for 12 users?"),
        ("Faulty delivery", "The headphones I ordered arrived broken. Can I get a refund?"),
    ),
)
