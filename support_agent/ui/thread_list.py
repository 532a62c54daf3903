"""Threads page widgets: every conversation, to open, rename, export or delete."""

from __future__ import annotations

import streamlit as st

from support_agent.engine import thread_config
from support_agent.exports import as_json, as_markdown
from support_agent.ui import runtime
from support_agent.ui.text import escape_markdown, when
from support_agent.workflows import WORKFLOWS

CONFIRM_KEY = "threads.confirm_delete"


def thread_card(ctx, record: dict) -> None:
    thread_id = record["thread_id"]
    workflow = WORKFLOWS.get(record["workflow"])
    if workflow is None:
        return
    state = dict(runtime.reader_graph(workflow.name).get_state(thread_config(thread_id)).values)
    step = workflow.step(workflow.current(state)).title
    is_open = thread_id == ctx.thread_id
    with st.container(border=True):
        top = st.columns([5, 2, 2, 2], vertical_alignment="center")
        badge = "  :blue-badge[open in chat]" if is_open else ""
        top[0].markdown(f"**{escape_markdown(record['title'])}**{badge}")
        top[1].caption(f"{workflow.title}")
        top[2].caption(f"{step} · {int(state.get('turn') or 0)} turns")
        top[3].caption(f"Last activity {when(record['updated_at'])}")
        actions = st.columns([2, 3, 2, 2, 2], vertical_alignment="bottom")
        if actions[0].button("Open in chat", key=f"open-{thread_id}", icon="💬", type="primary"):
            ctx.open_thread(thread_id)
            st.switch_page("app_pages/chat.py")
        title = actions[1].text_input(
            "Title", value=record["title"], key=f"title-{thread_id}", label_visibility="collapsed"
        )
        if title != record["title"]:
            try:
                ctx.store.threads.rename(thread_id, title)
            except ValueError as exc:
                st.warning(str(exc))
            else:
                st.toast("Title saved")
                st.rerun()
        name = f"conversation-{thread_id[:8]}"
        actions[2].download_button(
            "Markdown", as_markdown(workflow, state, thread_id=thread_id, title=record["title"]),
            file_name=f"{name}.md", mime="text/markdown", key=f"md-{thread_id}", icon="⬇️",
        )  # fmt: skip
        actions[3].download_button(
            "JSON", as_json(workflow, state, thread_id=thread_id, title=record["title"]),
            file_name=f"{name}.json", mime="application/json", key=f"json-{thread_id}", icon="⬇️",
        )  # fmt: skip
        if actions[4].button("Delete", key=f"delete-{thread_id}", icon="🗑️"):
            st.session_state[CONFIRM_KEY] = thread_id
        if st.session_state.get(CONFIRM_KEY) == thread_id:
            confirm_delete(ctx, thread_id)


def confirm_delete(ctx, thread_id: str) -> None:
    st.warning("This conversation and all its branches will be removed for good.", icon="🗑️")
    yes, no = st.columns(2)
    if yes.button("Delete for good", key=f"confirm-{thread_id}", type="primary", width="stretch"):
        ctx.store.delete_thread(thread_id)
        if thread_id == ctx.thread_id:
            ctx.new_conversation()
        st.session_state.pop(CONFIRM_KEY, None)
        st.toast("Conversation deleted")
        st.rerun()
    if no.button("Keep it", key=f"keep-{thread_id}", width="stretch"):
        st.session_state.pop(CONFIRM_KEY, None)
        st.rerun()
