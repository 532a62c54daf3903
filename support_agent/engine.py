"""Running one customer turn, as UI-agnostic events.

Pages call `run_turn` and render what it yields; tests and the CLI consume
the same stream. Events: `Token` (streamed text), `ToolCall`, `ToolResult`,
`Transition` (the machine moved), `Error` (the turn failed; what to do), and
`TurnEnd` (the state after the turn).
"""

from __future__ import annotations

import re
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from langgraph.errors import GraphRecursionError

from support_agent.middleware import StepRequirementError
from support_agent.middleware.provider_errors import ProviderError, redact
from support_agent.models import ModelConfigError
from support_agent.turn_lease import ThreadBusy
from support_agent.workflow import Workflow

MAX_MESSAGE_CHARS = 4000
# Graph steps one turn may take: a handful of model/tool rounds is normal; a
# model that never stops calling tools is cut off here, not after 9,999 steps.
MAX_TURN_STEPS = 100
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Characters that show nothing: a message of only these is empty.
_INVISIBLE = re.compile(r"[\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff\u00ad]")


@dataclass(frozen=True)
class Token:
    text: str
    agent: str = ""


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    args: dict
    agent: str = ""


@dataclass(frozen=True)
class ToolResult:
    id: str
    name: str
    content: str
    ok: bool = True


@dataclass(frozen=True)
class Transition:
    turn: int
    source: str
    target: str
    tool: str
    reason: str
    source_title: str
    target_title: str


@dataclass(frozen=True)
class Error:
    kind: str  # "input" | "config" | "provider" | "state" | "store"
    message: str
    retryable: bool = False


@dataclass(frozen=True)
class TurnEnd:
    state: dict[str, Any] = field(default_factory=dict)


Event = Token | ToolCall | ToolResult | Transition | Error | TurnEnd


def new_thread_id() -> str:
    """An unguessable thread id (128 bits), safe in a URL."""
    return secrets.token_urlsafe(16)


def thread_config(thread_id: str, checkpoint_id: str | None = None) -> dict:
    configurable = {"thread_id": thread_id}
    if checkpoint_id:
        configurable["checkpoint_id"] = checkpoint_id
    return {"configurable": configurable}


def clean_message(text: str | None) -> str | Error:
    """The customer's text made safe to send, or an `Error` saying what is wrong."""
    # A lone surrogate (broken UTF-16 from a paste) can't be encoded: show it as "�".
    text = (text or "").encode("utf-8", "replace").decode("utf-8")
    text = _CONTROL.sub("", text).strip()
    if not _INVISIBLE.sub("", text).strip():
        return Error("input", "Type a message first: an empty message can't be sent.")
    if len(text) > MAX_MESSAGE_CHARS:
        return Error(
            "input",
            f"That message is {len(text):,} characters; the limit is {MAX_MESSAGE_CHARS:,}. "
            "Shorten it or send it in parts.",
        )
    return text


def is_store_error(exc: BaseException) -> bool:
    """Did the conversation store (SQLite, PostgreSQL) fail, rather than the model?"""
    return isinstance(exc, sqlite3.Error) or type(exc).__module__.startswith(
        ("psycopg", "psycopg_pool")
    )


def describe_failure(exc: BaseException) -> Error:
    """A clear, key-free message for a failed turn."""
    if isinstance(exc, ProviderError):
        return Error(exc.kind, str(exc), retryable=exc.retryable)
    if isinstance(exc, ModelConfigError):
        return Error("config", redact(str(exc)))
    if isinstance(exc, GraphRecursionError):
        return Error(
            "provider",
            "The model kept calling tools without answering, so this turn was stopped. "
            "Rephrase your message, try another model, or start a new conversation.",
        )
    if isinstance(exc, StepRequirementError):
        return Error(
            "state", f"{exc} Use the time-travel panel to go back, or start a new conversation."
        )
    name = type(exc).__name__
    if is_store_error(exc):
        return Error(
            "store",
            "The conversation store is unavailable, so this turn could not be saved. "
            "Earlier turns are safe. Check the database, then Retry.",
            retryable=True,
        )
    if "Authentication" in name or "PermissionDenied" in name:
        return Error(
            "config",
            "The model provider rejected the API key. Check the key in the sidebar, the "
            "environment or .streamlit/secrets.toml.",
        )
    if "NotFound" in name:
        return Error(
            "config",
            "The model provider does not know that model name. Check the spelling in the "
            "sidebar (provider:model).",
        )
    if any(
        word in name for word in ("Connection", "Timeout", "RateLimit", "ServiceUnavailable")
    ) or isinstance(exc, (ConnectionError, TimeoutError, OSError)):
        return Error(
            "provider",
            f"The model provider could not be reached ({name}). Your message is kept; "
            "check the server or your connection, then Retry.",
            retryable=True,
        )
    return Error(
        "provider",
        f"The turn failed ({name}): {redact(str(exc))}. Your message is kept; Retry.",
        retryable=True,
    )


def run_turn(
    graph: Any,
    workflow: Workflow,
    thread_id: str,
    text: str | None,
    *,
    resume: bool = False,
    checkpoint_id: str | None = None,
    stream_tokens: bool = True,
    first_turn: bool | None = None,
    lease: AbstractContextManager | None = None,
) -> Iterator[Event]:
    """Send the customer's `text` on `thread_id` and stream what happens.

    `resume=True` re-runs a turn that failed part-way: LangGraph kept the
    customer's message and the last good checkpoint, so nothing is sent twice.
    `checkpoint_id` continues from an earlier checkpoint (a new branch).
    `stream_tokens=False` sends each reply whole, as one `Token`: for a model
    that answers at once (the offline one), token streaming only costs time.
    `first_turn` says whether the thread is new, when the caller knows (saves a read).
    `lease` (the store's `leases.hold(thread_id)`) makes this the thread's only
    writer for the turn; a second sender gets a "busy" `Error` and changes nothing.
    """
    if lease is None:
        yield from _run_turn(
            graph, workflow, thread_id, text, resume, checkpoint_id, stream_tokens, first_turn
        )
        return
    try:
        with lease:
            yield from _run_turn(
                graph, workflow, thread_id, text, resume, checkpoint_id, stream_tokens, first_turn
            )
    except ThreadBusy:
        yield Error(
            "busy",
            "This conversation is answering in another tab or window. Wait for that reply, "
            "then send your message again.",
            retryable=True,
        )


def _run_turn(
    graph: Any,
    workflow: Workflow,
    thread_id: str,
    text: str | None,
    resume: bool,
    checkpoint_id: str | None,
    stream_tokens: bool,
    first_turn: bool | None,
) -> Iterator[Event]:
    if resume:
        payload = None
    else:
        cleaned = clean_message(text)
        if isinstance(cleaned, Error):
            yield cleaned
            return
        payload = {"messages": [HumanMessage(cleaned)]}
    config = {**thread_config(thread_id, checkpoint_id), "recursion_limit": MAX_TURN_STEPS}
    # One checkpoint per finished turn: that is what a user rewinds to, and a failed
    # turn still saves where it stopped, so Retry continues it. A process killed
    # mid-turn loses only that unfinished turn. A new thread first gets an empty
    # checkpoint: the rewind point before turn 1.
    try:
        if first_turn is None:
            first_turn = graph.checkpointer is not None and not _has_checkpoint(graph, thread_id)
        if first_turn and not checkpoint_id and not resume:
            graph.update_state(thread_config(thread_id), {"turn": 0}, as_node="__start__")
    except Exception as exc:  # noqa: BLE001 - a store that is down: say so, change nothing
        yield describe_failure(exc)
        return
    seen_calls: set[str] = set()
    seen_results: set[str] = set()
    seen_moves: set[str] = set()
    final: dict | None = None
    # Agents that are nodes of a graph (handoffs) report from inside it; a single
    # agent has no subgraphs, and asking for them costs a third of a turn.
    nested = workflow.graph_endpoints
    try:
        for item in graph.stream(
            payload,
            config,
            stream_mode=["updates", "values", "messages"]
            if stream_tokens
            else ["updates", "values"],
            subgraphs=nested,
            durability="exit",
        ):
            namespace, mode, chunk = item if nested else ((), *item)
            if mode == "values":
                if not namespace:
                    final = chunk  # the state after the last step: what TurnEnd reports
                continue
            agent = _agent_of(namespace)
            if mode == "messages":
                message, meta = chunk
                if (
                    isinstance(message, AIMessageChunk)
                    and meta.get("langgraph_node") == "model"
                    and message.text
                    and not meta.get("lc_source")
                ):
                    yield Token(message.text, agent or meta.get("lc_agent_name", ""))
                continue
            for node, update in (chunk or {}).items():
                if not isinstance(update, dict):
                    continue
                for message in update.get("messages") or []:
                    if isinstance(message, AIMessage):
                        if not stream_tokens and node == "model" and message.text:
                            yield Token(message.text, agent or message.name or "")
                        for call in message.tool_calls:
                            if call["id"] not in seen_calls:
                                seen_calls.add(call["id"])
                                yield ToolCall(call["id"], call["name"], call["args"], agent)
                    elif (
                        isinstance(message, ToolMessage)
                        and message.tool_call_id not in seen_results
                    ):
                        seen_results.add(message.tool_call_id)
                        yield ToolResult(
                            message.tool_call_id,
                            message.name or "",
                            message.text,
                            ok=message.status != "error",
                        )
                for record in update.get("transitions") or []:
                    if record.get("id") not in seen_moves:
                        seen_moves.add(record.get("id"))
                        yield transition_event(workflow, record)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a clear message
        yield describe_failure(exc)
        return
    if final is None:  # nothing ran (a resume with nothing left to do)
        final = graph.get_state(thread_config(thread_id)).values
    yield TurnEnd(dict(final))


def _has_checkpoint(graph: Any, thread_id: str) -> bool:
    return graph.checkpointer.get_tuple(thread_config(thread_id)) is not None


def transition_event(workflow: Workflow, record: dict) -> Transition:
    return Transition(
        turn=record.get("turn", 0),
        source=record["source"],
        target=record["target"],
        tool=record["tool"],
        reason=record.get("reason", ""),
        source_title=workflow.step(record["source"]).title,
        target_title=workflow.step(record["target"]).title,
    )


def _agent_of(namespace: tuple[str, ...]) -> str:
    # Subgraph namespaces look like ("sales_agent:<task id>",)
    return namespace[0].split(":", 1)[0] if namespace else ""
