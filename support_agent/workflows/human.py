"""The hand-over to a person, offered at every step of every workflow."""

from __future__ import annotations

from langchain.tools import tool


@tool
def escalate_to_human(reason: str) -> str:
    """Escalate the case to a human specialist: the customer asked for a person, or needs one."""
    return f"Escalating to human support. Reason: {reason}"
