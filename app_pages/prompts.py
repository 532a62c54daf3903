"""Prompts: edit each step's prompt and its tools' descriptions, as versions."""

import streamlit as st

from support_agent.ui.app_context import context
from support_agent.ui.prompt_editor import studio

ctx = context()
st.title("Prompts")
st.caption(
    "Change what each step's agent is told, and what it reads about its tools. "
    "Every save is a new version; activate one (or go back to the default) and the "
    "next turn in the chat uses it."
)
studio(ctx)
