"""The presenter view: the state machine large beside the chat, for a projector.

On with `?view=presenter` (so it can be bookmarked) or the toggle on the chat
page. Page switches drop query parameters, so the choice is also kept in the
session and put back in the URL when the chat page shows again.
"""

from __future__ import annotations

import streamlit as st

from support_agent.ui import keys

PARAM, VALUE = "view", "presenter"
# px: what is left of a 1280x720 screen under the header and above the chat input.
CHAT_HEIGHT = 400


def requested() -> bool:
    """Whether this session wants the presenter view (the URL wins when it says so)."""
    if st.query_params.get(PARAM) == VALUE:
        st.session_state[keys.PRESENTER] = True
    return bool(st.session_state.get(keys.PRESENTER))


def _switch() -> None:
    on = bool(st.session_state.get(keys.PRESENTER_TOGGLE))
    st.session_state[keys.PRESENTER] = on
    if on:
        st.query_params[PARAM] = VALUE
    elif PARAM in st.query_params:
        del st.query_params[PARAM]


def toggle(where=None) -> bool:
    """The chat page's switch; keeps the URL bookmarkable while it is on."""
    on = requested()
    if on and st.query_params.get(PARAM) != VALUE:
        st.query_params[PARAM] = VALUE
    st.session_state[keys.PRESENTER_TOGGLE] = on
    (where or st).toggle(
        "Presenter view",
        key=keys.PRESENTER_TOGGLE,
        on_change=_switch,
        help="The state machine large beside the chat, for a projector or a screen share. "
        "Bookmark the page with it on to come back to it.",
    )
    return on
