"""Tickets: every hand-over to a person; the support team replies and resolves here."""

import streamlit as st

from support_agent.ui import ticket_widgets
from support_agent.ui.app_context import context

ctx = context()
st.title("Tickets")
ticket_widgets.approval_queue(ctx)
ticket_widgets.page(ctx)
