"""A real OpenAI-compatible server on loopback (tests/openai_stub.py), not a patched
client: which key goes where, what a failing provider looks like, what is stored."""

from __future__ import annotations

import sqlite3
import time

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from support_agent.core.engine import Error, TurnEnd, new_thread_id, run_turn
from support_agent.core.errors import Cause, Kind
from support_agent.features.app_store import open_store
from support_agent.models import VISITOR_SERVER, ModelConfigError, get_model
from support_agent.models.deadline import DeadlinePassed, call_with_retries, within
from support_agent.store.serde import CompressedSerializer
from support_agent.workflows import get_workflow
from support_agent.workflows.builders import build_graph
from tests.openai_stub import OpenAIStub

OPERATOR_KEY = "sk-operator-KEEP-OUT-0123456789"
VISITOR_KEY = "sk-visitor-typed-9876543210"
SUPPORT = get_workflow("support")


@pytest.fixture
def stub(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", OPERATOR_KEY)
    monkeypatch.delenv("SUPPORT_AGENT_BASE_URL", raising=False)
    monkeypatch.setenv("SUPPORT_AGENT_MAX_RETRIES", "0")
    with OpenAIStub() as server:
        yield server


def turn(model, text="Hi, my phone screen is cracked", store=None, thread=None, screen=False):
    checkpointer = store.checkpointer if store else InMemorySaver()
    graph = build_graph("support", model, checkpointer, screen_with=model if screen else None)
    thread = thread or new_thread_id()
    return graph, thread, list(run_turn(graph, SUPPORT, thread, text))


# --- which key goes where ---------------------------------------------------------------


def test_the_operators_key_never_goes_to_a_url_a_visitor_typed(stub):
    _graph, _thread, events = turn(get_model("openai:stub", base_url=stub.url))
    assert isinstance(events[-1], TurnEnd)
    assert stub.requests and OPERATOR_KEY not in stub.requests[-1]["auth"]
    secrets_toml_key = get_model("openai:stub", base_url=stub.url, operator_key="sk-from-toml")
    turn(secrets_toml_key)
    assert "sk-from-toml" not in stub.requests[-1]["auth"]


def test_the_operators_configured_url_gets_the_operators_key(stub, monkeypatch):
    monkeypatch.setenv("SUPPORT_AGENT_BASE_URL", stub.url)
    turn(get_model("openai:stub"))
    assert stub.requests[-1]["auth"] == f"Bearer {OPERATOR_KEY}"


def test_a_typed_key_goes_to_the_typed_url(stub):
    turn(get_model("openai:stub", base_url=stub.url, api_key=VISITOR_KEY))
    assert stub.requests[-1]["auth"] == f"Bearer {VISITOR_KEY}"


def test_a_key_needing_provider_at_a_typed_url_asks_for_a_typed_key(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", OPERATOR_KEY)
    with pytest.raises(ModelConfigError, match="not sent there"):
        get_model("anthropic:claude", base_url="http://127.0.0.1:9/v1")


def test_a_server_address_a_visitor_typed_must_be_public(stub):
    with pytest.raises(ModelConfigError, match="points at this machine"):
        get_model("openai:stub", base_url=stub.url, visitor_url=True)
    assert not stub.requests


VISITORS_SERVER_FAILED = Error(
    Kind.PROVIDER,
    "The server at the address you typed could not be used.",
    retryable=True,
    cause=Cause.SERVER_UNUSABLE,
    advice="Your message is kept: check the address, or pick another model.",
)


@pytest.mark.parametrize("mode", ["500", "401", "429", "malformed", "hang", "closed port"])
def test_a_server_a_visitor_typed_fails_in_the_same_words_whatever_happened(
    stub, monkeypatch, mode
):
    # No status, no "timed out" against "refused": nothing tells which ports answer.
    monkeypatch.setenv("SUPPORT_AGENT_TIMEOUT", "1")
    stub.mode = mode
    url = "http://127.0.0.1:9/v1" if mode == "closed port" else stub.url
    model = get_model("openai:stub", base_url=url)
    # Marked as get_model(visitor_url=True) marks it (which would refuse loopback itself).
    model.metadata = {VISITOR_SERVER: True}
    _graph, _thread, events = turn(model, screen=True)
    assert events[-1] == VISITORS_SERVER_FAILED


# --- a provider that misbehaves -----------------------------------------------------------


def _decoded_store(path) -> str:
    serde = CompressedSerializer()
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT type, checkpoint FROM checkpoints").fetchall()
        rows += conn.execute("SELECT type, value FROM writes").fetchall()
    return "\n".join(repr(serde.loads_typed((t, v))) for t, v in rows if t and v)


def test_an_error_that_echoes_the_key_is_neither_shown_nor_stored(stub, tmp_path):
    stub.mode = "echo_key"
    store = open_store(f"sqlite:///{tmp_path / 'echo.db'}")
    model = get_model("openai:stub", base_url=stub.url, api_key=VISITOR_KEY)
    _graph, _thread, events = turn(model, store=store)
    assert isinstance(events[-1], Error)
    assert VISITOR_KEY not in events[-1].message and "HTTP 400" in events[-1].message
    stored = _decoded_store(tmp_path / "echo.db")
    assert "Hi, my phone screen is cracked" in stored  # the customer's words are kept
    assert VISITOR_KEY not in stored
    store.close()


@pytest.mark.parametrize(
    ("mode", "words", "retryable"),
    [
        ("500", "internal error (HTTP 500)", True),
        ("401", "rejected the API key", False),
        ("malformed", "could not be read", True),
    ],
)
def test_each_failure_says_its_cause_and_what_to_do(stub, mode, words, retryable):
    stub.mode = mode
    _graph, _thread, events = turn(get_model("openai:stub", base_url=stub.url))
    assert isinstance(events[-1], Error)
    assert words in events[-1].message and events[-1].retryable is retryable


def test_rate_limits_are_retried_a_bounded_number_of_times(stub, monkeypatch):
    monkeypatch.setenv("SUPPORT_AGENT_MAX_RETRIES", "1")
    stub.mode = "429"
    _graph, _thread, events = turn(get_model("openai:stub", base_url=stub.url))
    assert len(stub.requests) == 2  # the first try and one retry, then it stops
    assert "rate-limiting" in events[-1].message and "after 1 retries" in events[-1].message


def test_a_hung_server_ends_at_the_request_time_limit(stub, monkeypatch):
    monkeypatch.setenv("SUPPORT_AGENT_TIMEOUT", "1")
    stub.mode = "hang"
    _graph, _thread, events = turn(get_model("openai:stub", base_url=stub.url))
    assert isinstance(events[-1], Error)
    assert "within 1 s" in events[-1].message


def test_screening_and_retries_share_one_time_limit_per_answer(stub, monkeypatch):
    # SUPPORT_AGENT_TIMEOUT is the most a customer waits: the screening request had the
    # whole second and used it, so neither a retry nor the answer's request started after.
    monkeypatch.setenv("SUPPORT_AGENT_TIMEOUT", "1")
    monkeypatch.setenv("SUPPORT_AGENT_MAX_RETRIES", "2")
    stub.mode = "hang"
    _graph, _thread, events = turn(get_model("openai:stub", base_url=stub.url), screen=True)
    assert isinstance(events[-1], Error)
    assert "did not answer within 1 s" in events[-1].message
    assert len(stub.requests) == 1  # was 6: screening and answer, each tried 3 times
    assert float(stub.requests[0]["timeout"]) <= 1


def test_retries_stop_when_the_answers_time_is_up(stub, monkeypatch):
    monkeypatch.setenv("SUPPORT_AGENT_TIMEOUT", "1")
    monkeypatch.setenv("SUPPORT_AGENT_MAX_RETRIES", "5")
    stub.mode = "500"
    _graph, _thread, events = turn(get_model("openai:stub", base_url=stub.url), screen=True)
    assert "internal error (HTTP 500)" in events[-1].message  # what happened, not a time-out
    # Screening once, then tries 0.5 s apart while a retry can start in time: 5 don't fit.
    assert len(stub.requests) <= 3
    assert all(float(r["timeout"]) <= 1 for r in stub.requests)  # each got the time left


class _Unavailable(Exception):
    status_code = 503

    class response:  # noqa: N801 - shaped like an HTTP error's response
        headers = {"retry-after": "0"}


def test_no_request_starts_once_the_deadline_has_passed():
    calls = []
    with within(time.monotonic() - 0.1), pytest.raises(DeadlinePassed):
        call_with_retries(calls.append, retries=2, retryable=lambda exc: True)
    assert calls == []


def test_without_a_deadline_a_failure_is_retried_the_set_number_of_times():
    calls = []

    def fails(seconds: float) -> None:
        calls.append(seconds)
        raise _Unavailable

    with pytest.raises(_Unavailable):
        call_with_retries(fails, retries=2, retryable=lambda exc: True)
    assert len(calls) == 3


def test_after_a_server_error_retry_finishes_the_same_turn(stub, tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'retry.db'}")
    stub.mode = "500"
    graph, thread, events = turn(get_model("openai:stub", base_url=stub.url), store=store)
    assert isinstance(events[-1], Error) and events[-1].retryable
    stub.mode = "tool"  # the provider is back and records the warranty
    events = list(run_turn(graph, SUPPORT, thread, None, resume=True))
    assert isinstance(events[-1], TurnEnd)
    assert events[-1].state["warranty_status"] == "in_warranty"
    said = [m.content for m in events[-1].state["messages"] if m.type == "human"]
    assert said == ["Hi, my phone screen is cracked"]  # sent once, kept through the failure
    store.close()


def test_a_failing_summary_call_is_explained_without_the_providers_text():
    from langchain_core.language_models.fake_chat_models import FakeListChatModel
    from langchain_core.messages import AIMessage, HumanMessage

    from support_agent.core.middleware.provider_errors import ProviderError, SafeSummarization

    class Echoing(FakeListChatModel):
        def _call(self, *args, **kwargs):
            raise RuntimeError(f"upstream said: Bearer {VISITOR_KEY}")

    summarizer = SafeSummarization(
        model=Echoing(responses=["x"]), trigger=("tokens", 50), keep=("messages", 1)
    )
    long = [HumanMessage("my screen is cracked " * 40), AIMessage("ok " * 40), HumanMessage("hi")]
    with pytest.raises(ProviderError) as caught:
        summarizer.before_model({"messages": long}, None)
    assert VISITOR_KEY not in str(caught.value) and caught.value.__cause__ is None
