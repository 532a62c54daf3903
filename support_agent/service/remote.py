"""The conversation service's second backend: each turn runs on LangGraph's server.

The server keeps the conversation (thread, checkpoints) and, in the thread's metadata, its
owner, workflow and title; our store keeps the thread's row, tickets and approvals queue.
One writer per thread is the server's rule (`multitask_strategy="reject"`). A run is never
retried by us: a failure is told once, in our words, and what the server saved stays there.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
from langchain_core.messages import AIMessage, messages_from_dict
from langgraph.graph import START
from langgraph.types import Command, Interrupt
from langgraph_sdk.client import SyncLangGraphClient
from langgraph_sdk.errors import APIStatusError

from support_agent.base.settings import settings
from support_agent.core import errors
from support_agent.core.declaration import RunContext, Workflow
from support_agent.core.engine import (
    MAX_TURN_STEPS,
    ApprovalRequest,
    ChunkReader,
    Error,
    Event,
    TurnEnd,
    approval_request,
    converse,
    new_thread_id,
    settle,
)
from support_agent.core.errors import Cause, Kind
from support_agent.core.middleware.provider_errors import http_status
from support_agent.features.app_store import AppStore, open_store
from support_agent.models.deadline import limits
from support_agent.service.conversation import Conversation, TurnRequest

# Our own key: some servers of the same API (Aegra) overwrite "owner" with their user.
OWNER_KEY = "handoff_owner"

logger = logging.getLogger(__name__)

# The server's thread ids must be UUIDs: each studio id maps to one, always the same.
_THREADS = uuid.UUID("6f1c2a57-32c4-4a9e-9a63-0d1f6c3b8e21")
CONNECT_SECONDS = 5.0  # to open a connection: a server that is up accepts at once

_SAID = {  # the agent server's trouble, in our words
    Cause.AGENT_SERVER_KEY: "The agent server refused this studio's key "
    "(HANDOFF_AGENT_API_KEY). Nothing was sent; earlier turns are safe.",
    Cause.AGENT_SERVER_FAILED: "The agent server answered with an error (HTTP {status}), so "
    "this turn stopped. Earlier turns are safe.",
    Cause.AGENT_SERVER_DOWN: "The agent server is not answering, so this turn was not sent. "
    "Check that it is running and that HANDOFF_AGENT_URL points at it. Earlier turns are safe.",
    Cause.GRAPH_MISSING: "The agent server does not serve the {graph!r} graph this workflow "
    "runs on. Deploy it there (langgraph.json names one graph per workflow), or point "
    "HANDOFF_AGENT_URL at a server that has it.",
    Cause.AGENT_SERVER_URL: "The address in HANDOFF_AGENT_URL answers, but not as LangGraph's "
    "server. Check the address (for `langgraph dev`, http://127.0.0.1:2024).",
    Cause.AGENT_SERVER_SLOW: "The agent server did not finish this reply within {seconds:g} "
    "seconds, so it was stopped. Earlier turns are safe; try again in a moment.",
    Cause.THREAD_GONE: "This conversation is no longer on the agent server (it was deleted "
    "there), so it can't continue. Start a new conversation; its tickets here are kept.",
}
_RETRYABLE = {Cause.AGENT_SERVER_FAILED, Cause.AGENT_SERVER_DOWN, Cause.AGENT_SERVER_SLOW}
_RUN_FAILED = (
    "The agent server could not finish this turn; its log says why. Earlier turns are safe."
)


def server_thread_id(thread_id: str) -> str:
    try:
        return str(uuid.UUID(thread_id))
    except ValueError:
        return str(uuid.uuid5(_THREADS, thread_id))


@dataclass
class AgentServer:
    """LangGraph's server at `url`; `graphs` maps a workflow to another graph id there."""

    url: str
    client: SyncLangGraphClient
    seconds: float  # one answer's time limit (SUPPORT_AGENT_TIMEOUT)
    graphs: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def connect(cls, url: str, api_key: str | None = None, **options: Any) -> AgentServer:
        """A client (no request yet). With no key, no header: the SDK would otherwise send
        LANGGRAPH_API_KEY or LANGSMITH_API_KEY by itself."""
        seconds = limits()[0]
        http = httpx.Client(
            base_url=url.rstrip("/"),
            # No transport retries: a refused connection is told at once, never run twice.
            transport=httpx.HTTPTransport(retries=0),
            timeout=httpx.Timeout(seconds, connect=min(CONNECT_SECONDS, seconds)),
            headers={"x-api-key": api_key} if api_key else {},
        )
        return cls(url=url.rstrip("/"), client=SyncLangGraphClient(http), seconds=seconds,
                   **options)  # fmt: skip

    def graph_id(self, workflow: Workflow) -> str:
        return self.graphs.get(workflow.name, workflow.name)

    def create(
        self, thread_id: str, workflow: Workflow, owner: str, values: dict, **how: Any
    ) -> dict:
        """The studio's thread there, whose first checkpoint holds `values` (as in process)."""
        return self.client.threads.create(
            thread_id=server_thread_id(thread_id),
            metadata={OWNER_KEY: owner, "workflow": workflow.name, "thread": thread_id},
            graph_id=self.graph_id(workflow),
            supersteps=[{"updates": [{"values": values, "as_node": START}]}],
            **how,
        )

    def threads_of(self, owner: str) -> list[dict]:
        """`owner`'s threads there, newest first, by the studio's ids."""
        found = self.client.threads.search(
            metadata={OWNER_KEY: owner}, limit=50, sort_by="updated_at", sort_order="desc"
        )
        return [
            {
                "thread_id": t["metadata"].get("thread") or t["thread_id"],
                "title": t["metadata"].get("title", ""),
                "workflow": t["metadata"].get("workflow", ""),
                "updated_at": t["updated_at"],
            }
            for t in found
        ]

    def there(self, call: str, thread_id: str, **options: Any) -> Any:
        """`client.threads.<call>` on the studio's thread; None when the server has none."""
        try:
            return getattr(self.client.threads, call)(server_thread_id(thread_id), **options)
        except Exception as exc:
            if http_status(exc) != 404:
                raise
            return None

    def close(self) -> None:
        self.client.close()


def server_address() -> tuple[str, str | None] | None:
    """`HANDOFF_AGENT_URL` and its key, or None: the agents run in this process."""
    current = settings()
    url = current.handoff_agent_url.strip()
    key = current.agent_api_key
    return (url, key.get_secret_value() if key else None) if url else None


def configured_server() -> AgentServer | None:
    address = server_address()
    return AgentServer.connect(*address) if address else None


@dataclass
class RemoteConversation(Conversation):
    """A `Conversation` whose turns run on `server` (its `graph` is unused)."""

    server: AgentServer | None = None
    run_context: dict = field(default_factory=dict)  # added to every run's context
    _created: bool = field(default=False, init=False, repr=False)
    # This turn's: how replies stream, the rewind it starts from, the start state to fill.
    stream_tokens: bool = field(default=True, init=False, repr=False)
    _checkpoint: str | None = field(default=None, init=False, repr=False)
    _fill: dict = field(default_factory=dict, init=False, repr=False)

    @property
    def _thread(self) -> str:
        return server_thread_id(self.thread_id)

    def _start(self, state: dict | None, checkpoint_id: str | None) -> dict:
        """The face's state, else filled from the server as the turn starts."""
        return state if state is not None else {}

    def _sent(self, turn: TurnRequest, start: dict) -> Iterator[Event]:
        self.stream_tokens, self._checkpoint = turn.stream_tokens, turn.checkpoint_id
        self._fill = start
        fresh = not turn.resume and not turn.checkpoint_id
        yield from converse(
            self, turn.text, resume=turn.resume, at_head=fresh, approvals=turn.approvals
        )

    def _decided(
        self, request: ApprovalRequest, decision: str, text: str, start: dict, stream_tokens: bool
    ) -> Iterator[Event]:
        self.stream_tokens, self._checkpoint, self._fill = stream_tokens, None, start
        yield from settle(self, request, decision, text)

    def opening(self, at_head: bool) -> tuple[ApprovalRequest, dict] | Error | None:
        """The server's thread (created for a new conversation), its values the turn's start."""
        thread = self._thread_for_turn(create=at_head)
        if isinstance(thread, Error):
            return thread
        values = state_values(thread.get("values"))
        if not self._fill:
            self._fill.update(values)
        paused = [i for found in (thread.get("interrupts") or {}).values() for i in found]
        if not (paused and at_head):
            return None
        request = approval_request(self.workflow, interrupts_of(paused))
        return (request, values) if request else errors.awaiting_approval()

    def paused(self) -> tuple[ApprovalRequest | None, dict]:
        found = self.server.client.threads.get_state(self._thread)
        values = state_values(found.get("values"))
        self._fill.update(values)
        return approval_request(self.workflow, interrupts_of(found.get("interrupts"))), values

    def _thread_for_turn(self, *, create: bool) -> dict | Error:
        """The server's thread, created for a new conversation; an `Error` when the studio
        knows the conversation but the server no longer has it."""
        found = self.server.there("get", self.thread_id)
        if found is not None:
            return found
        if not create or self.store.threads.owner_of(self.thread_id) is not None:
            return _agent_error(Cause.THREAD_GONE)
        try:  # an empty first checkpoint, as in process: the rewind point before turn 1
            created = self.server.create(
                self.thread_id, self.workflow, self.owner, {"turn": 0}, if_exists="do_nothing"
            )
        except APIStatusError as exc:
            if http_status(exc) in (404, 405):  # no threads here: not LangGraph's API
                return _agent_error(Cause.AGENT_SERVER_URL)
            raise
        self._created = True
        return created

    def run(self, payload: Any, context: RunContext, may_pause: bool = True) -> Iterator[Event]:
        said = {**self.run_context, "approvals": context.approvals}
        said |= {"withdraw": True} if context.withdraw else {}
        if isinstance(payload, Command):
            run: dict = {"command": {"resume": payload.resume, "update": payload.update}}
        else:
            message = [{"role": "user", "content": payload}] if payload is not None else None
            # A rewind's start as the `checkpoint` object: Aegra reads only that.
            at = self._checkpoint and {"checkpoint_id": self._checkpoint, "checkpoint_ns": ""}
            run = {"input": message and {"messages": message}, "checkpoint": at}
        stream_tokens, seconds = self.stream_tokens, self.server.seconds
        deadline = time.monotonic() + seconds
        told = _RunReader(self.workflow, stream_tokens)
        try:
            for part in self.server.client.runs.stream(
                self._thread,
                self.server.graph_id(self.workflow),
                stream_mode=["updates", "values", *(["messages-tuple"] if stream_tokens else [])],
                stream_subgraphs=self.workflow.graph_endpoints,  # agents report from inside
                config={"recursion_limit": MAX_TURN_STEPS},
                durability="exit",
                multitask_strategy="reject",
                on_disconnect="cancel",  # a reader who leaves stops the run there too
                context=said,
                **run,
            ):
                if time.monotonic() > deadline:
                    raise TimeoutError  # our limit passed while the server still answered
                yield from told.part(part)
                if told.failed:
                    return
        except Exception as exc:  # noqa: BLE001 - every failure becomes an Error of its kind
            # Past our limit, or the server's answer stalled (not a connection never made).
            if isinstance(exc, TimeoutError | httpx.TimeoutException) and not isinstance(
                exc, httpx.ConnectTimeout
            ):
                self._cancel(told.run_id)
                yield _agent_error(Cause.AGENT_SERVER_SLOW, seconds=seconds)
            else:
                yield self.failure(exc)
            return
        final = told.final
        yield _run_failed() if final is None else TurnEnd(state_values(final), told.waiting)

    def _cancel(self, run_id: str) -> None:
        if not run_id:
            return
        try:
            self.server.client.runs.cancel(self._thread, run_id)
        except Exception as exc:  # noqa: BLE001 - best effort: the server may be the problem
            logger.info("Could not cancel run %s: %s", run_id, type(exc).__name__)

    def failure(self, exc: BaseException) -> Error:
        """A failed request in our words (never the server's text: it may echo a key)."""
        if isinstance(exc, APIStatusError):
            status = http_status(exc)
            if status in (401, 403):
                return _agent_error(Cause.AGENT_SERVER_KEY, status=status)
            if status == 409:
                return errors.busy()
            if status in (404, 422):
                return self._missing()
            return _agent_error(Cause.AGENT_SERVER_FAILED, status=status)
        if isinstance(exc, httpx.TransportError):
            return _agent_error(Cause.AGENT_SERVER_DOWN, host=urlsplit(self.server.url).netloc)
        if isinstance(exc, ValueError):  # an answer that is not the API's JSON
            return _agent_error(Cause.AGENT_SERVER_URL)
        return errors.describe(exc)

    def _missing(self) -> Error:
        """A 404 or 422 on a run: our thread is gone, or the server lacks the graph."""
        with suppress(Exception):  # a server that can't say: the graph is the likelier cause
            if self.server.there("get", self.thread_id) is None:
                return _agent_error(Cause.THREAD_GONE)
        return _agent_error(Cause.GRAPH_MISSING, graph=self.server.graph_id(self.workflow))

    def _keep_point(self, end: TurnEnd, *, with_earlier: bool) -> None:
        """Nothing to record: the server's thread history holds every rewind point."""

    def _unfinished(self) -> bool:
        try:
            return bool(self.server.client.threads.get_state(self._thread).get("next"))
        except Exception:  # noqa: BLE001 - a server that can't say: resend on Retry
            return False

    def _saved(self, end: TurnEnd, text: str | None, **kw) -> list:
        opened = super()._saved(end, text, **kw)
        if self._created:  # a new thread: titled there as our row titles it (`threads_of`)
            self._created = False
            row = self.store.threads.get(self.thread_id) or {}
            try:
                self.server.client.threads.update(
                    self._thread, metadata={"title": row.get("title", "")}
                )
            except Exception as exc:  # noqa: BLE001 - the turn is saved; a title can wait
                logger.info("Could not title thread on the agent server: %s", type(exc).__name__)
        return opened


def remote(
    store: AppStore, server: AgentServer, workflow: Workflow, thread_id: str, owner: str = "local"
) -> RemoteConversation:
    return RemoteConversation(store, None, workflow, thread_id, owner, server=server)


def _messages(raw: Any) -> list:
    if not isinstance(raw, list):
        return []
    items = [m for m in raw if isinstance(m, dict) and m.get("type")]
    return messages_from_dict([{"type": m["type"], "data": m} for m in items])


def state_values(raw: Any) -> dict:
    """A state from the server, with its messages as objects (as the engine's are)."""
    values = dict(raw) if isinstance(raw, dict) else {}
    values.pop("__interrupt__", None)
    if "messages" in values:
        values["messages"] = _messages(values["messages"])
    return values


def turn_ended(checkpoint: dict) -> bool:
    """Whether a run stopped at a checkpoint (done, or paused): LangGraph's server keeps
    only these (`durability="exit"`); Aegra keeps every step's, no place to rewind to."""
    tasks = checkpoint.get("tasks") or []
    return not checkpoint.get("next") or any(t.get("interrupts") for t in tasks)


def interrupts_of(raw: Any) -> tuple[Interrupt, ...]:
    return tuple(
        Interrupt(value=i.get("value"), id=i.get("id", ""))
        for i in raw or ()
        if isinstance(i, dict)
    )


def _agent_error(cause: Cause, said: str = "", **facts: Any) -> Error:
    kind = Kind.STATE if cause == Cause.THREAD_GONE else Kind.AGENT
    text = said or _SAID[cause].format(**facts)
    return Error(kind, text, retryable=cause in _RETRYABLE, cause=cause, facts=facts)


def _run_failed(data: Any = None) -> Error:
    """A run the server started but could not finish (its own text is not shown)."""
    logger.warning("Run failed on the agent server: %s", (data or {}).get("error", "unknown"))
    return _agent_error(Cause.AGENT_SERVER_FAILED, _RUN_FAILED)


class _RunReader(ChunkReader):
    """One run's stream parts as the engine's events, and how the run ended."""

    run_id: str = ""
    failed: bool = False

    def part(self, part: Any) -> Iterator[Event]:
        mode, _, ns = part.event.partition("|")
        namespace = tuple(ns.split("|")) if ns else ()
        data = part.data
        if mode == "metadata":
            self.run_id = (data or {}).get("run_id", "")
        elif mode == "error":
            self.failed = True
            yield _run_failed(data)
        elif mode == "values" and not namespace and set(data or {}) == {"__interrupt__"}:
            yield from self.updates((), "", data)  # how Aegra tells the pause
        elif mode == "values" and not namespace:
            self.final = data
        elif mode == "messages" and (chunk := _messages(data[:1])):
            yield from self.read(namespace, mode, (chunk[0], data[1]))
        elif mode == "updates" and isinstance(data, dict):
            yield from self.read(namespace, mode, data)

    _interrupts = staticmethod(interrupts_of)
    _messages = staticmethod(_messages)

    def _says_new(self, node: str, message: AIMessage) -> bool:
        """A reply is told whole only from the model's node, when tokens don't stream."""
        return not self.stream_tokens and node == "model"


class ServerScenarioTurns(RemoteConversation):
    """One scenario's turns on a fresh thread there (owner "scenarios"), deleted at the end;
    records go to a throwaway store, so a test run lists no thread and opens no ticket."""

    def close(self) -> None:
        try:
            self.server.client.threads.delete(self._thread)
        except Exception as exc:  # noqa: BLE001 - never created, or the server is down
            logger.info("Scenario thread not deleted on the agent server: %s", type(exc).__name__)
        self.store.close()


def scenario_turns(server: AgentServer) -> Callable[[Any], ServerScenarioTurns]:
    def start(scenario: Any) -> ServerScenarioTurns:
        store, thread = open_store("memory://"), new_thread_id()
        talk = ServerScenarioTurns(store, None, scenario.spec, thread, "scenarios", server=server)
        if scenario.max_transfers is not None:
            talk.run_context["max_transfers"] = scenario.max_transfers
        return talk

    return start
