"""Walkthrough mode below the browser: replays, the page, and the diagram as a file.

A replay holds one state per turn (before the first, then after each), from a
saved thread's checkpoints or from a scenario run with the offline model; the
page steps through them with Next and Back and shows every text escaped; the
diagram is saved as an SVG or a 1920 px wide PNG of the state shown.
"""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from support_agent.core.diagram import NOW_MARK, last_move
from support_agent.core.engine import TurnEnd, new_thread_id, run_turn
from support_agent.core.slide_diagram import file_name, slide
from support_agent.core.state_view import customer_turns
from support_agent.features import replays
from support_agent.features.scenarios import load_scenario, scenarios_dir
from support_agent.offline.model import OfflineChatModel
from support_agent.workflows import WORKFLOWS
from support_agent.workflows.builders import build_graph
from tests.helpers import TUTORIAL, send, start

SUPPORT = WORKFLOWS["support"]


def test_a_scenario_replays_one_state_per_turn():
    replay = replays.of_scenario(load_scenario(scenarios_dir() / "support-tutorial.yaml"))
    assert replay.turns == 4 and replay.said == TUTORIAL and not replay.problem
    steps = [SUPPORT.current(frame) for frame in replay.frames]
    assert steps == ["warranty_collector", "warranty_collector"] + ["resolution_specialist"] * 3
    # Each frame holds the chat so far and the move its own turn made.
    assert [len(customer_turns(f.get("messages") or [])) for f in replay.frames] == [0, 1, 2, 3, 4]
    assert last_move(replay.frames[2]) == (
        "issue_classifier",
        "resolution_specialist",
        "record_issue_type",
    )
    assert last_move(replay.frames[3]) is None


def test_a_saved_thread_replays_its_latest_branch():
    graph = build_graph("support", OfflineChatModel(), InMemorySaver())
    thread = new_thread_id()
    for text in TUTORIAL[:3]:
        end = list(run_turn(graph, SUPPORT, thread, text, stream_tokens=False))[-1]
        assert isinstance(end, TurnEnd)
    replay = replays.of_thread(graph, SUPPORT, thread, "Cracked screen")
    assert replay.turns == 3 and replay.said == TUTORIAL[:3]
    assert replay.frames[0].get("messages") in (None, [])
    assert SUPPORT.current(replay.frames[2]) == "resolution_specialist"
    assert replay.frames[3]["turn"] == 3


def test_a_thread_with_no_finished_turn_replays_as_its_start():
    graph = build_graph("support", OfflineChatModel(), InMemorySaver())
    replay = replays.of_thread(graph, SUPPORT, new_thread_id(), "Empty")
    assert replay.turns == 0 and replay.frames == [{}]


@pytest.fixture
def tutorial_state():
    return replays.of_scenario(load_scenario(scenarios_dir() / "support-tutorial.yaml")).frames[2]


def test_the_diagram_as_a_png_for_a_slide_is_1920_px_wide(tutorial_state):
    png = slide(SUPPORT, tutorial_state, "png")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    assert width == 1920 and height <= 1080


def test_the_diagram_as_an_svg_shows_the_state_and_its_path(tutorial_state):
    svg = ET.fromstring(slide(SUPPORT, tutorial_state, "svg"))
    assert svg.get("width") == "1440pt"  # 20 inches: 1920 px on screen
    texts = [t.text for t in svg.iter() if t.tag.endswith("text")]
    assert texts[texts.index(NOW_MARK) + 1] == "Resolution"
    classes = [g.get("class") or "" for g in svg.iter() if g.tag.endswith("g")]
    assert sum("just-moved" in c for c in classes) == 1 and sum("taken" in c for c in classes) == 2
    assert file_name(SUPPORT, tutorial_state, "svg") == "support-turn-2.svg"


def test_a_diagram_in_another_format_is_refused_in_words():
    with pytest.raises(ValueError, match="svg or png, not 'pdf'"):
        slide(SUPPORT, {}, "pdf")


@pytest.fixture
def in_memory(monkeypatch):
    monkeypatch.setenv("HANDOFF_DB_URL", "memory://")
    for name in ("SUPPORT_AGENT_MODEL", "SUPPORT_AGENT_BASE_URL", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def turn_shown(at) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("**Turn "))


def test_the_page_steps_through_a_saved_conversation_with_its_text_escaped(in_memory):
    at = start()
    typed = "<b>cracked</b> screen ![x](https://example.com/x.png)"
    send(at, typed)
    at.switch_page("app_pages/walkthrough.py").run()
    assert turn_shown(at) == "**Turn 0 of 4**"  # the tutorial scenario comes first
    at.segmented_control(key="walkthrough.source").set_value("A saved conversation").run()
    assert turn_shown(at) == "**Turn 0 of 1**" and not at.chat_message
    at.button(key="walkthrough-next").click().run()
    assert not at.exception
    assert turn_shown(at) == "**Turn 1 of 1**" and len(at.chat_message) == 2
    said = at.chat_message[0].markdown[0]
    assert said.value != typed and "\\<b\\>" in said.value  # shown as typed, never as HTML
    assert not any(m.proto.allow_html for m in at.markdown)
    assert at.button(key="walkthrough-next").disabled
    at.button(key="walkthrough-back").click().run()
    assert turn_shown(at) == "**Turn 0 of 1**" and not at.chat_message
    # The diagram's downloads are there, made only when pressed (no page waits for them).
    buttons = at.get("download_button")
    assert [b.label for b in buttons] == [
        "PNG image (1920 px wide)",
        "SVG drawing (scales to any size)",
    ]
    assert all(b.proto.deferred_file_id and b.proto.ignore_rerun for b in buttons)
