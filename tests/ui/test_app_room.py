"""What each message costs the server, as a room of browsers meets it (AppTest).

Every message reruns the whole page for that browser, and a room of people
sends many at once: work a rerun repeats for nothing is paid by everyone in
the room. Timing lives in `bench/room.py`; these tests hold the causes.
"""

import gc
import tomllib
from pathlib import Path

import pytest
import streamlit

from tests.helpers import TUTORIAL, dot, send, start

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def offline_in_memory(monkeypatch):
    monkeypatch.setenv("HANDOFF_DB_URL", "memory://")
    monkeypatch.delenv("SUPPORT_AGENT_MODEL", raising=False)


@pytest.fixture
def drawings(monkeypatch) -> list[str]:
    """The state machine diagrams sent to the browser (each one a Graphviz layout there)."""
    sent: list[str] = []
    real = streamlit.graphviz_chart

    def counted(spec, *args, **kwargs):
        sent.append(str(spec))
        return real(spec, *args, **kwargs)

    monkeypatch.setattr(streamlit, "graphviz_chart", counted)
    return sent


def test_a_turn_that_moves_nothing_draws_the_machine_once(drawings):
    at = start()
    drawings.clear()
    send(at, TUTORIAL[0])  # the agent asks about the warranty: same step, no fact
    assert len(drawings) == 1  # at the start of the run; the end has nothing new to show
    send(at, TUTORIAL[1])  # two moves: drawn as each happens and where the turn left it
    assert "resolution_specialist" in dot(at)
    send(at, TUTORIAL[2])  # the facts marked "new this turn" last turn are no longer new
    assert "new this turn" not in at.sidebar.markdown[1].value
    drawings.clear()
    send(at, TUTORIAL[3])
    assert len(drawings) == 1
    assert "new this turn" not in at.sidebar.markdown[1].value


def test_the_server_does_not_collect_all_garbage_after_every_run():
    # Streamlit's default walks the whole heap (~140k objects with LangChain and
    # LangGraph loaded, ~80 ms holding the GIL) after every rerun of every session:
    # half the server's CPU in a room of 30 browsers (bench/room.py).
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["postScriptGC"] is False


def test_a_live_tool_call_is_drawn_finished_not_as_a_running_status():
    # st.status sleeps 50 ms when created and 50 ms when closed: every tool call of a
    # live turn held the page that long, though the tools answer in microseconds.
    at = start()
    send(at, TUTORIAL[0])
    send(at, TUTORIAL[1])  # records the warranty, classifies the issue, gives a solution
    assert not at.get("status")
    live = at.chat_message[-1]
    boxes = [e for e in live.expander if e.label.startswith("🔧")]
    assert [e.label for e in boxes][:2] == ["🔧 Warranty recorded", "🔧 Issue classified"]
    assert all(e.icon == ":material/check_circle:" for e in boxes)
    assert "in_warranty" in boxes[0].text[0].value  # the result, as it came back


def test_the_heap_built_for_the_first_turn_is_left_out_of_full_collections():
    # Unfrozen, Python's full collections walked ~200k long-lived objects (~100 ms
    # holding the GIL) every few dozen turns: a stall for every browser in the room.
    streamlit.cache_resource.clear()  # as a freshly started server
    gc.unfreeze()
    send(start(), TUTORIAL[0])
    assert gc.get_freeze_count() > 100_000
