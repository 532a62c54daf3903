"""Conversations survive restarts, can be listed, deleted, exported and rewound.

Every test here runs twice: on SQLite and on a real PostgreSQL server.
"""

import contextlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage

from support_agent import build_handoffs_graph, build_support_agent
from support_agent.core.engine import Error, TurnEnd, new_thread_id, run_turn, thread_config
from support_agent.core.timeline import Timeline
from support_agent.features.app_store import open_store
from support_agent.features.exports import as_json, as_markdown
from support_agent.store.storage import StoreUnavailable
from support_agent.workflows.support import SUPPORT
from tests.helpers import TUTORIAL, customer_said


def support_thread(store_url):
    """A store, the support agent on it, and a fresh thread id."""
    store = open_store(store_url)
    return store, build_support_agent("offline", store.checkpointer), new_thread_id()


def chat(graph, thread_id, *texts):
    for text in texts:
        events = list(run_turn(graph, SUPPORT, thread_id, text))
        assert isinstance(events[-1], TurnEnd), events[-1]
    return graph.get_state(thread_config(thread_id)).values


def test_thread_survives_a_restart(store_url):
    thread = new_thread_id()
    store = open_store(store_url)
    before = chat(build_support_agent("offline", store.checkpointer), thread, *TUTORIAL[:2])
    store.threads.touch(thread, "support", TUTORIAL[0])
    store.close()

    reopened = open_store(store_url)  # a new process would do exactly this
    graph = build_support_agent("offline", reopened.checkpointer)
    after = graph.get_state(thread_config(thread)).values
    assert after["current_step"] == "resolution_specialist"
    assert (after["warranty_status"], after["issue_type"]) == ("in_warranty", "hardware")
    assert after["transitions"] == before["transitions"]
    assert [m.content for m in after["messages"]] == [m.content for m in before["messages"]]
    assert reopened.threads.get(thread)["title"] == TUTORIAL[0]
    # ...and the conversation goes on where it was.
    final = chat(graph, thread, TUTORIAL[2])
    assert final["turn"] == 3
    reopened.close()


def test_handoffs_active_agent_survives_a_restart(store_url):
    thread = new_thread_id()
    config = thread_config(thread)
    store = open_store(store_url)
    graph = build_handoffs_graph("offline", store.checkpointer)
    graph.invoke({"messages": [HumanMessage("I can't log in to my account")]}, config)
    store.close()
    reopened = open_store(store_url)
    state = build_handoffs_graph("offline", reopened.checkpointer).get_state(config).values
    assert state["active_agent"] == "support_agent"
    assert [t["tool"] for t in state["transitions"]] == ["transfer_to_support"]
    reopened.close()


def test_threads_are_listed_renamed_and_deleted(store_url):
    store = open_store(store_url)
    graph = build_support_agent("offline", store.checkpointer)
    kept, dropped = new_thread_id(), new_thread_id()
    for thread, text in ((kept, "My battery is swollen"), (dropped, "My app crashes")):
        chat(graph, thread, text)
        store.threads.touch(thread, "support", text)
    store.threads.rename(kept, "  Swollen   battery case ")
    assert {t["thread_id"]: t["title"] for t in store.threads.all()} == {
        kept: "Swollen battery case",
        dropped: "My app crashes",
    }
    with pytest.raises(ValueError):
        store.threads.rename(kept, "   ")

    store.delete_thread(dropped)
    assert store.checkpointer.get_tuple(thread_config(dropped)) is None
    assert store.threads.get(dropped) is None
    assert [t["thread_id"] for t in store.threads.all()] == [kept]
    assert store.checkpointer.get_tuple(thread_config(kept)) is not None
    store.close()


def test_rewind_and_edit_make_branches_and_keep_the_old_one(store_url):
    store = open_store(store_url)
    graph = build_support_agent("offline", store.checkpointer)
    thread = new_thread_id()
    chat(graph, thread, *TUTORIAL[:3])
    timeline = Timeline(graph, thread).turns()
    assert [t.text for t in timeline] == TUTORIAL[:3]
    assert timeline[0].after.get("current_step") is None
    assert timeline[1].after["current_step"] == "resolution_specialist"
    original_head = Timeline(graph, thread).branches()[0].head_id

    # "Edit message 2 and resend": continue from the checkpoint before turn 2.
    edited = "No, the warranty expired last year"
    events = list(run_turn(graph, SUPPORT, thread, edited, checkpoint_id=timeline[1].before_id))
    assert isinstance(events[-1], TurnEnd)
    now = graph.get_state(thread_config(thread)).values
    assert now["warranty_status"] == "out_of_warranty"
    assert [t.text for t in Timeline(graph, thread).turns()] == [TUTORIAL[0], edited]

    heads = Timeline(graph, thread).branches()
    assert len(heads) == 2 and original_head in {b.head_id for b in heads}
    old = Timeline(graph, thread).turns(original_head)
    assert [t.text for t in old] == TUTORIAL[:3]  # the old branch is still reachable
    assert old[-1].after["warranty_status"] == "in_warranty"
    store.close()


def test_exports_include_the_transition_history(store_url):
    store = open_store(store_url)
    graph = build_support_agent("offline", store.checkpointer)
    thread = new_thread_id()
    state = chat(graph, thread, *TUTORIAL[:2])
    data = json.loads(as_json(SUPPORT, state, thread_id=thread, title="Cracked screen"))
    assert data["current_step"] == "resolution_specialist"
    assert [(t["from"], t["to"], t["tool"]) for t in data["transitions"]] == [
        ("Warranty verification", "Issue classification", "record_warranty_status"),
        ("Issue classification", "Resolution", "record_issue_type"),
    ]
    assert data["messages"][0] == {"role": "customer", "text": TUTORIAL[0]}
    markdown = as_markdown(SUPPORT, state, thread_id=thread, title="Cracked screen")
    assert markdown.startswith("# Cracked screen")
    assert (
        "| 2 | Warranty verification | Issue classification | `record_warranty_status` |"
        in markdown
    )
    assert f"**Customer**: {TUTORIAL[1]}" in markdown
    assert "- Warranty: In warranty\n- Issue type: Hardware\n" in markdown  # facts in words
    store.close()


def test_a_store_that_goes_away_fails_the_turn_clearly_and_keeps_what_was_saved(store_url):
    store = open_store(store_url)
    graph = build_support_agent("offline", store.checkpointer)
    thread = new_thread_id()
    chat(graph, thread, TUTORIAL[0])
    store.close()  # the database connection is gone
    events = list(run_turn(graph, SUPPORT, thread, TUTORIAL[1]))
    assert isinstance(events[-1], Error) and events[-1].kind == "store"
    assert "Earlier turns are safe" in events[-1].message
    reopened = open_store(store_url)
    state = build_support_agent("offline", reopened.checkpointer).get_state(thread_config(thread))
    assert [m.content for m in state.values["messages"] if m.type == "human"] == TUTORIAL[:1]
    reopened.close()


def test_unreachable_postgres_is_reported_without_the_password():
    with pytest.raises(StoreUnavailable) as err:
        open_store("postgresql://app:s3cret@127.0.0.1:1/handoff?connect_timeout=1")
    assert "127.0.0.1:1" in str(err.value) and "s3cret" not in str(err.value)


def test_unknown_store_url_is_refused_clearly():
    with pytest.raises(StoreUnavailable, match="sqlite:///"):
        open_store("mysql://localhost/x")


@pytest.mark.postgres
def test_postgres_going_down_fails_turns_clearly_and_loses_nothing():
    from tests.pg import ThrowawayPostgres

    server = ThrowawayPostgres()
    server.start()
    try:
        store = open_store(server.url)
        graph = build_support_agent("offline", store.checkpointer)
        thread = new_thread_id()
        chat(graph, thread, TUTORIAL[0])

        server.stop()
        events = list(run_turn(graph, SUPPORT, thread, TUTORIAL[1]))
        assert isinstance(events[-1], Error) and events[-1].kind == "store"
        assert events[-1].retryable

        server.start()  # the pool reconnects; what was saved is still there
        state = chat(graph, thread, TUTORIAL[1])
        assert [m.content for m in state["messages"] if m.type == "human"] == TUTORIAL[:2]
        assert state["current_step"] == "resolution_specialist"
        store.close()
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # already down
            server.stop()
        server.remove()


def test_each_later_turn_keeps_one_checkpoint_and_stays_a_rewind_point(store_url):
    store, graph, thread = support_thread(store_url)
    chat(graph, thread, *TUTORIAL)
    first_turn = len(list(graph.get_state_history(thread_config(thread))))
    chat(graph, thread, "How long does the repair take?", "ok", "Where do I go?")
    history = list(graph.get_state_history(thread_config(thread)))
    assert len(history) == first_turn + 3  # one write per finished turn
    points = Timeline(graph, thread).turns()
    assert [p.number for p in points] == [1, 2, 3, 4, 5, 6, 7]
    assert points[-1].text == "Where do I go?"
    # rewinding to before the last turn and answering differently makes a branch
    events = list(
        run_turn(
            graph, SUPPORT, thread, "Is there a store near me?", checkpoint_id=points[-1].before_id
        )
    )
    assert isinstance(events[-1], TurnEnd)
    assert len(Timeline(graph, thread).branches()) == 2
    store.close()


def test_recorded_turn_points_give_the_same_timeline_as_the_history(store_url):
    from support_agent.core.timeline import RecordedTimeline

    store, graph, thread = support_thread(store_url)
    for text in TUTORIAL:
        chat(graph, thread, text)
        store.turn_points.record(store.checkpointer, thread, "current_step")
    latest = store.checkpointer.get_tuple(thread_config(thread)).config["configurable"]
    recorded = RecordedTimeline(
        store.turn_points.of(thread), latest["checkpoint_id"], "current_step"
    )
    history = Timeline(graph, thread)
    as_rows = lambda points: [  # noqa: E731
        (p.number, p.text, p.before_id, p.after.get("current_step")) for p in points
    ]
    assert as_rows(recorded.turns()) == as_rows(history.turns())
    assert [b.head_id for b in recorded.branches()] == [b.head_id for b in history.branches()]
    store.delete_thread(thread)
    assert store.turn_points.of(thread) == []
    store.close()


def test_concurrent_senders_on_one_thread_are_refused_never_lost(store_url):
    import threading

    from langchain_core.messages import AIMessage, ToolMessage

    store, graph, thread = support_thread(store_url)
    chat(graph, thread, TUTORIAL[0])
    outcomes: list[str] = []
    lock = threading.Lock()

    def sender(n: int) -> None:
        for i in range(5):
            text = f"sender {n} message {i}: what should I do?"
            events = list(run_turn(graph, SUPPORT, thread, text, lease=store.leases.hold(thread)))
            with lock:
                outcomes.append(
                    text if isinstance(events[-1], TurnEnd) else f"busy:{events[-1].kind}"
                )

    workers = [threading.Thread(target=sender, args=(n,)) for n in range(6)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    finished = [o for o in outcomes if not o.startswith("busy")]
    assert {o for o in outcomes if o.startswith("busy")} <= {"busy:busy"}
    assert finished, "at least one sender got through"
    assert sorted(customer_said(graph, thread)[1:]) == sorted(finished)  # none lost
    state = graph.get_state(thread_config(thread)).values
    calls = {c["id"] for m in state["messages"] if isinstance(m, AIMessage) for c in m.tool_calls}
    results = {m.tool_call_id for m in state["messages"] if isinstance(m, ToolMessage)}
    assert calls <= results  # no tool call without its result
    with store.leases.hold(thread):  # nothing left holding the thread (else ThreadBusy)
        pass
    store.close()


SENDER = """
import sys
from support_agent import build_support_agent
from support_agent.core.engine import TurnEnd, run_turn
from support_agent.features.app_store import open_store
from support_agent.workflows.support import SUPPORT

url, thread, name = sys.argv[1:4]
store = open_store(url)
graph = build_support_agent("offline", store.checkpointer)
for i in range(4):
    text = f"{name} message {i}: what should I do?"
    events = list(run_turn(graph, SUPPORT, thread, text, lease=store.leases.hold(thread)))
    print(text if isinstance(events[-1], TurnEnd) else "busy", flush=True)
store.close()
"""


def test_senders_in_several_processes_never_lose_a_turn(store_url):
    root = Path(__file__).resolve().parents[2]
    store, graph, thread = support_thread(store_url)
    chat(graph, thread, TUTORIAL[0])
    children = [
        subprocess.Popen(
            [sys.executable, "-c", SENDER, store_url, thread, f"process {n}"],
            cwd=root,
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in range(3)
    ]
    finished = [
        line.strip()
        for child in children
        for line in child.communicate(timeout=120)[0].splitlines()
        if line.strip() != "busy"
    ]
    assert finished
    assert sorted(customer_said(graph, thread)[1:]) == sorted(finished)
    store.close()


def test_records_written_together_are_committed_once_at_the_end(tmp_path):
    # A turn's after-turn records share one commit: nothing of them is seen half-written.
    import sqlite3

    store = open_store(f"sqlite:///{tmp_path / 'together.db'}")
    other = sqlite3.connect(tmp_path / "together.db")
    titles = "SELECT title FROM hs_threads ORDER BY title"
    try:
        with store.db.together():
            store.threads.touch("a", "support", "first")
            store.threads.touch("b", "support", "second")
            assert other.execute(titles).fetchall() == []
        assert other.execute(titles).fetchall() == [("first",), ("second",)]
        store.threads.touch("c", "support", "third")  # outside: at once, as before
        assert other.execute(titles).fetchall()[-1] == ("third",)
    finally:
        other.close()
        store.close()
