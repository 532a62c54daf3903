"""Chat page panel: the turns of this branch, rewind, edit-and-resend, other branches."""

from __future__ import annotations

import streamlit as st

from support_agent.timeline import branches, turns
from support_agent.ui.text import escape_markdown
from support_agent.workflow import Workflow

RESEND_KEY = "chat.turn_resend"  # {"checkpoint_id", "text"} waiting to be sent


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


EDITING_KEY = "chat.turn_editing"  # the checkpoint before the turn being edited


def _edit(number: int, text: str, checkpoint_id: str) -> None:
    with st.container(border=True):
        st.caption(
            f"Turn {number} will be sent again with your text, as a new branch. "
            "The current branch stays here in Time travel."
        )
        edited = st.text_area(
            "Customer message", value=text, max_chars=4000, key=f"edit-text-{checkpoint_id}"
        )
        send, cancel = st.columns(2)
        if send.button("Resend", type="primary", disabled=not edited.strip(), width="stretch"):
            st.session_state.pop(EDITING_KEY, None)
            st.session_state[RESEND_KEY] = {"checkpoint_id": checkpoint_id, "text": edited}
            st.rerun()
        if cancel.button("Cancel", width="stretch"):
            st.session_state.pop(EDITING_KEY, None)
            st.rerun()


def panel(ctx, workflow: Workflow) -> None:
    """The time-travel expander for the open thread."""
    graph = ctx.reader()
    heads = branches(graph, ctx.thread_id)
    if not heads:
        return
    viewing = ctx.view
    current_head = heads[0].head_id
    editing = st.session_state.get(EDITING_KEY) is not None
    with st.expander("🕰️ Time travel", expanded=viewing is not None or editing):
        if len(heads) > 1:
            labels = {
                b.head_id: f"{'Latest' if i == 0 else f'Earlier branch {len(heads) - i}'} · "
                f"{b.turns} turns · “{_short(b.last_text, 40)}”"
                for i, b in enumerate(heads)
            }
            chosen = (
                viewing["checkpoint_id"]
                if viewing and viewing["checkpoint_id"] in labels
                else current_head
            )
            by_label = {label: head_id for head_id, label in labels.items()}
            shown = st.selectbox("Branch", list(by_label), index=list(labels).index(chosen))
            pick = by_label[shown]
            if pick != chosen:
                if pick == current_head:
                    ctx.back_to_latest()
                else:
                    ctx.view_point(pick, labels[pick])
                st.rerun()
        head = (
            viewing["checkpoint_id"]
            if viewing and viewing["checkpoint_id"] in {b.head_id for b in heads}
            else current_head
        )
        for point in turns(graph, ctx.thread_id, head):
            step = workflow.step(workflow.current(point.after)).title
            row = st.columns([6, 2, 2], vertical_alignment="center")
            row[0].markdown(
                f"**Turn {point.number}** · {escape_markdown(_short(point.text))}  \n→ {step}"
            )
            if row[1].button(
                "Rewind here",
                key=f"rewind-{point.before_id}",
                help=f"Go back to before turn {point.number}",
            ):
                ctx.view_point(point.before_id, f"Rewound to before turn {point.number}")
                st.rerun()
            if row[2].button(
                "Edit", key=f"edit-{point.before_id}", help="Edit this message and resend it"
            ):
                st.session_state[EDITING_KEY] = point.before_id
            if st.session_state.get(EDITING_KEY) == point.before_id:
                _edit(point.number, point.text, point.before_id)


def banner(ctx) -> None:
    """Say plainly when the page shows an earlier point, and offer the way back."""
    viewing = ctx.view
    if not viewing:
        return
    left, right = st.columns([5, 1.4], vertical_alignment="center")
    left.info(
        f"{viewing['label']}. Your next message continues from here as a new branch; nothing is lost.",
        icon="🕰️",
    )
    if right.button("Back to latest", width="stretch"):
        ctx.back_to_latest()
        st.rerun()


def take_resend() -> dict | None:
    return st.session_state.pop(RESEND_KEY, None)
