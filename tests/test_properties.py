"""Property test: any customer text, in any order, keeps the state machine sound.

Hypothesis drives both workflows (offline model) with random Unicode turns,
mixed with phrases that move the machine, and checks after every turn: no
exception escapes `run_turn`, the step is a declared one, every move follows a
declared edge, the step's required facts are recorded, and every tool call
has its result.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tests.helpers import SETTINGS, drive

MOVING = [
    "my screen is cracked", "yes", "no, it expired", "the app keeps crashing",
    "actually it's out of warranty", "it didn't help", "I want a human", "how much is it?",
    "my other laptop's battery is swollen too", "How much does the Business plan cost?",
    "I can't log in", "thanks", "sí", "ok",
]  # fmt: skip
turns = st.lists(st.one_of(st.text(max_size=120), st.sampled_from(MOVING)), min_size=1, max_size=6)


@SETTINGS
@given(turns)
def test_the_support_machine_stays_sound(texts):
    drive("support", texts)


@SETTINGS
@given(turns)
def test_the_handoffs_graph_stays_sound(texts):
    drive("handoffs", texts)
