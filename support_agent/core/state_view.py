"""Reading a thread's state for people (transcript, facts, transition history): pure functions
shared by the chat, the threads page, exports and tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from support_agent.core.declaration import (
    Workflow,
    handover_call,
    is_decision,
    is_handover,
    turn_of,
)
from support_agent.offline.dialogue import is_rejection
from support_agent.offline.policy import is_customer, is_summary

# A walkthrough's opening note is a summary to the models; this key holds it in words for people.
JUMP_NOTE = "handoff_jump"


@dataclass
class ToolUse:
    id: str
    name: str
    args: dict
    result: str | None = None
    ok: bool = True
    transition: dict | None = None  # the move this call made, if any
    decision: dict | None = None  # a person's decision on this call (approvals on)
    rejected: bool = False  # a person said no: the tool never ran


@dataclass
class ChatItem:
    """One bubble: the customer's words, the agent's reply with its tool uses, a summary,
    or a walkthrough's opening note."""

    role: str  # "customer" | "agent" | "summary" | "jump"
    texts: list[str] = field(default_factory=list)
    tools: list[ToolUse] = field(default_factory=list)
    agent: str = ""
    turn: int | None = None
    checks: list[dict] = field(default_factory=list)  # guardrail verdicts on the message

    @property
    def text(self) -> str:
        return "\n\n".join(t for t in self.texts if t)


def transcript(state: dict) -> list[ChatItem]:
    """The conversation as bubbles; summaries are marked, never shown as the customer's."""
    moves = {r.get("id"): r for r in state.get("transitions") or []}
    # A decision names its turn and tool, not the call (the review request has no id).
    decided = {(r["turn"], r["tool"]): r for r in state.get("transitions") or [] if is_decision(r)}
    items: list[ChatItem] = []
    calls: dict[str, ToolUse] = {}
    messages = state.get("messages") or []
    # Turns no longer in the messages (summarized away), so numbering stays true.
    turn = max(turn_of(state) - sum(1 for m in messages if is_customer(m)), 0)
    for message in messages:
        if isinstance(message, HumanMessage):
            if (note := jump_note(message)) is not None:
                items.append(ChatItem("jump", [note], turn=turn))
            elif is_summary(message):
                items.append(ChatItem("summary", [message.text]))
            else:
                turn += 1
                checks = message.additional_kwargs.get("guardrails") or []
                items.append(ChatItem("customer", [message.text], turn=turn, checks=checks))
        elif isinstance(message, AIMessage):
            agent = message.name or ""
            if not items or items[-1].role != "agent" or items[-1].agent != agent:
                items.append(ChatItem("agent", agent=agent, turn=turn))
            items[-1].texts.append(message.text)
            for call in message.tool_calls:
                use = ToolUse(call["id"], call["name"], call["args"])
                use.transition = moves.get(call["id"])
                use.decision = decided.get((turn, call["name"]))
                calls[call["id"]] = use
                items[-1].tools.append(use)
        elif isinstance(message, ToolMessage) and message.tool_call_id in calls:
            use = calls[message.tool_call_id]
            use.result, use.ok = message.text, message.status != "error"
            use.rejected = is_rejection(message)
    return items


def jump_note(message: BaseMessage) -> str | None:
    if not isinstance(message, HumanMessage) or not is_summary(message):
        return None
    note = message.additional_kwargs.get(JUMP_NOTE)
    return str(note) if note else None


def facts(workflow: Workflow, state: dict) -> dict[str, str | None]:
    return {key: state.get(key) for key in workflow.fact_keys}


def history_rows(
    workflow: Workflow, state: dict, tickets: Mapping[str, str] | None = None
) -> list[dict]:
    """The transition history as table rows with step titles (a hand-over's with its
    ticket, when `tickets` knows it)."""
    return [
        {
            "turn": r.get("turn"),
            "from": workflow.step(r["source"]).title,
            "to": handed_to(workflow, r, tickets or {})
            if is_handover(r)
            else workflow.step(r["target"]).title,
            "tool": r["tool"],
            "reason": r.get("reason", ""),
        }
        for r in state.get("transitions") or []
    ]


def handed_to(workflow: Workflow, record: dict, tickets: Mapping[str, str]) -> str:
    person = workflow.hand_over.title if workflow.hand_over else "a person"
    ticket = tickets.get(handover_call(record))
    return f"{person} · ticket {ticket}" if ticket else person


def customer_turns(messages: list[BaseMessage]) -> list[str]:
    return [m.text for m in messages if is_customer(m)]
