"""Sidebar panel: the state machine, the recorded facts, the transition history."""

from __future__ import annotations

import streamlit as st

from support_agent.diagram import dot_source
from support_agent.history import facts, history_rows
from support_agent.ui.text import escape_markdown, humanize
from support_agent.workflow import Workflow

SLOT_KEY = "machine.slot"
BEFORE_KEY = "machine.facts_before"


def reserve_slot() -> None:
    """Keep a sidebar place for the panel, filled after the page ran its turn."""
    st.session_state[SLOT_KEY] = st.sidebar.empty()


def remember_facts(workflow: Workflow, state: dict) -> None:
    """Note the facts before a turn, so the panel can highlight what the turn changed."""
    st.session_state[BEFORE_KEY] = facts(workflow, state)


def show(
    workflow: Workflow, state: dict, *, live: bool = False, viewing: str | None = None
) -> None:
    """Draw the panel into the reserved slot (replacing what was there)."""
    slot = st.session_state.get(SLOT_KEY)
    if slot is None:
        return
    with slot.container():
        step = workflow.step(workflow.current(state))
        st.markdown(f"### {workflow.title}")
        st.caption(
            ("Updating… " if live else "") + f"Active: **{step.title}** — {step.description}"
        )
        if viewing:
            st.caption(f"🕰️ Showing: {viewing}")
        st.graphviz_chart(dot_source(workflow, state), width="stretch")
        _facts(workflow, state)
        _history(workflow, state)


def _facts(workflow: Workflow, state: dict) -> None:
    if not workflow.facts:
        return
    before = st.session_state.get(BEFORE_KEY) or {}
    lines = []
    for key, value in facts(workflow, state).items():
        shown = escape_markdown(str(value)) if value is not None else "_not yet known_"
        changed = key in before and before[key] != value and value is not None
        lines.append(
            f"- **{humanize(key)}**: {shown}" + (" :green-badge[new this turn]" if changed else "")
        )
    st.markdown("**Recorded facts**\n" + "\n".join(lines))


def _history(workflow: Workflow, state: dict) -> None:
    rows = history_rows(workflow, state)
    st.markdown("**Transition history**")
    if not rows:
        st.caption("No moves yet.")
        return
    st.dataframe(
        [
            {
                "Turn": r["turn"],
                "Move": f"{r['from']} → {r['to']}",
                "Tool": r["tool"],
                "Why": r["reason"],
            }
            for r in rows
        ],
        hide_index=True,
        width="stretch",
    )
