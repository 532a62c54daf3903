"""The presenter view: the state machine large beside the chat, for a projector.

On with `?view=presenter` or the chat page's toggle (kept in the session: page switches drop
query parameters). One screen from 1280x720 to 2560x1440, never scrolling; heights that follow
the window can't be known in Python, so `fit_to_screen` sets them in CSS (layout only).
"""

from __future__ import annotations

import streamlit as st

from support_agent.ui import keys

PARAM, VALUE = "view", "presenter"
# px: the chat's box as Streamlit draws it before the stylesheet fits it to the window.
CHAT_HEIGHT = 400
CHAT_KEY = keys.PRESENTER_CHAT
# Heights in rem: the top margin under the header; the chat column's rows besides its box
# (its controls take two lines in a column narrower than a 1480 px window's, one in a wider:
# measured, the box then ends 1.5 rem above the chat input at 1280x720 and 1920x1080);
# the machine column's rows besides the drawing.
TOP = 4
BESIDE_CHAT = 28
BESIDE_CHAT_WIDE, WIDE_FROM = 23, 1480  # rem, from that many px of window width
BESIDE_DIAGRAM = 29
# The walkthrough's chat column besides its box (no chat input).
BESIDE_REPLAY = 23


def _chat_height(beside: float) -> str:
    box = f"calc(100vh - {beside}rem)"
    return f""".st-key-{CHAT_KEY}, [data-testid="stLayoutWrapper"]:has(> .st-key-{CHAT_KEY}) {{
  height: {box} !important; min-height: 10rem; flex-basis: {box} !important;
}}"""


def fit_to_screen(beside_chat: float = BESIDE_CHAT, wide: float | None = BESIDE_CHAT_WIDE) -> None:
    """Heights that follow the window; `beside_chat` rem are the chat column's other rows
    (`wide` rem in a window of `WIDE_FROM` px or more; None: the same)."""
    wider = "" if wide is None else f"@media (min-width: {WIDE_FROM}px) {{ {_chat_height(wide)} }}"
    st.html(f"""<style>
[data-testid="stMainBlockContainer"] {{ padding-top: {TOP}rem; }}
{_chat_height(beside_chat)}
{wider}
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
