"""What a turn through the conversation service costs the store, and what it keeps.

Decoding a checkpoint is a turn's largest cost outside the run itself: a turn
decodes the thread's latest one once (the engine's read under the lease is
LangGraph's as the run starts), and its rewind point is recorded from what the
lease saw it save, yet time travel reads the same turns as from the history.
"""

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.checkpoint.sqlite import SqliteSaver

from support_agent.core.engine import TurnEnd
from support_agent.core.timeline import RecordedTimeline, Timeline
from support_agent.features.app_store import open_store
from support_agent.models import OfflineChatModel
from support_agent.service.conversation import Conversation
from support_agent.workflows import get_workflow
from support_agent.workflows.builders import build_graph
from tests.helpers import TUTORIAL


@pytest.fixture(params=["sqlite", "memory"])
def store(request, tmp_path):
    url = f"sqlite:///{tmp_path / 'turns.db'}" if request.param == "sqlite" else "memory://"
    opened = open_store(url)
    yield opened
    opened.close()


def test_a_turn_decodes_the_threads_checkpoint_once(store, monkeypatch):
    saver = SqliteSaver if store.kind == "sqlite" else InMemorySaver
    reads: list[dict] = []
    read = saver.get_tuple
    monkeypatch.setattr(
        saver, "get_tuple", lambda self, config: reads.append(config) or read(self, config)
    )
    workflow = get_workflow("support")
    graph = build_graph(workflow, OfflineChatModel(), store.checkpointer)
    talk = Conversation(store, graph, workflow, "reads")
    per_turn = []
    for text in TUTORIAL:  # as the bench's page: its state known on the first turn only
        before = len(reads)
        events = list(
            talk.send(text, state={} if text == TUTORIAL[0] else None, stream_tokens=False)
        )
        assert isinstance(events[-1], TurnEnd), events[-1]
        per_turn.append(len(reads) - before)
    # The first turn writes the empty point before it (LangGraph reads to write it).
    assert per_turn == [2, 1, 1, 1]


def test_rewind_points_recorded_without_reads_match_the_history(store):
    workflow = get_workflow("support")
    graph = build_graph(workflow, OfflineChatModel(), store.checkpointer)
    talk = Conversation(store, graph, workflow, "points")
    for text in TUTORIAL:
        assert isinstance(list(talk.send(text, stream_tokens=False))[-1], TurnEnd)
    latest = store.checkpointer.get_tuple({"configurable": {"thread_id": "points"}})
    recorded = RecordedTimeline(
        store.turn_points.of("points"),
        latest.config["configurable"]["checkpoint_id"],
        "current_step",
    )
    history = Timeline(graph, "points")
    as_rows = lambda points: [  # noqa: E731
        (p.number, p.text, p.before_id, p.after.get("current_step")) for p in points
    ]
    assert as_rows(recorded.turns()) == as_rows(history.turns())
    assert len(recorded.turns()) == len(TUTORIAL)
