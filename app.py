"""Handoff Studio: run, watch and tune state-machine support agents."""

import streamlit as st

from support_agent.base import logs
from support_agent.ui import app_context, chat_turn, machine_panel, presenter

logs.configure()  # stderr, once per process (HANDOFF_LOG_LEVEL)
chat = st.Page("app_pages/chat.py", title="Chat", icon="💬", default=True)
walk = st.Page("app_pages/walkthrough.py", title="Walkthrough", icon="📽️")
page = st.navigation(
    [
        chat,
        walk,
        st.Page("app_pages/threads.py", title="Threads", icon="🗂️"),
        st.Page("app_pages/tickets.py", title="Tickets", icon="🎫"),
        st.Page("app_pages/prompts.py", title="Prompts", icon="✏️"),
        st.Page("app_pages/scenarios.py", title="Scenarios", icon="🧪"),
        st.Page("app_pages/experiments.py", title="Experiments", icon="⚖️"),
    ],
    position="top",  # the sidebar is the state machine's
)
on_chat = page.url_path == chat.url_path
walking = page.url_path == walk.url_path
# The presenter view and the walkthrough draw the machine beside their chat: no sidebar.
st.set_page_config(
    page_title="Handoff Studio",
    page_icon="🔀",
    layout="wide",
    initial_sidebar_state="collapsed"
    if walking or presenter.requested()
    else app_context.SIDEBAR_WIDTH,
)
if walking:
    ctx = app_context.init(panel_in_sidebar=False, beside="the replayed conversation")
else:
    ctx = app_context.init(
        panel_in_sidebar=not (on_chat and presenter.requested()),
        first=chat_turn.input_box if on_chat else None,  # a new visitor can type at once
    )
page.run()
if ctx.final_state is not None:  # the page ran a turn or moved in time: show where it left us
    viewing = (ctx.view or {}).get("label")
    machine_panel.show(ctx.flow, ctx.final_state, viewing=viewing, waiting=ctx.waiting)
