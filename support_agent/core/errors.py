"""What kind of failure a turn met, decided by the exception's type.

Failures are typed where they arise:

| kind | raised as |
| --- | --- |
| `input` | (never raised: `engine.clean_message` refuses the text) |
| `config` | `ModelConfigError` (models), or a `ProviderError` of kind `config` (a key or model name the provider refused) |
| `provider` | `ProviderError` (middleware/provider_errors: any failed model call, in our words), a provider SDK's own request error, LangGraph's `GraphRecursionError` (a model that never stops calling tools) |
| `store` | `StoreUnavailable` (storage) and the database drivers' errors: `sqlite3.Error`, `psycopg.Error` (which `psycopg_pool`'s errors are) |
| `busy` | `ThreadBusy` (turn_lease: another sender holds the conversation), `LeaseLost` (another sender took it mid-turn, so the turn saved nothing; one whose connection died is a `store` error) |
| `state` | `StepRequirementError` (middleware/step_config: the saved state lacks a step's facts); a conversation deleted on the agent server |
| `agent` | LangGraph's server that runs the agents failed (`service.remote` says how: down, slow, wrong address or key, graph missing) |
| `internal` | anything else: a bug of ours |

`describe(exc)` maps an exception to an `Error` by `isinstance`, never by the
words in its class name. An internal error is logged here with its traceback
(`logging`, keys redacted) and a short reference; people are told only that
something went wrong on our side, with that reference, and are not offered a
Retry as if the provider were at fault.

The `Error` is neutral: a `kind`, a `cause` within it, a `message` that holds
for any reader (no "sidebar", no command-line flag) and `facts` a front end
may word (a limit, a status, a reference). The browser (`ui/chat_turn.py`)
and the terminal (`cli.py`) each word it for their own readers.
"""

from __future__ import annotations

import logging
import secrets
import sqlite3
import sys
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from langgraph.errors import GraphRecursionError

from support_agent.core.middleware.provider_errors import (
    ProviderError,
    ServerUnusable,
    explain,
    redact,
)
from support_agent.core.middleware.step_config import StepRequirementError
from support_agent.models import MissingKeyError, ModelConfigError
from support_agent.store.storage import StoreUnavailable
from support_agent.store.turn_lease import LeaseLost, ThreadBusy

logger = logging.getLogger(__name__)


class Kind(StrEnum):
    INPUT = "input"  # the customer's text can't be sent as typed
    CONFIG = "config"  # the model settings (key, model name, limits) need changing
    PROVIDER = "provider"  # the model provider failed or misbehaved
    STORE = "store"  # the conversation store failed
    BUSY = "busy"  # another sender is running a turn on the conversation
    STATE = "state"  # the saved conversation lacks what its step needs
    INTERNAL = "internal"  # a bug of ours: logged with its traceback
    AGENT = "agent"  # LangGraph's server that runs the agents failed (HANDOFF_AGENT_URL)


class Cause(StrEnum):
    """What happened, within a kind: what a front end words."""

    EMPTY_MESSAGE = "empty_message"
    TOO_LONG = "too_long"
    MISSING_KEY = "missing_key"  # facts: provider, variable
    MODEL_SETTING = "model_setting"  # any other setting that can't be used
    KEY_REJECTED = "key_rejected"  # facts: status
    UNKNOWN_MODEL = "unknown_model"  # facts: status
    SETTINGS_REFUSED = "settings_refused"  # the provider refused the key or the model name
    PROVIDER_FAILED = "provider_failed"  # facts: status, when the provider sent one
    SERVER_UNUSABLE = "server_unusable"  # a server a visitor typed failed: no facts, ever
    TOOL_LOOP = "tool_loop"
    STORE_UNAVAILABLE = "store_unavailable"
    BUSY = "busy"
    LEASE_LOST = "lease_lost"  # another sender took the conversation mid-turn: nothing saved
    MISSING_FACTS = "missing_facts"  # facts: step, missing
    AWAITING_APPROVAL = "awaiting_approval"  # facts: tool
    BUG = "bug"  # facts: reference (in the log beside the traceback)
    # LangGraph's server that runs the agents (HANDOFF_AGENT_URL; service.remote):
    AGENT_SERVER_DOWN = "agent_server_down"  # nothing answered at the address
    AGENT_SERVER_SLOW = "agent_server_slow"  # facts: seconds (the turn's time limit)
    AGENT_SERVER_URL = "agent_server_url"  # something answered, not LangGraph's API
    AGENT_SERVER_KEY = "agent_server_key"  # facts: status (401 or 403)
    AGENT_SERVER_FAILED = "agent_server_failed"  # the run failed there; facts: status
    GRAPH_MISSING = "graph_missing"  # facts: graph (the server serves no such graph)
    THREAD_GONE = "thread_gone"  # the conversation was deleted on the server


@dataclass(frozen=True)
class Error:
    """A turn that could not run or finish: the `Error` event of `engine.run_turn`.

    `message` is safe to show anywhere (no keys, no provider text) and names no
    front end's controls; `retryable` says whether running the same turn again
    can help without changing anything. `advice` is what someone whose message
    was kept can do (Retry, check the server), for a conversation's front ends; a
    page without a conversation (an experiment) words its own.
    """

    kind: str  # a `Kind`
    message: str
    retryable: bool = False
    cause: str = ""  # a `Cause`
    facts: Mapping[str, Any] = field(default_factory=dict, hash=False)
    advice: str = ""


def describe(exc: BaseException) -> Error:
    """The `Error` for an exception that ended a turn (internal ones are logged here)."""
    if isinstance(exc, ProviderError):
        return _provider(exc, exc.__context__)
    if isinstance(exc, _provider_sdk_errors()):
        # A provider's own error that no middleware explained: the same words.
        return _provider(explain(exc), exc)
    if isinstance(exc, GraphRecursionError):
        return _logged(
            Error(
                Kind.PROVIDER,
                "The model kept calling tools without answering, so this turn was stopped.",
                cause=Cause.TOOL_LOOP,
            )
        )
    if isinstance(exc, MissingKeyError):
        return Error(
            Kind.CONFIG,
            redact(str(exc)),
            cause=Cause.MISSING_KEY,
            facts={"provider": exc.provider, "variable": exc.variable},
        )
    if isinstance(exc, ModelConfigError):
        return Error(Kind.CONFIG, redact(str(exc)), cause=Cause.MODEL_SETTING)
    if isinstance(exc, StepRequirementError):
        return Error(
            Kind.STATE,
            str(exc),
            cause=Cause.MISSING_FACTS,
            facts={"step": exc.step, "missing": list(exc.missing)},
        )
    if isinstance(exc, ThreadBusy):
        return busy()
    if isinstance(exc, LeaseLost) and not exc.store_down:
        return Error(
            Kind.BUSY,
            "Another tab or window took over this conversation while this reply was "
            "running, so the reply was not saved. Send your message again.",
            retryable=True,
            cause=Cause.LEASE_LOST,
        )
    if is_store_error(exc):
        logger.warning("Conversation store error: %s: %s", type(exc).__name__, redact(str(exc)))
        return Error(
            Kind.STORE,
            "The conversation store is unavailable, so this turn could not be saved. "
            "Earlier turns are safe.",
            retryable=True,
            cause=Cause.STORE_UNAVAILABLE,
        )
    return internal(exc)


def busy() -> Error:
    return Error(
        Kind.BUSY,
        "This conversation is answering another message right now. Wait for that reply, "
        "then send your message again.",
        retryable=True,
        cause=Cause.BUSY,
    )


def awaiting_approval(tool: str = "") -> Error:
    """A message sent while the conversation waits for a person's decision."""
    return Error(
        Kind.STATE,
        "This conversation is waiting for a person to approve an action; "
        "new messages can be sent once it is decided.",
        cause=Cause.AWAITING_APPROVAL,
        facts={"tool": tool},
    )


def internal(exc: BaseException) -> Error:
    """Log a bug of ours with its traceback; the `Error` people see carries only a reference."""
    reference = secrets.token_hex(4)
    logger.error(
        "Internal error during a turn (reference %s): %s\n%s",
        reference,
        type(exc).__name__,
        redacted_traceback(exc),
    )
    return Error(
        Kind.INTERNAL,
        "Something went wrong on our side, so this turn stopped. The error was logged "
        f"(reference {reference}).",
        cause=Cause.BUG,
        facts={"reference": reference},
    )


def is_store_error(exc: BaseException) -> bool:
    """Did the conversation store (SQLite, PostgreSQL) fail, rather than the model or our code?"""
    if isinstance(exc, LeaseLost):  # the turn's lease went with the store's connection
        return exc.store_down
    return isinstance(exc, (StoreUnavailable, sqlite3.Error, *_loaded("psycopg", "Error")))


def redacted_traceback(exc: BaseException) -> str:
    """The traceback of `exc` (and its chain), with credentials in its messages redacted.

    Frames (file, line, code) are kept as they are; every other line, which
    carries exception text that may echo a request, goes through `redact`.
    """
    parts = traceback.format_exception(exc)
    return "".join(part if part.startswith('  File "') else redact(part) for part in parts).rstrip()


def _provider(error: ProviderError, original: BaseException | None) -> Error:
    if isinstance(error, ServerUnusable):
        # The same words and facts whatever happened: nothing says whether a port answers.
        return Error(
            Kind.PROVIDER,
            error.what,
            retryable=True,
            cause=Cause.SERVER_UNUSABLE,
            advice=error.advice,
        )
    status = _status(original)
    facts = {"status": status} if status is not None else {}
    if error.kind == Kind.CONFIG:
        if status in (401, 403):
            cause, message = Cause.KEY_REJECTED, "The model provider rejected the API key."
        elif status == 404:
            cause, message = (
                Cause.UNKNOWN_MODEL,
                "The model provider does not know that model name.",
            )
        else:
            cause, message = (
                Cause.SETTINGS_REFUSED,
                "The model provider refused the model settings (the API key or the model name).",
            )
        return _logged(Error(Kind.CONFIG, message, cause=cause, facts=facts))
    kind = Kind(error.kind) if error.kind in tuple(Kind) else Kind.PROVIDER
    return _logged(
        Error(
            kind,
            error.what,
            retryable=error.retryable,
            cause=Cause.PROVIDER_FAILED,
            facts=facts,
            advice=error.advice,
        )
    )


def _logged(error: Error) -> Error:
    logger.info("Turn failed (%s, %s): %s", error.kind, error.cause, error.message)
    return error


def _status(exc: BaseException | None) -> int | None:
    """The HTTP status a provider's exception carries, if any."""
    status = getattr(exc, "status_code", None) or getattr(
        getattr(exc, "response", None), "status_code", None
    )
    return status if isinstance(status, int) else None


def _provider_sdk_errors() -> tuple[type[BaseException], ...]:
    """The provider clients' request errors, of the clients this process has loaded."""
    return (
        *_loaded("openai", "APIError"),
        *_loaded("anthropic", "APIError"),
        *_loaded("httpx", "HTTPError"),
        *_loaded("ollama", "ResponseError", "RequestError"),
    )


def _loaded(module: str, *names: str) -> tuple[type[BaseException], ...]:
    """Exception types of `module` if it is imported: an error can't be one otherwise."""
    found = sys.modules.get(module)
    types = (getattr(found, name, None) for name in names) if found else ()
    return tuple(t for t in types if isinstance(t, type) and issubclass(t, BaseException))
