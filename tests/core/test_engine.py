"""`run_turn`: the event stream every front end consumes, and how a turn fails safely."""

import logging
import re
import sqlite3
from contextlib import contextmanager

import pytest
from langchain_core.messages import HumanMessage
from langgraph.checkpoint.memory import InMemorySaver

from support_agent import build_support_agent
from support_agent.core.engine import (
    MAX_MESSAGE_CHARS,
    Error,
    Token,
    ToolCall,
    ToolResult,
    Transition,
    TurnEnd,
    clean_message,
    new_thread_id,
    run_turn,
    thread_config,
)
from support_agent.workflows.support import SUPPORT, provide_solution
from tests.helpers import TUTORIAL, FlakyModel


def turn(agent, thread_id, text, **kwargs):
    return list(run_turn(agent, SUPPORT, thread_id, text, **kwargs))


def snapshot(agent, thread_id):
    return agent.get_state(thread_config(thread_id))


def humans(values) -> list[str]:
    return [m.text for m in values.get("messages", []) if isinstance(m, HumanMessage)]


# --- The event stream ------------------------------------------------------------------


def test_tutorial_second_turn_event_order(agent):
    thread_id = new_thread_id()
    first = turn(agent, thread_id, TUTORIAL[0])
    assert [type(e) for e in first if not isinstance(e, Token)] == [TurnEnd]

    events = turn(agent, thread_id, TUTORIAL[1])
    kinds = [type(e).__name__ for e in events if not isinstance(e, Token)]
    assert kinds == [
        "ToolCall",
        "ToolResult",
        "Transition",
        "ToolCall",
        "ToolResult",
        "Transition",
        "ToolCall",
        "ToolResult",
        "TurnEnd",
    ]
    calls = [e for e in events if isinstance(e, ToolCall)]
    results = [e for e in events if isinstance(e, ToolResult)]
    moves = [e for e in events if isinstance(e, Transition)]
    assert [c.name for c in calls] == [
        "record_warranty_status",
        "record_issue_type",
        "provide_solution",
    ]
    assert calls[0].args == {"status": "in_warranty"}
    assert [r.id for r in results] == [c.id for c in calls]
    assert all(r.ok for r in results)
    assert [(m.source_title, m.target_title, m.tool, m.turn) for m in moves] == [
        ("Warranty verification", "Issue classification", "record_warranty_status", 2),
        ("Issue classification", "Resolution", "record_issue_type", 2),
    ]

    # Tokens stream before the first tool call and after the last result.
    first_call = events.index(calls[0])
    last_result = events.index(results[-1])
    assert any(isinstance(e, Token) for e in events[:first_call])
    reply = "".join(e.text for e in events[last_result:] if isinstance(e, Token))
    assert "warranty" in reply.lower()

    # Exactly one TurnEnd, last, carrying the new state.
    assert sum(isinstance(e, TurnEnd) for e in events) == 1
    end = events[-1]
    assert isinstance(end, TurnEnd)
    assert end.state["current_step"] == "resolution_specialist"
    assert (end.state["warranty_status"], end.state["issue_type"]) == ("in_warranty", "hardware")
    assert end.state == dict(snapshot(agent, thread_id).values)


def test_streamed_tokens_match_the_saved_replies(agent):
    thread_id = new_thread_id()
    events = turn(agent, thread_id, TUTORIAL[0])
    streamed = "".join(e.text for e in events if isinstance(e, Token))
    assert streamed == events[-1].state["messages"][-1].text


# --- Input checks ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["", "   ", "\n\t  \n", None, "\x00\x07\x1b", "x" * (MAX_MESSAGE_CHARS + 1)],
    ids=["empty", "spaces", "whitespace", "none", "only-control", "too-long"],
)
def test_bad_input_is_refused_and_leaves_the_thread_alone(agent, text):
    thread_id = new_thread_id()
    turn(agent, thread_id, TUTORIAL[0])
    before = snapshot(agent, thread_id)

    events = turn(agent, thread_id, text)

    assert len(events) == 1
    assert isinstance(events[0], Error)
    assert events[0].kind == "input" and not events[0].retryable
    after = snapshot(agent, thread_id)
    assert after.config == before.config  # no new checkpoint
    assert after.values == before.values


def test_too_long_message_says_the_limit():
    error = clean_message("x" * (MAX_MESSAGE_CHARS + 1))
    assert isinstance(error, Error)
    assert f"{MAX_MESSAGE_CHARS:,}" in error.message


def test_message_at_the_limit_is_accepted(agent):
    thread_id = new_thread_id()
    events = turn(agent, thread_id, "a" * MAX_MESSAGE_CHARS)
    assert isinstance(events[-1], TurnEnd)
    assert humans(events[-1].state) == ["a" * MAX_MESSAGE_CHARS]


def test_control_characters_are_stripped(agent):
    thread_id = new_thread_id()
    events = turn(agent, thread_id, "  Hi,\x00 my\x07 phone\x1b screen\x7f is cracked\x0b  ")
    assert isinstance(events[-1], TurnEnd)
    assert humans(events[-1].state) == ["Hi, my phone screen is cracked"]


@pytest.mark.parametrize(
    "text",
    [
        "My phone 📱 fell 😭 and the screen is 💔",
        "مرحبا، شاشة هاتفي مكسورة",
        "שלום, המסך שלי סדוק",
        "<script>alert('x')</script> my screen is cracked",
        "{warranty_status} {issue_type.__class__} {0} {} {{ }} { }",
        "line one\nline two\ttabbed",
        "Zeichen: äöü ß — «quotes» \u200f\u202e reversed",
    ],
    ids=["emoji", "arabic", "hebrew", "script", "braces", "newlines", "bidi"],
)
def test_odd_characters_reach_the_thread_unchanged(agent, text):
    thread_id = new_thread_id()
    events = turn(agent, thread_id, text)
    assert not [e for e in events if isinstance(e, Error)]
    assert isinstance(events[-1], TurnEnd)
    assert humans(events[-1].state) == [text]


# --- A provider failure mid-turn, then Retry -------------------------------------------


@pytest.fixture
def no_retries(monkeypatch):
    """The middleware retries a failed call by itself (SUPPORT_AGENT_MAX_RETRIES): off,
    so the failure reaches the customer and their Retry."""
    monkeypatch.setenv("SUPPORT_AGENT_MAX_RETRIES", "0")


def test_a_failed_call_is_retried_within_the_turn(monkeypatch):
    monkeypatch.setenv("SUPPORT_AGENT_MAX_RETRIES", "1")
    model = FlakyModel(fail_on=frozenset({2}))  # the first model call of turn 2
    agent = build_support_agent(model, InMemorySaver())
    thread_id = new_thread_id()
    turn(agent, thread_id, TUTORIAL[0])
    events = turn(agent, thread_id, TUTORIAL[1])
    assert isinstance(events[-1], TurnEnd)  # the customer never saw the failure
    assert humans(events[-1].state) == TUTORIAL[:2]


@pytest.mark.usefixtures("no_retries")
def test_connection_error_keeps_the_message_and_retry_completes():
    model = FlakyModel(fail_on=frozenset({2}))  # the first model call of turn 2
    agent = build_support_agent(model, InMemorySaver())
    thread_id = new_thread_id()
    turn(agent, thread_id, TUTORIAL[0])
    before = snapshot(agent, thread_id).values

    events = turn(agent, thread_id, TUTORIAL[1])

    assert isinstance(events[-1], Error)
    assert (events[-1].kind, events[-1].retryable) == ("provider", True)
    assert "ConnectionError" in events[-1].message
    assert not [e for e in events if isinstance(e, TurnEnd | Transition)]
    failed = snapshot(agent, thread_id)
    assert humans(failed.values) == TUTORIAL[:2]  # the customer's message is kept
    for key in ("current_step", "warranty_status", "issue_type", "transitions"):
        assert failed.values.get(key) == before.get(key), key
    assert failed.next  # the turn is unfinished

    retried = turn(agent, thread_id, None, resume=True)

    assert not [e for e in retried if isinstance(e, Error)]
    assert [e.tool for e in retried if isinstance(e, Transition)] == [
        "record_warranty_status",
        "record_issue_type",
    ]
    final = retried[-1]
    assert isinstance(final, TurnEnd)
    assert humans(final.state) == TUTORIAL[:2]  # not sent twice
    assert final.state["current_step"] == "resolution_specialist"
    assert final.state["turn"] == 2
    assert not snapshot(agent, thread_id).next


@pytest.mark.usefixtures("no_retries")
def test_retry_after_a_failure_between_tool_calls_repeats_nothing():
    # Call 3 is the model call after record_warranty_status has moved the machine.
    model = FlakyModel(fail_on=frozenset({3}))
    agent = build_support_agent(model, InMemorySaver())
    thread_id = new_thread_id()
    turn(agent, thread_id, TUTORIAL[0])

    events = turn(agent, thread_id, TUTORIAL[1])
    assert isinstance(events[-1], Error) and events[-1].retryable
    assert [e.tool for e in events if isinstance(e, Transition)] == ["record_warranty_status"]

    retried = turn(agent, thread_id, None, resume=True)
    final = retried[-1]
    assert isinstance(final, TurnEnd)
    assert [t["tool"] for t in final.state["transitions"]] == [
        "record_warranty_status",
        "record_issue_type",
    ]
    called = [c["name"] for m in final.state["messages"] if m.type == "ai" for c in m.tool_calls]
    assert called == ["record_warranty_status", "record_issue_type", "provide_solution"]
    assert humans(final.state) == TUTORIAL[:2]


# --- Failures of other kinds: a bug of ours, the store -----------------------------------


def test_a_bug_in_a_tool_is_an_internal_error_logged_with_its_traceback(agent, monkeypatch, caplog):
    def broken_solution(solution: str) -> str:
        return {}["serial_number"]  # a KeyError in one of our own tools

    monkeypatch.setattr(provide_solution, "func", broken_solution)
    thread_id = new_thread_id()
    turn(agent, thread_id, TUTORIAL[0])

    with caplog.at_level(logging.ERROR, logger="support_agent"):
        events = turn(agent, thread_id, TUTORIAL[1])

    error = events[-1]
    assert isinstance(error, Error)
    assert error.kind == "internal" and not error.retryable  # no Retry as a provider problem
    assert error.message.startswith("Something went wrong on our side")
    assert "provider" not in error.message.lower() and "KeyError" not in error.message
    (record,) = [r for r in caplog.records if r.levelno >= logging.ERROR]
    logged = record.getMessage()
    assert error.facts["reference"] in logged and error.facts["reference"] in error.message
    assert "Traceback" in logged and "in broken_solution" in logged
    assert "KeyError: 'serial_number'" in logged
    assert humans(snapshot(agent, thread_id).values) == TUTORIAL[:2]  # the message is kept


class FailingSaver(InMemorySaver):
    """An in-memory checkpointer whose writes fail like a locked SQLite file, once armed."""

    broken = False

    def put(self, *args, **kwargs):
        if self.broken:
            raise sqlite3.OperationalError("database is locked")
        return super().put(*args, **kwargs)


def test_a_store_that_fails_mid_turn_is_a_store_error():
    saver = FailingSaver()
    agent = build_support_agent("offline", saver)
    thread_id = new_thread_id()
    turn(agent, thread_id, TUTORIAL[0])
    saver.broken = True

    events = turn(agent, thread_id, TUTORIAL[1])

    error = events[-1]
    assert isinstance(error, Error)
    assert (error.kind, error.retryable) == ("store", True)
    assert "Earlier turns are safe" in error.message
    assert not [e for e in events if isinstance(e, TurnEnd)]


def test_a_lease_the_store_cant_give_is_a_store_error_not_a_crash(agent):
    @contextmanager
    def lease():
        raise sqlite3.OperationalError("disk I/O error")
        yield  # pragma: no cover

    events = turn(agent, new_thread_id(), TUTORIAL[0], lease=lease())
    assert len(events) == 1 and events[0].kind == "store"


# --- Transitions carry the record the graph saved ----------------------------------------


def test_each_transition_carries_the_saved_record(agent):
    thread_id = new_thread_id()
    turn(agent, thread_id, TUTORIAL[0])
    events = turn(agent, thread_id, TUTORIAL[1])

    moves = [e for e in events if isinstance(e, Transition)]
    saved = events[-1].state["transitions"]
    assert [dict(m.record) for m in moves] == saved
    calls = {e.name: e.id for e in events if isinstance(e, ToolCall)}
    assert [m.id for m in moves] == [
        calls["record_warranty_status"],
        calls["record_issue_type"],
    ]


def test_the_chat_page_shows_the_saved_record_while_the_turn_runs(monkeypatch):
    from streamlit.testing.v1 import AppTest

    from support_agent.ui import machine_panel

    drawn: list[list[dict]] = []  # the panel's transition history at each live redraw
    monkeypatch.setattr(
        machine_panel, "show", lambda _workflow, state, **_kw: drawn.append(state["transitions"])
    )

    def page():
        from types import SimpleNamespace

        import streamlit as st

        from support_agent import build_support_agent
        from support_agent.core.engine import new_thread_id, run_turn
        from support_agent.features.app_store import open_store
        from support_agent.service.conversation import Conversation
        from support_agent.ui import chat_turn
        from support_agent.workflows.support import SUPPORT
        from tests.helpers import TUTORIAL

        store = open_store("memory://")
        graph = build_support_agent("offline", store.checkpointer)
        thread_id = new_thread_id()
        list(run_turn(graph, SUPPORT, thread_id, TUTORIAL[0]))
        ctx = SimpleNamespace(
            conversation=lambda: Conversation(store, graph, SUPPORT, thread_id),
            thread_id=thread_id,
            checkpoint_id=None,
            model=SimpleNamespace(offline=True),
            back_to_latest=lambda: None,
            turn_shown=lambda waiting: None,
            approvals=False,
            waiting=None,
        )
        state = graph.get_state({"configurable": {"thread_id": thread_id}}).values
        end = chat_turn.run(ctx, SUPPORT, dict(state), TUTORIAL[1])
        st.session_state["saved"] = end["transitions"]

    at = AppTest.from_function(page, default_timeout=60).run()
    assert not at.exception
    saved = at.session_state["saved"]
    assert len(saved) == 2
    assert drawn == [saved[:1], saved]  # the real records, ids and all, as each move happens


# --- Thread ids --------------------------------------------------------------------------


def test_thread_ids_are_unique_and_url_safe():
    ids = [new_thread_id() for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{22,}", i) for i in ids)
