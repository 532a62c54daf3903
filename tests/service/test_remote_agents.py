"""The conversation service with its turns on LangGraph's server (`HANDOFF_AGENT_URL`).

Every test here runs against the real `langgraph dev` the session starts from
the repository's langgraph.json (`agent_server` in conftest.py), or, for the
failures a real server can't be made to show on demand (a refused key, a
hanging run), a loopback stand-in that answers as a broken one would; likewise
for the way Aegra, another server of the same API, tells a pause.
"""

from __future__ import annotations

import time

import pytest
from langgraph_sdk.errors import NotFoundError

from support_agent.base.settings import settings
from support_agent.core.declaration import is_decision
from support_agent.core.engine import (
    Error,
    Token,
    ToolCall,
    ToolResult,
    Transition,
    TurnEnd,
    new_thread_id,
)
from support_agent.core.errors import Cause, Kind
from support_agent.features.app_store import open_store
from support_agent.offline.model import OfflineChatModel
from support_agent.service.backend import OnServer
from support_agent.service.conversation import Conversation, StateChanged, TicketsOpened
from support_agent.service.remote import (
    AgentServer,
    configured_server,
    remote,
    server_thread_id,
)
from support_agent.workflows.builders import build_graph
from support_agent.workflows.support import SUPPORT
from tests.agent_server import PAUSED_TOOL, misbehaving_server
from tests.browser import free_port
from tests.helpers import TUTORIAL

PERSON = "I want to talk to a person"


@pytest.fixture
def server(agent_server, monkeypatch):
    """The session's `langgraph dev`, as the studio reaches it through the setting."""
    monkeypatch.setenv("HANDOFF_AGENT_URL", agent_server)
    found = configured_server()
    assert found is not None
    yield found
    found.close()


def turn(talk, text: str, **options) -> list:
    events = list(talk.send(text, stream_tokens=False, **options))
    assert isinstance(events[-1], TurnEnd | Error), events
    return events


def shape(events: list) -> list[tuple]:
    """What a face draws from a turn, without ids and wording that may differ per run."""
    drawn = []
    for e in events:
        if isinstance(e, Token):
            drawn.append(("token", e.text))
        elif isinstance(e, ToolCall):
            drawn.append(("call", e.name, tuple(sorted(e.args.items()))))
        elif isinstance(e, ToolResult):
            drawn.append(("result", e.name, e.ok))
        elif isinstance(e, Transition):
            drawn.append(("move", e.source, e.target, e.tool, e.reason))
        elif isinstance(e, StateChanged):
            drawn.append(("state", e.state["current_step"], len(e.state["transitions"])))
        elif isinstance(e, TurnEnd):
            drawn.append(("end", e.state.get("current_step"), e.waiting is not None))
        else:
            drawn.append((type(e).__name__,))
    return drawn


def test_without_the_setting_the_agents_run_in_this_process(monkeypatch):
    monkeypatch.delenv("HANDOFF_AGENT_URL", raising=False)
    assert settings().handoff_agent_url == ""
    assert configured_server() is None


def test_the_key_is_a_secret_sent_in_the_header_the_server_reads(monkeypatch):
    monkeypatch.setenv("HANDOFF_AGENT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("HANDOFF_AGENT_API_KEY", "sk-agent-secret")
    assert "sk-agent-secret" not in repr(settings())
    found = configured_server()
    assert found.client.http.client.headers["x-api-key"] == "sk-agent-secret"
    monkeypatch.delenv("HANDOFF_AGENT_API_KEY")
    monkeypatch.setenv("LANGSMITH_API_KEY", "not-for-this-server")
    assert "x-api-key" not in configured_server().client.http.client.headers


def test_the_tutorial_on_the_server_tells_the_same_events_as_in_process(server, store, tmp_path):
    local_store = open_store(f"sqlite:///{tmp_path / 'local.db'}")
    graph = build_graph("support", OfflineChatModel(), local_store.checkpointer)
    here = Conversation(local_store, graph, SUPPORT, new_thread_id(), "alice")
    there = remote(store, server, SUPPORT, new_thread_id(), "alice")
    told = []
    for text in TUTORIAL:
        on_server, in_process = turn(there, text), turn(here, text)
        assert shape(on_server) == shape(in_process)
        told += on_server
    local_store.close()

    # The diagram moved twice, each move followed by the state the panel draws.
    moves = [(type(e).__name__, e.target if isinstance(e, Transition) else e.state["current_step"])
             for e in told if isinstance(e, Transition | StateChanged)]  # fmt: skip
    assert moves == [
        ("Transition", "issue_classifier"),
        ("StateChanged", "issue_classifier"),
        ("Transition", "resolution_specialist"),
        ("StateChanged", "resolution_specialist"),
    ]
    end = told[-1]
    assert end.state["current_step"] == "resolution_specialist"
    assert [r["tool"] for r in end.state["transitions"]] == [
        "record_warranty_status",
        "record_issue_type",
    ]


def test_a_thread_is_the_visitors_own_on_the_server_and_resumes_by_its_id(server, store):
    thread = new_thread_id()
    talk = remote(store, server, SUPPORT, thread, "visitor-a")
    events = turn(talk, TUTORIAL[0]) + turn(talk, TUTORIAL[1])
    moved = [e for e in events if isinstance(e, StateChanged)]
    assert [e.state["current_step"] for e in moved] == ["issue_classifier", "resolution_specialist"]

    mine = server.threads_of("visitor-a")
    assert {"thread_id": thread, "title": TUTORIAL[0], "workflow": "support"}.items() <= (
        mine[0].items()
    )
    assert thread not in [t["thread_id"] for t in server.threads_of("visitor-b")]
    metadata = server.client.threads.get(server_thread_id(thread))["metadata"]
    assert (metadata["handoff_owner"], metadata["workflow"]) == ("visitor-a", "support")

    # A `?thread=` link opens the same conversation: a new service object, same id.
    again = remote(store, server, SUPPORT, thread, "visitor-a")
    end = turn(again, TUTORIAL[2])[-1]
    assert end.state["current_step"] == "resolution_specialist"
    assert [m.type for m in end.state["messages"]].count("human") == 3


def test_an_approval_pauses_on_the_server_and_a_decision_resumes_it(server, store):
    thread = new_thread_id()
    talk = remote(store, server, SUPPORT, thread, "alice")
    end = turn(talk, PERSON, approvals=True)[-1]
    assert end.waiting is not None and end.waiting.tool == "escalate_to_human"
    assert [w.thread_id for w in store.approvals.waiting()] == [thread]

    events = list(talk.decide(end.waiting, "approve", stream_tokens=False))
    decided = [e for e in events if isinstance(e, Transition) and is_decision(e.record)]
    assert [e.record["decision"] for e in decided] == ["approve"]
    assert [e.name for e in events if isinstance(e, ToolResult)] == ["escalate_to_human"]
    [opened] = [e for e in events if isinstance(e, TicketsOpened)]
    assert opened.tickets[0].owner == "alice"
    final = events[-1]
    assert isinstance(final, TurnEnd) and final.waiting is None
    assert [r for r in final.state["transitions"] if is_decision(r)][-1]["decision"] == "approve"
    assert store.approvals.waiting() == []

    # The same request can't be decided twice.
    again = list(talk.decide(end.waiting, "approve"))[-1]
    assert isinstance(again, Error) and again.cause == Cause.AWAITING_APPROVAL


def test_a_message_sent_while_an_action_waits_withdraws_it_on_the_server(server, store):
    thread = new_thread_id()
    talk = remote(store, server, SUPPORT, thread, "alice")
    end = turn(talk, PERSON, approvals=True)[-1]
    assert end.waiting is not None

    events = turn(talk, TUTORIAL[0], approvals=True)
    withdrawn = events[0]
    assert isinstance(withdrawn, Transition) and withdrawn.record["decision"] == "withdraw"
    final = events[-1]
    assert isinstance(final, TurnEnd) and final.waiting is None, events
    assert [r.get("decision") for r in final.state["transitions"] if is_decision(r)] == ["withdraw"]
    assert final.state["messages"][-1].type == "ai"  # the new message was answered
    assert store.approvals.waiting() == []
    assert store.tickets.of_thread(thread) == []  # the hand-over never ran
    # A decision on the withdrawn pause changes nothing.
    late = list(talk.decide(end.waiting, "approve"))[-1]
    assert isinstance(late, Error) and late.cause == Cause.AWAITING_APPROVAL


def test_a_rewind_runs_from_an_earlier_checkpoint_on_the_server(server, store):
    thread = new_thread_id()
    talk = remote(store, server, SUPPORT, thread, "alice")
    for text in TUTORIAL[:2]:
        turn(talk, text)
    timeline = OnServer(store, server).timeline(SUPPORT, thread, history_allowed=True)
    before_second = timeline.turns()[1].before_id  # where time travel rewinds turn 2 to
    end = turn(talk, "No, it's out of warranty", checkpoint_id=before_second)[-1]
    assert end.state["warranty_status"] == "out_of_warranty"
    assert [m.type for m in end.state["messages"]].count("human") == 2
    latest = server.client.threads.get_state(server_thread_id(thread))["values"]
    assert latest["warranty_status"] == "out_of_warranty"  # the branch is the thread's head now


def test_a_thread_deleted_on_the_server_is_told_and_its_tickets_kept(server, store):
    thread = new_thread_id()
    talk = remote(store, server, SUPPORT, thread, "alice")
    turn(talk, PERSON)
    assert len(store.tickets.of_thread(thread)) == 1
    server.client.threads.delete(server_thread_id(thread))

    error = turn(talk, "Are you there?")[-1]
    assert isinstance(error, Error) and error.cause == Cause.THREAD_GONE
    assert "no longer on the agent server" in error.message
    assert len(store.tickets.of_thread(thread)) == 1
    with pytest.raises(NotFoundError):  # nothing was re-created behind the visitor's back
        server.client.threads.get(server_thread_id(thread))


def test_a_graph_the_server_lacks_is_named(agent_server, store, monkeypatch):
    monkeypatch.setenv("HANDOFF_AGENT_URL", agent_server)
    elsewhere = AgentServer.connect(agent_server, graphs={"support": "support_v2"})
    error = turn(remote(store, elsewhere, SUPPORT, new_thread_id()), TUTORIAL[0])[-1]
    assert isinstance(error, Error) and error.cause == Cause.GRAPH_MISSING
    assert "'support_v2' graph" in error.message
    elsewhere.close()


def test_a_server_that_is_down_is_told_at_once(store):
    down = AgentServer.connect(f"http://127.0.0.1:{free_port()}")
    started = time.monotonic()
    thread = new_thread_id()
    error = turn(remote(store, down, SUPPORT, thread), TUTORIAL[0])[-1]
    assert isinstance(error, Error) and error.cause == Cause.AGENT_SERVER_DOWN
    assert error.kind == Kind.AGENT and error.retryable
    assert "not answering" in error.message
    assert time.monotonic() - started < 5
    assert store.threads.get(thread) is None  # nothing was kept: the message is still typed


@pytest.mark.parametrize(
    ("behaviour", "cause", "words"),
    [
        ("refuse_key", Cause.AGENT_SERVER_KEY, "refused this studio's key"),
        ("not_langgraph", Cause.AGENT_SERVER_URL, "not as LangGraph's server"),
    ],
)
def test_a_wrong_key_or_address_is_told_in_our_words(store, behaviour, cause, words):
    with misbehaving_server(behaviour) as url:
        wrong = AgentServer.connect(url, "sk-wrong")
        error = turn(remote(store, wrong, SUPPORT, new_thread_id()), TUTORIAL[0])[-1]
    assert isinstance(error, Error) and error.cause == cause
    assert words in error.message and "sk-wrong" not in error.message
    assert not any("/runs" in path for _, path in url.requests)  # no run was sent


def test_a_pause_told_as_a_values_event_waits_for_a_person(store):
    # Aegra, an open-source server of the same API, tells an approval's pause this way.
    with misbehaving_server("pause_as_values") as url:
        thread = new_thread_id()
        end = turn(remote(store, AgentServer.connect(url), SUPPORT, thread), PERSON)[-1]
    assert isinstance(end, TurnEnd) and end.waiting is not None
    assert end.waiting.tool == PAUSED_TOOL and end.waiting.id == "pause-1"
    assert [m.type for m in end.state["messages"]] == ["human"]  # the state, not the pause
    assert [w.thread_id for w in store.approvals.waiting()] == [thread]


def test_a_slow_server_meets_the_time_limit_and_the_run_is_sent_once(store, monkeypatch):
    monkeypatch.setenv("SUPPORT_AGENT_TIMEOUT", "1")
    with misbehaving_server("hang") as url:
        slow = AgentServer.connect(url)
        started = time.monotonic()
        error = turn(remote(store, slow, SUPPORT, new_thread_id()), TUTORIAL[0])[-1]
        took = time.monotonic() - started
        url.release()
    assert isinstance(error, Error) and error.cause == Cause.AGENT_SERVER_SLOW
    assert "within 1 seconds" in error.message
    assert took < 5
    assert [p for _, p in url.requests if p.endswith("/runs/stream")] == [
        p for _, p in url.requests if "/runs" in p
    ]
    assert len([p for _, p in url.requests if "/runs" in p]) == 1  # never retried


def test_the_shipped_scenarios_pass_on_the_server_from_the_command_line(agent_server):
    import io

    from support_agent.scenario_cli import main

    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HANDOFF_AGENT_URL", agent_server)
        status = main(["run", "scenarios/", "--model", "offline"], out, err)
    assert f"on the agent server {agent_server}" in out.getvalue()
    assert status == 0, out.getvalue()
    # Each scenario's throwaway thread was deleted on the server afterwards.
    server = AgentServer.connect(agent_server)
    assert server.threads_of("scenarios") == []
    server.close()


def test_the_terminal_chat_runs_on_the_server_and_resumes_there(server, tmp_path):
    import io
    import re

    from support_agent.cli import main

    def chat(*lines: str, argv: tuple[str, ...] = ()) -> str:
        out = io.StringIO()
        stdin = io.StringIO("".join(line + "\n" for line in lines))
        assert main(["chat", "--db", str(tmp_path / "cli.db"), *argv], stdin, out) == 0
        return out.getvalue()

    out = chat(*TUTORIAL[:2])
    assert f"agents on {server.url}" in out and "model the agent server's" in out
    moves = re.findall(r"^  ⇢ moved to (.+) via (\w+)$", out, re.M)
    assert [m[0] for m in moves] == ["Issue classification", "Resolution"]
    thread = re.findall(r"--thread (\S+)", out)[-1]
    assert (
        server.client.threads.get(server_thread_id(thread))["metadata"]["handoff_owner"] == "local"
    )

    again = chat("/state", argv=("--thread", thread))
    assert f"Resuming thread {thread}: step Resolution" in again
    assert "warranty_status: in_warranty" in again
