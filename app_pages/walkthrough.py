"""Walkthrough: replay a scenario or a saved conversation turn by turn, for a talk."""

import streamlit as st

from support_agent.core.state_view import transcript as saved_transcript
from support_agent.ui import diagram_download, machine_panel, presenter, transcript, walkthrough
from support_agent.ui.app_context import context

ctx = context()
presenter.fit_to_screen(presenter.BESIDE_REPLAY, wide=None)
talk, machine = st.columns([1, 1.5], gap="medium")
talk.caption(
    "Replay a conversation one turn at a time: **Next** and **Back**, or the → and ← keys "
    "(once a button, not a picker, has the focus)."
)
replay = walkthrough.pick(ctx, talk)
if replay is None:
    st.stop()

row = talk.container(horizontal=True, vertical_alignment="center", gap="small")
turn = walkthrough.controls(replay, row)
frame = replay.frames[turn]
diagram_download.popover(
    replay.workflow,
    frame,
    row,
    tickets=machine_panel.ticket_ids(frame, replay.thread_id),
    page="walkthrough",
)
if replay.problem and turn == replay.turns:
    talk.warning(f"The replay stops here: {replay.problem}", icon="⚠️")

with talk.container(height=presenter.CHAT_HEIGHT, border=False, key=presenter.CHAT_KEY):
    if turn == 0:
        st.caption("Before the customer's first message. Press **Next** (or →) to start.")
    transcript.show_saved(replay.workflow, saved_transcript(frame), replay.thread_id)

# Marks what this turn recorded "new this turn", as in a live conversation.
machine_panel.remember_facts(replay.workflow, replay.frames[max(turn - 1, 0)])
machine_panel.reserve_slot(
    replay.workflow, frame, machine, wide=True, thread_id=replay.thread_id, jump_control=False
)
