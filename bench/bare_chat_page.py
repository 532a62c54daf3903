"""The reference for the browser room: the smallest chat page, echoing each message."""

import streamlit as st

if "messages" not in st.session_state:
    st.session_state.messages = []

for role, text in st.session_state.messages:
    with st.chat_message(role):
        st.markdown(text)

if typed := st.chat_input("Write as the customer…"):
    st.session_state.messages.append(("user", typed))
    with st.chat_message("user"):
        st.markdown(typed)
    reply = f"You said: {typed}"
    st.session_state.messages.append(("assistant", reply))
    with st.chat_message("assistant"):
        st.markdown(reply)
