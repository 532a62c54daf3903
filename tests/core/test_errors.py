"""Failures are classified by their type, worded per reader, and bugs of ours are logged."""

from __future__ import annotations

import asyncio
import logging
import sqlite3

import httpx
import openai
import psycopg
import psycopg_pool
import pytest
from langchain.agents import create_agent
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.errors import GraphRecursionError

from support_agent import cli
from support_agent.base import logs
from support_agent.core.errors import Cause, Error, Kind, describe, is_store_error
from support_agent.core.middleware.provider_errors import ProviderError, ProviderErrorMiddleware
from support_agent.core.middleware.step_config import StepRequirementError
from support_agent.models import RETRIES_ENV, MissingKeyError, ModelConfigError
from support_agent.store.storage import StoreUnavailable
from support_agent.store.turn_lease import ThreadBusy
from support_agent.ui import chat_turn
from support_agent.workflows.support import SUPPORT

SECRET = "sk-live-DO-NOT-LOG-0123456789abcdef"


class StatusError(Exception):
    """A provider SDK's error: only its HTTP status matters."""

    def __init__(self, status_code: int):
        super().__init__(f"HTTP {status_code}")
        self.status_code = status_code


def explained(original: BaseException, message: str, **kwargs) -> ProviderError:
    """A `ProviderError` raised the way the middleware raises it: from None, over `original`."""
    try:
        try:
            raise original
        except Exception:
            raise ProviderError(message, **kwargs) from None
    except ProviderError as exc:
        return exc


def request_error() -> openai.APIConnectionError:
    return openai.APIConnectionError(request=httpx.Request("POST", "http://127.0.0.1:9/v1"))


# Names that the old substring rules read as provider or settings problems.
class AuthenticationError(Exception):
    pass


class NotFoundError(Exception):
    pass


class ConnectionTimeoutRateLimit(Exception):
    pass


CASES = [
    # (exception, kind, cause, retryable)
    (ProviderError("The model call failed."), "provider", Cause.PROVIDER_FAILED, True),
    (
        explained(StatusError(500), "internal error (HTTP 500)"),
        "provider",
        Cause.PROVIDER_FAILED,
        True,
    ),
    (
        explained(StatusError(401), "rejected", kind="config", retryable=False),
        "config",
        Cause.KEY_REJECTED,
        False,
    ),
    (
        explained(StatusError(404), "unknown", kind="config", retryable=False),
        "config",
        Cause.UNKNOWN_MODEL,
        False,
    ),
    (ProviderError("?", kind="config", retryable=False), "config", Cause.SETTINGS_REFUSED, False),
    (request_error(), "provider", Cause.PROVIDER_FAILED, True),
    (GraphRecursionError("limit"), "provider", Cause.TOOL_LOOP, False),
    (MissingKeyError("openai", "OPENAI_API_KEY"), "config", Cause.MISSING_KEY, False),
    (ModelConfigError("Model 'x' is not of the form"), "config", Cause.MODEL_SETTING, False),
    (StepRequirementError(SUPPORT, "resolution_specialist", ["issue_type"]), "state", None, False),
    (ThreadBusy(), "busy", Cause.BUSY, True),
    (sqlite3.OperationalError("database is locked"), "store", Cause.STORE_UNAVAILABLE, True),
    (sqlite3.ProgrammingError("closed database"), "store", Cause.STORE_UNAVAILABLE, True),
    (psycopg.OperationalError("server closed"), "store", Cause.STORE_UNAVAILABLE, True),
    (psycopg_pool.PoolTimeout("no connection"), "store", Cause.STORE_UNAVAILABLE, True),
    (StoreUnavailable("Can't reach PostgreSQL"), "store", Cause.STORE_UNAVAILABLE, True),
    (KeyError("serial_number"), "internal", Cause.BUG, False),
    (ValueError("bad"), "internal", Cause.BUG, False),
    (ConnectionError("reset"), "internal", Cause.BUG, False),
    (TimeoutError(), "internal", Cause.BUG, False),
    (AuthenticationError("Incorrect API key"), "internal", Cause.BUG, False),
    (NotFoundError("no such thing"), "internal", Cause.BUG, False),
    (ConnectionTimeoutRateLimit(), "internal", Cause.BUG, False),
]


@pytest.mark.parametrize(
    ("exc", "kind", "cause", "retryable"), CASES, ids=[type(c[0]).__name__ for c in CASES]
)
def test_each_failure_is_classified_by_its_type(exc, kind, cause, retryable):
    error = describe(exc)
    assert (error.kind, error.retryable) == (kind, retryable)
    if cause is not None:
        assert error.cause == cause
    assert error.kind in tuple(Kind)


def test_store_errors_are_recognised_by_type_not_by_module_name():
    assert is_store_error(sqlite3.DatabaseError("file is not a database"))
    assert is_store_error(psycopg_pool.PoolClosed("closed"))
    fake = type("Error", (Exception,), {"__module__": "psycopg.errors"})
    assert not is_store_error(fake("looks like psycopg, isn't"))


def test_an_internal_error_is_logged_with_its_traceback_and_without_keys(caplog):
    def lookup_the_serial():
        return {"key": SECRET}["serial_number"]

    try:
        try:
            lookup_the_serial()
        except KeyError as exc:
            raise RuntimeError(f"while calling with api_key={SECRET}") from exc
    except RuntimeError as exc:
        with caplog.at_level(logging.ERROR, logger="support_agent"):
            error = describe(exc)

    assert error.kind == "internal" and not error.retryable
    assert error.message.startswith("Something went wrong on our side")
    reference = error.facts["reference"]
    assert reference in error.message
    (record,) = [r for r in caplog.records if r.name == "support_agent.core.errors"]
    assert record.levelno == logging.ERROR
    logged = record.getMessage()
    assert reference in logged
    assert "Traceback (most recent call last)" in logged
    assert "in lookup_the_serial" in logged and "KeyError: 'serial_number'" in logged
    assert "RuntimeError: while calling with" in logged
    assert SECRET not in logged and SECRET not in error.message


# --- worded for each reader --------------------------------------------------------------


def sample_errors() -> list[Error]:
    return [describe(exc) for exc, *_ in CASES]


def test_the_terminal_never_hears_about_the_sidebar():
    for error in sample_errors():
        said = cli.words(error, "openai:gpt-4.1")
        assert "sidebar" not in said.lower(), said
        assert "secrets.toml" not in said, said
    rejected = describe(explained(StatusError(401), "x", kind="config", retryable=False))
    assert "OPENAI_API_KEY" in cli.words(rejected, "openai:gpt-4.1")
    missing = cli.words(describe(MissingKeyError("openai", "OPENAI_API_KEY")), "openai:x")
    assert "OPENAI_API_KEY" in missing and "--model" in missing


def test_the_browser_is_told_where_to_change_settings():
    rejected = describe(explained(StatusError(401), "x", kind="config", retryable=False))
    assert "sidebar" in chat_turn.words(rejected)
    assert "rejected the API key" in chat_turn.words(rejected)
    busy = chat_turn.words(describe(ThreadBusy()))
    assert "another tab or window" in busy


def test_an_internal_error_is_never_worded_as_the_providers_fault():
    error = describe(KeyError("x"))
    for said in (chat_turn.words(error), cli.words(error)):
        assert "on our side" in said
        assert "provider" not in said.lower()


# --- logging configuration -----------------------------------------------------------------


@pytest.fixture
def bare_logging(monkeypatch):
    """Call it for no root handlers (nobody configured logging yet); all restored afterwards."""
    package = logging.getLogger("support_agent")
    level = package.level
    # pytest adds its own root handlers as the test starts: clear them from inside it.
    yield lambda: monkeypatch.setattr(logging.getLogger(), "handlers", [])
    package.setLevel(level)


def test_configure_writes_to_stderr_once(bare_logging, monkeypatch, capsys):
    bare_logging()
    monkeypatch.delenv(logs.LEVEL_ENV, raising=False)
    logs.configure()
    logs.configure()
    assert len(logging.getLogger().handlers) == 1
    assert logging.getLogger("support_agent").level == logging.WARNING
    logging.getLogger("support_agent.test").warning("written once")
    logging.getLogger("support_agent.test").info("not at WARNING")
    err = capsys.readouterr().err
    assert err.count("written once") == 1 and "not at WARNING" not in err


def test_configure_reads_the_level_and_keeps_an_existing_setup(bare_logging, monkeypatch):
    bare_logging()
    mine = logging.NullHandler()
    logging.getLogger().addHandler(mine)
    monkeypatch.setenv(logs.LEVEL_ENV, "debug")
    logs.configure()
    assert logging.getLogger().handlers == [mine]
    assert logging.getLogger("support_agent").level == logging.DEBUG
    monkeypatch.setenv(logs.LEVEL_ENV, "chatty")
    logs.configure()
    assert logging.getLogger("support_agent").level == logging.WARNING
    assert logs.level("15") == 15


def test_a_bug_in_the_offline_model_is_ours_not_the_providers(monkeypatch, caplog):
    from support_agent.core.engine import run_turn
    from support_agent.core.errors import Error
    from support_agent.models import OfflineChatModel
    from support_agent.workflows import get_workflow
    from support_agent.workflows.builders import build_graph

    def broken(self, *args, **kwargs):
        raise KeyError("a rule that names a missing reply")

    monkeypatch.setattr(OfflineChatModel, "_plan", broken)
    graph = build_graph("support", OfflineChatModel(), InMemorySaver())
    events = list(run_turn(graph, get_workflow("support"), "bug-1", "Hi, my screen is cracked"))
    end = events[-1]
    assert isinstance(end, Error) and end.kind == "internal"
    assert "provider" not in end.message.lower()
    assert "KeyError" in caplog.text  # the traceback is in the log


class _Unreachable(GenericFakeChatModel):
    """A provider whose server refuses every connection, called sync or async."""

    def _generate(self, *args, **kwargs):
        raise ConnectionError("connection refused")

    async def _agenerate(self, *args, **kwargs):
        raise ConnectionError("connection refused")


@pytest.mark.parametrize("how", ["invoke", "ainvoke"])
def test_a_provider_down_is_told_in_our_words_on_both_call_paths(how, monkeypatch):
    # LangGraph's server runs the async path; the app and terminal the sync one.
    monkeypatch.setenv(RETRIES_ENV, "0")
    agent = create_agent(
        _Unreachable(messages=iter([])), tools=[], middleware=[ProviderErrorMiddleware()]
    )
    said = {"messages": [("user", "hello")]}
    with pytest.raises(ProviderError, match="could not be reached") as caught:
        if how == "ainvoke":
            asyncio.run(agent.ainvoke(said))
        else:
            agent.invoke(said)
    assert "Your message is kept" in str(caught.value)
