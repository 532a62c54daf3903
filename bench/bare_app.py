"""The floor for browser timings: a Streamlit page with only a chat input."""

import streamlit as st

st.chat_input("Describe the problem")
