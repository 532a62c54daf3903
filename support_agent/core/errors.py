"""What kind of failure a turn met, decided by the exception's type (never its name).

The `Error` is neutral: a `kind`, a `cause`, a `message` for any reader and `facts` each front
end (`ui/chat_turn.py`, `cli.py`) words its own way. A bug of ours is logged here with its
traceback (keys redacted) and shown only as a reference, with no Retry offered.
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
    http_status,
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
    """The `Error` event of `engine.run_turn`. `message` is safe to show anywhere;
    `retryable`: the same turn again can help; `advice`: what to do when the message was kept."""

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
    return Error(
        Kind.STATE,
        "This conversation is waiting for a person to approve an action; "
        "new messages can be sent once it is decided.",
        cause=Cause.AWAITING_APPROVAL,
        facts={"tool": tool},
    )


def internal(exc: BaseException) -> Error:
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
    if isinstance(exc, LeaseLost):
        return exc.store_down
    return isinstance(exc, (StoreUnavailable, sqlite3.Error, *_loaded("psycopg", "Error")))


def redacted_traceback(exc: BaseException) -> str:
    """The traceback of `exc`, its exception lines (which may echo a request) redacted."""
    parts = traceback.format_exception(exc)
    return "".join(part if part.startswith('  File "') else redact(part) for part in parts).rstrip()


_REFUSED = {
    401: (Cause.KEY_REJECTED, "The model provider rejected the API key."),
    403: (Cause.KEY_REJECTED, "The model provider rejected the API key."),
    404: (Cause.UNKNOWN_MODEL, "The model provider does not know that model name."),
    None: (
        Cause.SETTINGS_REFUSED,
        "The model provider refused the model settings (the API key or the model name).",
    ),
}


def _provider(error: ProviderError, original: BaseException | None) -> Error:
    if isinstance(error, ServerUnusable):
        # The same words whatever happened: nothing says whether a port answers.
        return Error(
            Kind.PROVIDER,
            error.what,
            retryable=True,
            cause=Cause.SERVER_UNUSABLE,
            advice=error.advice,
        )
    status = http_status(original)
    facts = {"status": status} if status is not None else {}
    if error.kind == Kind.CONFIG:
        cause, message = _REFUSED.get(status, _REFUSED[None])
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


def _provider_sdk_errors() -> tuple[type[BaseException], ...]:
    return (
        *_loaded("openai", "APIError"),
        *_loaded("anthropic", "APIError"),
        *_loaded("httpx", "HTTPError"),
        *_loaded("ollama", "ResponseError", "RequestError"),
    )


def _loaded(module: str, *names: str) -> tuple[type[BaseException], ...]:
    found = sys.modules.get(module)
    types = (getattr(found, name, None) for name in names) if found else ()
    return tuple(t for t in types if isinstance(t, type) and issubclass(t, BaseException))
