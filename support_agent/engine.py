"""Running one customer turn, as UI-agnostic events.

Pages call `run_turn` and render what it yields; tests and the CLI consume
the same stream. Events: `Token` (streamed text), `ToolCall`, `ToolResult`,
`Transition` (the machine moved; carries the saved record), `Error` (the turn
failed: its kind, cause and facts, worded by each front end; see
`support_agent.errors`), and `TurnEnd` (the state after the turn).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage

from support_agent import errors
from support_agent.errors import Cause, Error, Kind
from support_agent.turn_lease import ThreadBusy
from support_agent.workflow import TransitionRecord, Workflow

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
    # The record as the graph saved it in `transitions` (its id is the tool call's).
    record: Mapping[str, Any] = field(default_factory=dict, hash=False)

    @property
    def id(self) -> str:
        return self.record.get("id", "")


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
        return Error(
            Kind.INPUT,
            "Type a message first: an empty message can't be sent.",
            cause=Cause.EMPTY_MESSAGE,
        )
    if len(text) > MAX_MESSAGE_CHARS:
        return Error(
            Kind.INPUT,
            f"That message is {len(text):,} characters; the limit is {MAX_MESSAGE_CHARS:,}. "
            "Shorten it or send it in parts.",
            cause=Cause.TOO_LONG,
            facts={"length": len(text), "limit": MAX_MESSAGE_CHARS},
        )
    return text


def is_store_error(exc: BaseException) -> bool:
    """Did the conversation store (SQLite, PostgreSQL) fail, rather than the model?"""
    return errors.is_store_error(exc)


def describe_failure(exc: BaseException) -> Error:
    """The `Error` for a failed turn, by the exception's type (see `support_agent.errors`).

    Anything not recognised is a bug of ours: logged with its traceback, and
    reported as "something went wrong on our side", never as the provider's fault.
    """
    return errors.describe(exc)


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
    ended = False
    try:
        with lease:
            for event in _run_turn(
                graph, workflow, thread_id, text, resume, checkpoint_id, stream_tokens, first_turn
            ):
                ended = isinstance(event, TurnEnd | Error)
                try:
                    yield event
                except GeneratorExit:  # the reader stopped: nothing more may be yielded
                    ended = True
                    raise
    except ThreadBusy:
        yield errors.busy()
    except Exception as exc:  # noqa: BLE001 - taking or releasing the lease failed
        failure = describe_failure(exc)
        if not ended:  # a release that fails after the turn ended changes nothing it said
            yield failure


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
        if final is None:  # nothing ran (a resume with nothing left to do)
            final = graph.get_state(thread_config(thread_id)).values
    except Exception as exc:  # noqa: BLE001 - every failure becomes an Error of its kind
        yield describe_failure(exc)
        return
    yield TurnEnd(dict(final))


def _has_checkpoint(graph: Any, thread_id: str) -> bool:
    return graph.checkpointer.get_tuple(thread_config(thread_id)) is not None


def transition_event(workflow: Workflow, record: TransitionRecord) -> Transition:
    return Transition(
        turn=record.get("turn", 0),
        source=record["source"],
        target=record["target"],
        tool=record["tool"],
        reason=record.get("reason", ""),
        source_title=workflow.step(record["source"]).title,
        target_title=workflow.step(record["target"]).title,
        record=dict(record),
    )


def _agent_of(namespace: tuple[str, ...]) -> str:
    # Subgraph namespaces look like ("sales_agent:<task id>",)
    return namespace[0].split(":", 1)[0] if namespace else ""
