"""Threads: every saved conversation."""

import streamlit as st

from support_agent.ui.app_context import context
from support_agent.ui.thread_list import thread_card

ctx = context()
st.title("Threads")
st.caption(f"Saved in the {ctx.store.kind} store ({ctx.store.url}).")

records = ctx.store.threads.all(owner=ctx.owner)  # a visitor sees only their own
if not records:
    st.info("No saved conversations yet. Start one on the Chat page.", icon="💬")
query = st.text_input("Search titles", placeholder="e.g. battery") if records else ""
for record in records:
    if query.lower() in record["title"].lower():
        thread_card(ctx, record)
