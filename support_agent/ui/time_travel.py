"""Chat page panel: the turns of this branch, rewind, edit-and-resend, other branches."""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from support_agent.base.oneline import clip
from support_agent.core.declaration import Workflow
from support_agent.core.timeline import Timeline
from support_agent.ui import keys
from support_agent.ui.safe_text import escape_markdown

if TYPE_CHECKING:
    from support_agent.ui.app_context import Context

AUTO_LOAD_TURNS = 30
SHOWN_TURNS = 12  # rows drawn at first: a long thread must not slow every rerun


def _edit(number: int, text: str, checkpoint_id: str) -> None:
    with st.container(border=True):
        st.caption(
            f"Turn {number} will be sent again with your text, as a new branch. "
            "The current branch stays here in Time travel."
        )
        edited = st.text_area(
            "Customer message", value=text, key=keys.PART.format("edit-text", checkpoint_id)
        )
        send, cancel = st.columns(2)
        if send.button("Resend", type="primary", disabled=not edited.strip(), width="stretch"):
            st.session_state.pop(keys.TURN_EDITING, None)
            st.session_state[keys.TURN_RESEND] = {"checkpoint_id": checkpoint_id, "text": edited}
            st.rerun()
        if cancel.button("Cancel", width="stretch"):
            st.session_state.pop(keys.TURN_EDITING, None)
            st.rerun()


def _timeline(ctx: Context, workflow: Workflow, history_allowed: bool) -> Timeline | None:
    """The thread's timeline, read once per checkpoint: from recorded turn points, else (if
    `history_allowed`) from the costly history.
    """
    latest_id = ctx.latest_id()
    if latest_id is None:
        return None
    key = (ctx.thread_id, latest_id)
    cached = st.session_state.get(keys.TIMELINE)
    if cached and cached[0] == key:
        return cached[1]
    timeline = ctx.runs.timeline(workflow, ctx.thread_id, history_allowed=history_allowed)
    if timeline is not None:
        st.session_state[keys.TIMELINE] = (key, timeline)
    return timeline


def panel(ctx: Context, workflow: Workflow, turns_so_far: int) -> None:
    viewing = ctx.view
    editing = st.session_state.get(keys.TURN_EDITING) is not None
    if not turns_so_far and not viewing:
        return
    if (viewing or editing) and keys.TIMELINE_OPEN not in st.session_state:
        st.session_state[keys.TIMELINE_OPEN] = True  # open on what is being looked at
    # Its rows only when open: a closed panel costs a rerun nothing.
    box = st.expander("🕰️ Time travel", key=keys.TIMELINE_OPEN, on_change="rerun")
    if not box.open:
        return
    with box:
        timeline = _loaded_timeline(ctx, workflow, turns_so_far)
        if timeline is None:
            return
        points = timeline.turns(_branch(ctx, timeline.branches()))
        if len(points) > SHOWN_TURNS and st.session_state.get(keys.TIMELINE_ALL) != ctx.thread_id:
            if st.button(f"Show all {len(points)} turns", icon="⏫", key=keys.TIMELINE_ALL_BUTTON):
                st.session_state[keys.TIMELINE_ALL] = ctx.thread_id
                st.rerun()
            points = points[-SHOWN_TURNS:]
        for point in points:
            _turn_row(ctx, workflow, point)


def _loaded_timeline(ctx: Context, workflow: Workflow, turns_so_far: int):
    loaded = st.session_state.get(keys.TIMELINE_LOADED) == ctx.thread_id
    allowed = loaded or ctx.view is not None or turns_so_far <= AUTO_LOAD_TURNS
    timeline = _timeline(ctx, workflow, history_allowed=allowed)
    if timeline is None and not allowed:
        # Written by an older version without turn points: its history takes a moment.
        st.caption(f"{turns_so_far} turns: reading every checkpoint takes a moment.")
        if not st.button("Load the timeline", icon="🕰️"):
            return None
        st.session_state[keys.TIMELINE_LOADED] = ctx.thread_id
        timeline = _timeline(ctx, workflow, history_allowed=True)
    return timeline


def _branch(ctx: Context, heads: list) -> str:
    """The head of the branch on screen; a picker when there is more than one."""
    ids = [b.head_id for b in heads]
    chosen = ctx.checkpoint_id if ctx.checkpoint_id in ids else ids[0]
    if len(heads) > 1:
        labels = {
            b.head_id: f"{'Latest' if i == 0 else f'Earlier branch {len(heads) - i}'} · "
            f"{b.turns} turns · “{clip(b.last_text, 40)}”"
            for i, b in enumerate(heads)
        }
        # Labels as options, not `format_func`: AppTest reads a pick back by its label.
        by_label = {label: head_id for head_id, label in labels.items()}
        pick = by_label[st.selectbox("Branch", list(by_label), index=ids.index(chosen))]
        if pick != chosen:
            if pick == ids[0]:
                ctx.back_to_latest()
            else:
                ctx.view_point(pick, labels[pick])
            st.rerun()
    return chosen


def _turn_row(ctx: Context, workflow: Workflow, point) -> None:
    step = workflow.step(workflow.current(point.after)).title
    row = st.columns([6, 2, 2], vertical_alignment="center")
    row[0].markdown(
        f"**Turn {point.number}** · {escape_markdown(clip(point.text, 60))}  \n→ {step}"
    )
    if row[1].button(
        "Rewind here",
        key=keys.PART.format("rewind", point.before_id),
        help=f"Go back to before turn {point.number}",
    ):
        ctx.view_point(point.before_id, f"Rewound to before turn {point.number}")
        st.rerun()
    if row[2].button(
        "Edit",
        key=keys.PART.format("edit", point.before_id),
        help="Edit this message and resend it",
    ):
        st.session_state[keys.TURN_EDITING] = point.before_id
    if st.session_state.get(keys.TURN_EDITING) == point.before_id:
        _edit(point.number, point.text, point.before_id)


def banner(ctx: Context) -> None:
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
    return st.session_state.pop(keys.TURN_RESEND, None)
