"""Running a turn from the chat page: live rendering, errors kept for Retry.

Errors come from the engine as a kind, a cause and neutral words
(`support_agent.errors`); `words()` says them for someone in a browser, who
changes settings in the sidebar's Model picker.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import streamlit as st

from support_agent.engine import (
    ApprovalRequest,
    Error,
    Event,
    Transition,
    TurnEnd,
    describe_failure,
    is_store_error,
    run_turn,
)
from support_agent.engine import decide as engine_decide
from support_agent.errors import Cause, Kind
from support_agent.history import customer_turns
from support_agent.models import ModelConfigError
from support_agent.ui import machine_panel, transcript
from support_agent.ui.keys import TURN_FAILED as FAILED_KEY  # {text, message, resume}
from support_agent.ui.keys import TURN_REFUSED as REFUSED_KEY
from support_agent.workflow import Workflow

if TYPE_CHECKING:
    from support_agent.ui.app_context import Context


def run(
    ctx: Context, workflow: Workflow, state: dict, text: str | None, *, resume: bool = False
) -> dict | None:
    """Run one turn live; returns the new state, or None if it failed (kept for Retry)."""
    badges = None
    if not resume and text is not None:
        badges = transcript.show_customer(text)

    def start(graph: Any) -> Iterator[Event]:
        return run_turn(
            graph,
            workflow,
            ctx.thread_id,
            text,
            resume=resume,
            checkpoint_id=ctx.checkpoint_id,
            stream_tokens=not ctx.model.offline,
            first_turn=not resume and not state.get("messages"),
            lease=ctx.store.leases.hold(ctx.thread_id),
            # A paused turn is resumed with approvals on whatever the switch says now:
            # the decision it waits for must not be skipped.
            approvals=ctx.approvals or ctx.waiting is not None,
        )

    # A turn sent from an earlier point starts a branch: a pause on the old one is over.
    return _live(ctx, workflow, state, start, text, resume=resume, badges=badges,
                 decided=ctx.checkpoint_id is not None)  # fmt: skip


def decide(
    ctx: Context,
    workflow: Workflow,
    state: dict,
    request: ApprovalRequest,
    decision: str,
    text: str,
) -> dict | None:
    """Answer a paused action live ("approve", "edit" or "reject") and finish its turn."""

    def start(graph: Any) -> Iterator[Event]:
        return engine_decide(
            graph,
            workflow,
            ctx.thread_id,
            request,
            decision,
            text,
            stream_tokens=not ctx.model.offline,
            lease=ctx.store.leases.hold(ctx.thread_id),
        )

    return _live(ctx, workflow, state, start, None, resume=True, decided=True)


def _live(
    ctx: Context,
    workflow: Workflow,
    state: dict,
    start: Callable[[Any], Iterator[Event]],
    text: str | None,
    *,
    resume: bool,
    badges: Any = None,
    decided: bool = False,
) -> dict | None:
    """Start a turn's events on the session's graph, render them live, save what it left."""
    st.session_state.pop(FAILED_KEY, None)
    machine_panel.remember_facts(workflow, state)
    try:
        graph = ctx.runner()
    except ModelConfigError as exc:
        return _failed(text, describe_failure(exc), resume=resume and text is None)
    return _show(ctx, workflow, state, start(graph), graph, text, resume=resume, badges=badges,
                 decided=decided)  # fmt: skip


def _show(
    ctx: Context,
    workflow: Workflow,
    state: dict,
    stream: Iterator[Event],
    graph: Any,
    text: str | None,
    *,
    resume: bool,
    badges: Any = None,
    decided: bool = False,
) -> dict | None:
    """Render a turn's events live and save what it left; None if it failed."""
    live = dict(state)

    def moved(event: Transition) -> None:
        live[workflow.state_key] = event.target
        # The record the graph saved: the panel shows (and keys on) the real move.
        live["transitions"] = [*(live.get("transitions") or []), dict(event.record)]
        machine_panel.show(workflow, live, live=True)

    events = transcript.show_live(workflow, stream, moved)
    end = events[-1] if events else None
    if isinstance(end, Error):
        if end.kind == Kind.INPUT or end.cause == Cause.AWAITING_APPROVAL:
            st.warning(words(end))
            # The page reruns after a decision to draw what was decided: say it there too.
            st.session_state[REFUSED_KEY] = words(end)
            return None
        unfinished = _unfinished(graph, ctx.thread_id)
        if unfinished:  # LangGraph kept the message on the head: Retry resumes there
            ctx.back_to_latest()
            # Kept, so listed and owned now: a first turn that failed is no one's otherwise.
            ctx.message_kept(text or next(iter(customer_turns(state.get("messages") or [])), ""))
        return _failed(text, end, resume=unfinished)
    if not isinstance(end, TurnEnd):
        return None
    said = customer_turns(end.state.get("messages") or [])
    if badges is not None:
        transcript.show_checks(latest_checks(end.state), badges)
    ctx.turn_saved(said[0] if said else text or "", end.state, waiting=end.waiting, decided=decided)
    return end.state


def _unfinished(graph, thread_id: str) -> bool:
    """Whether the failed turn stopped part-way (False when the store can't say)."""
    try:
        return bool(graph.get_state({"configurable": {"thread_id": thread_id}}).next)
    except Exception as exc:  # noqa: BLE001 - a store that is down: resend on Retry
        if not is_store_error(exc):
            raise
        return False


# What to do about each cause, said to someone in the browser.
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
    advice = ADVICE.get(error.cause) or (INTERNAL_ADVICE if error.kind == Kind.INTERNAL else "")
    return f"{error.message} {advice}".strip()


def _failed(text: str | None, error: Error, *, resume: bool) -> None:
    st.session_state[FAILED_KEY] = {
        "text": text,
        "message": words(error),
        "resume": resume,
        # A settings problem (a key, a model name) is worth a Retry once it is fixed;
        # a bug of ours is not the provider's, and retrying would meet it again.
        "retryable": error.retryable or error.kind == Kind.CONFIG,
    }
    return None


def failure() -> dict | None:
    return st.session_state.get(FAILED_KEY)


def refused() -> str | None:
    """Why the previous run's send or decision changed nothing, said once."""
    return st.session_state.pop(REFUSED_KEY, None)


def latest_checks(state: dict) -> list[dict]:
    """The guardrails' verdicts on the customer's latest message."""
    for message in reversed(state.get("messages") or []):
        if message.type == "human":
            return message.additional_kwargs.get("guardrails") or []
    return []
