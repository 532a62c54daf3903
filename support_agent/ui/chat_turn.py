"""Running a turn from the chat page (the conversation service runs it): live rendering,
errors kept for Retry and said for someone in a browser.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import streamlit as st

from support_agent.core.declaration import Workflow
from support_agent.core.engine import ApprovalRequest, Error, TurnEnd, describe_failure
from support_agent.core.errors import Cause, Kind
from support_agent.models import ModelConfigError
from support_agent.service.conversation import (
    Conversation,
    MessageKept,
    ServiceEvent,
    TicketsOpened,
)
from support_agent.ui import keys, machine_panel, session, transcript

if TYPE_CHECKING:
    from support_agent.ui.app_context import Context


def input_box(ctx: Context) -> str | None:
    """The chat input, called before the sidebar is drawn: its element reaches the browser
    first, so a new visitor can type while the machine is still being drawn."""
    # No max_chars: the browser would cut a long message silently; the engine says the limit.
    # Never locked by a pause: a message withdraws the waiting request.
    return st.chat_input(
        "Write as the customer (this withdraws the waiting request)…"
        if ctx.waiting
        else "Write as the customer…",
        disabled=ctx.read_only,
    )


def run(
    ctx: Context, workflow: Workflow, state: dict, text: str | None, *, resume: bool = False
) -> dict | None:
    """Run one turn live; returns the new state, or None if it failed (kept for Retry)."""

    def start(talk: Conversation) -> Iterator[ServiceEvent]:
        return talk.send(
            text,
            state=state,
            resume=resume,
            checkpoint_id=ctx.checkpoint_id,
            stream_tokens=not ctx.model.offline,
            # A paused turn resumes with approvals on whatever the switch says: its decision stands.
            approvals=ctx.approvals or (resume and ctx.waiting is not None),
        )

    customer = text if not resume and text is not None else None
    return _live(ctx, workflow, state, start, text, resume=resume, customer=customer)


def decide(
    ctx: Context,
    workflow: Workflow,
    state: dict,
    request: ApprovalRequest,
    decision: str,
    text: str,
) -> dict | None:

    def start(talk: Conversation) -> Iterator[ServiceEvent]:
        return talk.decide(request, decision, text, state=state,
                           stream_tokens=not ctx.model.offline)  # fmt: skip

    return _live(ctx, workflow, state, start, None, resume=True)


def _live(
    ctx: Context,
    workflow: Workflow,
    state: dict,
    start: Callable[[Conversation], Iterator[ServiceEvent]],
    text: str | None,
    *,
    resume: bool,
    customer: str | None = None,
) -> dict | None:
    st.session_state.pop(keys.TURN_FAILED, None)
    machine_panel.remember_facts(workflow, state)
    # The turn's bubbles in one place: a message refused before it ran (empty, too long, sent
    # while a decision was pending) takes them away again, else they stood there, the
    # agent's empty, above the reason.
    turn = st.empty()
    with turn.container():
        badges = None if customer is None else transcript.show_customer(customer)
        try:
            talk = ctx.conversation()
        except ModelConfigError as exc:
            return _failed(text, describe_failure(exc), resume=resume and text is None)
        events = transcript.show_live(
            workflow, start(talk), lambda now: machine_panel.show(workflow, now, live=True)
        )
    end = events[-1] if events else None
    if isinstance(end, Error):
        if end.kind == Kind.INPUT or end.cause == Cause.AWAITING_APPROVAL:
            turn.empty()
            st.warning(words(end))
            # The page reruns after a decision to draw what was decided: say it there too.
            st.session_state[keys.TURN_REFUSED] = words(end)
            return None
        kept = any(isinstance(event, MessageKept) for event in events)
        # LangGraph kept the message on the head: Retry resumes there.
        if kept:
            ctx.back_to_latest()
            session.publish(ctx.thread_id)
        return _failed(text, end, resume=kept)
    if not isinstance(end, TurnEnd):
        return None
    if badges is not None:
        transcript.show_checks(latest_checks(end.state), badges)
    opened = [t for event in events if isinstance(event, TicketsOpened) for t in event.tickets]
    transcript.show_opened(opened, ctx.thread_id)
    ctx.turn_shown(end.waiting)
    return end.state


ADVICE = {
    Cause.KEY_REJECTED: "Check the key in the sidebar's Model settings, the environment or "
    ".streamlit/secrets.toml, then Retry.",
    Cause.UNKNOWN_MODEL: "Check it in the sidebar's Model settings (provider:model).",
    Cause.SETTINGS_REFUSED: "Check both in the sidebar's Model settings, then Retry.",
    Cause.TOOL_LOOP: "Rephrase your message, try another model in the sidebar, or start a new "
    "conversation.",
    Cause.STORE_UNAVAILABLE: "Check the database, then Retry.",
    Cause.MISSING_FACTS: "Use the time-travel panel to go back, or start a new conversation.",
}
INTERNAL_ADVICE = (
    "Your message is kept. Try again, or start a new conversation if this keeps happening."
)
BUSY = (
    "This conversation is answering in another tab or window. Wait for that reply, then send "
    "your message again."
)


def words(error: Error) -> str:
    """What to tell someone in the browser: the engine's facts and what to do here."""
    if error.cause == Cause.BUSY:
        return BUSY
    advice = (
        ADVICE.get(error.cause)
        or error.advice
        or (INTERNAL_ADVICE if error.kind == Kind.INTERNAL else "")
    )
    return f"{error.message} {advice}".strip()


def _failed(text: str | None, error: Error, *, resume: bool) -> None:
    st.session_state[keys.TURN_FAILED] = {
        "text": text,
        "message": words(error),
        "resume": resume,
        # A settings problem is worth a Retry once fixed; a bug of ours would meet it again.
        "retryable": error.retryable or error.kind == Kind.CONFIG,
    }


def failure() -> dict | None:
    return st.session_state.get(keys.TURN_FAILED)


def refused() -> str | None:
    """Why the previous run's send or decision changed nothing, said once."""
    return st.session_state.pop(keys.TURN_REFUSED, None)


def latest_checks(state: dict) -> list[dict]:
    for message in reversed(state.get("messages") or []):
        if message.type == "human":
            return message.additional_kwargs.get("guardrails") or []
    return []
