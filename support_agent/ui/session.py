"""Which conversation this browser session is on: session state plus `?thread=` in the URL."""

from __future__ import annotations

import re
from collections.abc import Callable

import streamlit as st

from support_agent.core.engine import new_thread_id
from support_agent.ui import keys
from support_agent.workflows import WORKFLOWS

DEFAULT_WORKFLOW = "support"


_THREAD_ID = re.compile(r"[A-Za-z0-9_.\-]{1,128}")


# What a backend knows of a thread (its `workflow`), None when it has no saved turn.
ThreadInfo = Callable[[str], "dict | None"]


def current_thread(thread_info: ThreadInfo) -> str:
    """This session's thread id; adopts a `?thread=` link that exists."""
    ss = st.session_state
    linked = st.query_params.get("thread")
    if linked and linked != ss.get(keys.THREAD):
        # Thread ids are URL-safe tokens; anything else (a NUL, a path) is no link of ours.
        info = thread_info(linked) if _THREAD_ID.fullmatch(linked) else None
        if info is None:
            ss[keys.NOTICE] = (
                "That conversation link doesn't match a saved conversation (it may have been "
                "deleted). A fresh conversation has been started."
            )
            ss.pop(keys.THREAD, None)  # started below, which drops the link from the URL
        else:
            ss[keys.THREAD] = linked
            ss[keys.WORKFLOW] = info.get("workflow", DEFAULT_WORKFLOW)
    if keys.THREAD not in ss:
        start_new(ss.get(keys.WORKFLOW, DEFAULT_WORKFLOW))
    return ss[keys.THREAD]


def current_workflow() -> str:
    name = st.session_state.get(keys.WORKFLOW, DEFAULT_WORKFLOW)
    return name if name in WORKFLOWS else DEFAULT_WORKFLOW


def start_new(workflow: str, thread_id: str | None = None) -> str:
    """A fresh, unguessable thread (or `thread_id`, already seeded); forgets the one left."""
    ss = st.session_state
    ss[keys.THREAD] = thread_id or new_thread_id()
    ss[keys.WORKFLOW] = workflow
    for key in keys.NEW_CONVERSATION_RESETS:
        ss.pop(key, None)
    if "thread" in st.query_params:
        del st.query_params["thread"]
    return ss[keys.THREAD]


def open_thread(thread_info: ThreadInfo, thread_id: str) -> None:
    info = thread_info(thread_id) or {}
    st.session_state[keys.THREAD] = thread_id
    st.session_state[keys.WORKFLOW] = info.get("workflow", DEFAULT_WORKFLOW)
    publish(thread_id)


def publish(thread_id: str) -> None:
    if st.query_params.get("thread") != thread_id:
        st.query_params["thread"] = thread_id
