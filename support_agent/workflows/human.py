"""The hand-over to a person, offered at every step of every workflow."""

from __future__ import annotations

from langchain.tools import tool

from support_agent.core.declaration import Approval, HandOver


@tool
def escalate_to_human(reason: str, requested: bool = False) -> str:
    """Escalate the case to a human specialist: the customer asked for a person, or needs one.

    Args:
        reason: Why a person is needed, for the person who takes the case.
        requested: True when the customer asked for a person themselves; a later
            correction of what they told you does not withdraw such a hand-over.
    """
    return f"Escalating to human support. Reason: {reason}"


# With approvals on, a person confirms the hand-over first and may reword its reason.
HAND_OVER = Approval(
    "escalate_to_human",
    "Hand this case over to a person?",
    "hand-over to a person requested",
    editable="reason",
)

# Drawn as a node of its own on the diagram, lit with the ticket a hand-over opened.
PERSON = HandOver(escalate_to_human.name, title="Person")
