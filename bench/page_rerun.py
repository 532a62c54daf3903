"""How long the chat page takes to rerun on a saved conversation, by its length.

A rerun happens on every click and submit (AppTest, `?thread=`, SQLite on disk, no browser):
the floor of how responsive the page feels. Its rows: `bench/run_all.py --only long`.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402
from tutorial_agent import TURNS  # noqa: E402

from support_agent.core.engine import TurnEnd  # noqa: E402
from support_agent.features.app_store import open_store  # noqa: E402
from support_agent.service.conversation import Conversation  # noqa: E402
from support_agent.workflows import get_workflow  # noqa: E402
from support_agent.workflows.builders import build_graph  # noqa: E402

OPENING = TURNS[:2]
FOLLOW_UPS = ["How long does the repair take?", "What do I need to bring?", "ok", "Where do I go?"]


def write_thread(url: str, thread_id: str, turns: int) -> None:
    store = open_store(url)
    graph = build_graph("support", "offline", store.checkpointer)
    graph = graph.with_config(metadata={"workflow": "support"})
    texts = OPENING + [FOLLOW_UPS[i % len(FOLLOW_UPS)] for i in range(turns - len(OPENING))]
    # The conversation service keeps what the page keeps: thread row, rewind points.
    talk = Conversation(store, graph, get_workflow("support"), thread_id)
    for text in texts[:turns]:
        events = list(talk.send(text, stream_tokens=False))
        assert isinstance(events[-1], TurnEnd), events[-1]
    store.close()


def rerun_times(thread_id: str, rounds: int) -> list[float]:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["thread"] = thread_id
    at.run()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
    assert not at.exception, at.exception
    return times
