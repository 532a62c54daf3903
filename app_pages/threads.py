"""Threads: every saved conversation."""

import streamlit as st

from support_agent.ui import thread_list
from support_agent.ui.app_context import context

ctx = context()
st.title("Threads")
thread_list.where_kept(ctx)

records = ctx.runs.threads_of(ctx.owner)  # a visitor sees only their own
if not records:
    st.info("No saved conversations yet. Start one on the Chat page.", icon="💬")
else:
    for entry in thread_list.search_and_page(thread_list.entries(ctx, records)):
        thread_list.thread_card(ctx, entry)
