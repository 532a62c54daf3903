"""Running a turn from the chat page: live rendering, errors kept for Retry."""

from __future__ import annotations

import streamlit as st

from support_agent.engine import Error, Transition, TurnEnd, describe_failure, run_turn
from support_agent.history import customer_turns
from support_agent.models import ModelConfigError
from support_agent.ui import machine_panel, transcript
from support_agent.workflow import Workflow

FAILED_KEY = "chat.turn_failed"  # {"text", "message", "resume"}


def run(
    ctx, workflow: Workflow, state: dict, text: str | None, *, resume: bool = False
) -> dict | None:
    """Run one turn live; returns the new state, or None if it failed (kept for Retry)."""
    st.session_state.pop(FAILED_KEY, None)
    machine_panel.remember_facts(workflow, state)
    if not resume and text is not None:
        transcript.show_customer(text)
    try:
        graph = ctx.runner()
    except ModelConfigError as exc:
        return _failed(text, describe_failure(exc), resume=False)

    live = dict(state)

    def moved(event: Transition) -> None:
        live[workflow.state_key] = event.target
        live["transitions"] = list(live.get("transitions") or []) + [
            {"id": f"live-{event.turn}-{event.tool}", "turn": event.turn, "source": event.source,
             "target": event.target, "tool": event.tool, "reason": event.reason}
        ]  # fmt: skip
        machine_panel.show(workflow, live, live=True)

    stream = run_turn(
        graph,
        workflow,
        ctx.thread_id,
        text,
        resume=resume,
        checkpoint_id=ctx.checkpoint_id,
        stream_tokens=not ctx.model.offline,
        first_turn=not resume and not state.get("messages"),
        lease=ctx.store.leases.hold(ctx.thread_id),
    )
    events = transcript.show_live(workflow, stream, moved)
    end = events[-1] if events else None
    if isinstance(end, Error):
        if end.kind == "input":
            st.warning(end.message)
            return None
        saved = graph.get_state({"configurable": {"thread_id": ctx.thread_id}})
        if saved.next:  # LangGraph kept the message on the head: Retry resumes there
            ctx.back_to_latest()
        return _failed(text, end, resume=bool(saved.next))
    if not isinstance(end, TurnEnd):
        return None
    said = customer_turns(end.state.get("messages") or [])
    ctx.turn_saved(said[0] if said else text or "")
    return end.state


def _failed(text: str | None, error: Error, *, resume: bool) -> None:
    st.session_state[FAILED_KEY] = {
        "text": text,
        "message": error.message,
        "resume": resume,
        # A settings problem (a key, a model name) is worth a Retry once it is fixed.
        "retryable": error.retryable or error.kind == "config",
    }
    return None


def failure() -> dict | None:
    return st.session_state.get(FAILED_KEY)
