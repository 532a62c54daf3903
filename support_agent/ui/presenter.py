"""The presenter view: the state machine large beside the chat, for a projector.

On with `?view=presenter` (so it can be bookmarked) or the toggle on the chat
page. Page switches drop query parameters, so the choice is also kept in the
session and put back in the URL when the chat page shows again.

The view is one screen, at any size from 1280x720 to 2560x1440: the chat
scrolls in its own box as tall as the screen allows, the diagram takes the
width of its column (so its labels grow with the screen) but never more height
than leaves "Now at", the facts and the latest moves on screen. Nothing makes
the page taller than the window, so it never scrolls, and Streamlit's habit of
scrolling a page with a chat input to its bottom can't hide "Now at" after a
reload. Heights that follow the window can't be said in Python (the server
doesn't know the window), so `fit_to_screen` says them in a few lines of CSS:
layout only, no text of anyone's in it. The browser test measures the result.
"""

from __future__ import annotations

import streamlit as st

from support_agent.ui import keys

PARAM, VALUE = "view", "presenter"
# px: the chat's box as Streamlit draws it before the stylesheet fits it to the window.
CHAT_HEIGHT = 400
CHAT_KEY = keys.PRESENTER_CHAT
# Heights in rem (16 px): the page's top margin under Streamlit's header bar; what the
# chat column holds besides its box (caption, the row of controls, possibly wrapped
# onto two lines, and the chat input pinned below); what the machine column holds
# besides the drawing ("Now at", the facts and the two latest moves, the input below).
TOP = 4
BESIDE_CHAT = 30
BESIDE_DIAGRAM = 29
# What the walkthrough's chat column holds besides its box (the source picker and the
# row of controls; no chat input).
BESIDE_REPLAY = 23


def fit_to_screen(beside_chat: float = BESIDE_CHAT) -> None:
    """Heights that follow the window (see the module's docstring): layout only.
    `beside_chat` rem are the chat column's other rows; the walkthrough, which has no
    chat input, passes `BESIDE_REPLAY`."""
    st.html(f"""<style>
[data-testid="stMainBlockContainer"] {{ padding-top: {TOP}rem; }}
.st-key-{CHAT_KEY}, [data-testid="stLayoutWrapper"]:has(> .st-key-{CHAT_KEY}) {{
  height: calc(100vh - {beside_chat}rem) !important; min-height: 10rem;
  flex-basis: calc(100vh - {beside_chat}rem) !important;
}}
[data-testid="stMainBlockContainer"] [data-testid="stGraphVizChart"] svg {{
  max-height: calc(100vh - {BESIDE_DIAGRAM}rem); min-height: 8rem;
}}
</style>""")


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


def toggle(where) -> bool:
    """The chat page's switch; keeps the URL bookmarkable while it is on."""
    on = requested()
    if on and st.query_params.get(PARAM) != VALUE:
        st.query_params[PARAM] = VALUE
    st.session_state[keys.PRESENTER_TOGGLE] = on
    where.toggle(
        "Presenter view",
        key=keys.PRESENTER_TOGGLE,
        on_change=_switch,
        help="The state machine large beside the chat, for a projector or a screen share. "
        "Bookmark the page with it on to come back to it.",
    )
    return on
