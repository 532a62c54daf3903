"""Handoff Studio: run, watch and tune state-machine support agents."""

import streamlit as st

from support_agent.ui import app_context, machine_panel
from support_agent.workflows import get_workflow

st.set_page_config(page_title="Handoff Studio", page_icon="🔀", layout="wide")

page = st.navigation(
    [
        st.Page("app_pages/chat.py", title="Chat", icon="💬", default=True),
        st.Page("app_pages/threads.py", title="Threads", icon="🗂️"),
        st.Page("app_pages/prompts.py", title="Prompts", icon="✏️"),
        st.Page("app_pages/scenarios.py", title="Scenarios", icon="🧪"),
    ]
)
ctx = app_context.init()
page.run()
# Drawn after the page, so the sidebar shows the state this turn left behind.
viewing = (ctx.view or {}).get("label")
machine_panel.show(get_workflow(ctx.workflow), ctx.final_state or ctx.read_state(), viewing=viewing)
