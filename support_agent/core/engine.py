"""Running one customer turn, as UI-agnostic events (`Token`, `ToolCall`, `ToolResult`,
`Transition`, `Error`, `TurnEnd`) that the conversation service passes to every face.

With approvals on, a turn reaching a gated tool pauses (LangChain's human-in-the-loop
interrupt) until `decide` answers it; a message sent meanwhile withdraws the waiting action.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from typing import Any

from langchain.agents.middleware.human_in_the_loop import (
    ActionRequest,
    DecisionType,
)
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langgraph.graph import START
from langgraph.types import Command

from support_agent.base.oneline import clip
from support_agent.core import errors
from support_agent.core.declaration import (
    APPROVAL_ID_PREFIX,
    DECISIONS,
    WITHDRAW,
    RunContext,
    TransitionRecord,
    Workflow,
    decision_reason,
    turn_of,
)
from support_agent.core.errors import Cause, Error, Kind
from support_agent.core.middleware.approval import (
    REVIEW_NODE,
    WITHDRAWN_NOTE,
    answers,
    pending_request,
)
from support_agent.models.deadline import turn_deadline
from support_agent.store.turn_lease import FENCE, Lease, ThreadBusy

MAX_MESSAGE_CHARS = 4000
# A model that never stops calling tools is cut off here, not after 9,999 steps.
MAX_TURN_STEPS = 100
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A message is empty unless some character draws something (judged by Unicode category).
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Cn", "Zs", "Zl", "Zp"})
# Blank all the same, though no category says so: Hangul fillers, the blank Braille
# pattern, the combining grapheme joiner, Khmer inherent vowels, variation selectors.
_BLANK = frozenset(
    "\u115f\u1160\u3164\uffa0\u2800\u034f\u17b4\u17b5\u180b\u180c\u180d\u180f"
    + "".join(map(chr, range(0xFE00, 0xFE10)))
    + "".join(map(chr, range(0xE0100, 0xE01F0)))
)


def shows_something(text: str) -> bool:
    return any(
        c not in _BLANK and unicodedata.category(c) not in _INVISIBLE_CATEGORIES for c in text
    )


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
    record: Mapping[str, Any] = field(default_factory=dict, hash=False)

    @property
    def id(self) -> str:
        return self.record.get("id", "")


@dataclass(frozen=True)
class ApprovalRequest:
    """Gated tool calls waiting for a person. `id` is the LangGraph interrupt's;
    `editable` names the argument a person may rewrite ("" if none)."""

    id: str
    tool: str
    question: str
    actions: tuple[ActionRequest, ...]
    decisions: tuple[DecisionType, ...]
    editable: str = ""

    @property
    def args(self) -> dict:
        return dict(self.actions[0].get("args") or {}) if self.actions else {}

    @property
    def editable_value(self) -> str:
        return str(self.args.get(self.editable) or "") if self.editable else ""


@dataclass(frozen=True)
class TurnEnd:
    state: dict[str, Any] = field(default_factory=dict)
    waiting: ApprovalRequest | None = None  # the turn stopped for a person's decision
    # (checkpoint id, parent id) the lease saw written last: no need to read it back.
    saved: tuple[str, str | None] | None = None


Event = Token | ToolCall | ToolResult | Transition | Error | TurnEnd

# LangGraph's mark of a paused task in pending writes: cheaper than a state snapshot.
_INTERRUPT_WRITE = "__interrupt__"
NOTE_CHARS = 500  # a person's note on a decision


def new_thread_id() -> str:
    """An unguessable thread id (128 bits), safe in a URL."""
    return secrets.token_urlsafe(16)


def thread_config(thread_id: str, checkpoint_id: str | None = None) -> dict:
    at = {"checkpoint_id": checkpoint_id} if checkpoint_id else {}
    return {"configurable": {"thread_id": thread_id, **at}}


def clean_message(text: str | None) -> str | Error:
    # A lone surrogate (broken UTF-16 from a paste) can't be encoded.
    text = (text or "").encode("utf-8", "replace").decode("utf-8")
    text = _CONTROL.sub("", text).strip()
    if not shows_something(text):
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


is_store_error = errors.is_store_error
describe_failure = errors.describe


def converse(
    runner: Any, text: str | None, *, resume: bool, at_head: bool, approvals: bool
) -> Iterator[Event]:
    """A customer's turn, wherever it runs: a message written into a pause first withdraws
    the waiting action. The `runner` (`_Local` here, `service.remote`'s on LangGraph's server)
    has `workflow`, `stream_tokens`, `failure(exc)`, `opening(at_head)` (at the head, the
    pause written into and its values, or an `Error` for one no decision answers), `paused()`
    (the pause of ours and its values) and `run(payload, context, may_pause)` (payload: the
    cleaned text, a decision's `Command`, or None to resume)."""
    payload = None
    if not resume:
        payload = clean_message(text)
        if isinstance(payload, Error):
            yield payload
            return
    try:
        waiting = runner.opening(at_head)
    except Exception as exc:  # noqa: BLE001 - a store or server that is down: say so, change nothing
        waiting = runner.failure(exc)
    if isinstance(waiting, Error):
        yield waiting
        return
    if waiting is not None:
        for event in _answer(runner, *waiting, (WITHDRAW, "")):
            if isinstance(event, TurnEnd):
                break  # the new message runs next
            yield event
            if isinstance(event, Error):
                return  # nothing withdrawn, the message not sent: the pause stands
    context = RunContext(approvals=approvals, deadline=turn_deadline())
    # A Retry or a branch may stop at the review node: only the whole graph has it.
    may_pause = not at_head or waiting is not None or approvals
    yield from runner.run(payload, context, may_pause)


def settle(runner: Any, request: ApprovalRequest, decision: str, text: str) -> Iterator[Event]:
    """A person's decision on `request`, and the rest of the paused turn."""
    checked = checked_decision(request, decision, text)
    if isinstance(checked, Error):
        yield checked
        return
    try:
        found, values = runner.paused()
    except Exception as exc:  # noqa: BLE001 - a store or server that is down: say so, change nothing
        yield runner.failure(exc)
        return
    if found != request:
        yield decided_already()
        return
    yield from _answer(runner, request, values, checked)


def _answer(
    runner: Any, request: ApprovalRequest, values: dict, checked: tuple[str, str]
) -> Iterator[Event]:
    """Answer the pause with a checked decision and finish the run. A withdrawal (the
    customer wrote again) ends the run right after the rejection, so the model answers
    the new message."""
    command, record = decision_command(runner.workflow, request, *checked, values)
    yield transition_event(runner.workflow, record)
    withdraw = checked[0] == WITHDRAW
    context = RunContext(approvals=True, withdraw=withdraw, deadline=turn_deadline())
    yield from runner.run(command, context)


@dataclass
class _Local:
    """A turn on a compiled graph in this process; `lean` is it without the approval review."""

    graph: Any
    lean: Any
    workflow: Workflow
    config: dict  # the thread's, with the lease's fence
    stream_tokens: bool = True
    first_turn: bool | None = None
    started: Callable[[str, dict], None] | None = None

    failure = staticmethod(describe_failure)

    def opening(self, at_head: bool) -> tuple[ApprovalRequest, dict] | Error | None:
        """At the head: a new thread first gets an empty checkpoint, the rewind point
        before turn 1."""
        if not at_head:
            return None
        graph, head = self.graph, thread_config(self.config["configurable"]["thread_id"])
        new = self.first_turn
        if not new and graph.checkpointer is not None:
            # Read under the lease, LangGraph's own read reuses it (`turn_lease.fenced`).
            latest = graph.checkpointer.get_tuple(self.config)
            new = latest is None
            if _paused(latest):  # the customer wrote while an action waits for a person
                request, values = self.paused()
                return (request, values) if request else errors.awaiting_approval()
            if latest is not None and self.started is not None:
                self.started(latest.config["configurable"]["checkpoint_id"],
                             latest.checkpoint["channel_values"])  # fmt: skip
        if new:
            empty = graph.update_state(head, {"turn": 0}, as_node=START)
            if self.started is not None:
                self.started(empty["configurable"]["checkpoint_id"], {"turn": 0})
        return None

    def paused(self) -> tuple[ApprovalRequest | None, dict]:
        found = self.graph.get_state(thread_config(self.config["configurable"]["thread_id"]))
        return approval_request(self.workflow, found.interrupts), found.values

    def run(self, payload: Any, context: RunContext, may_pause: bool = True) -> Iterator[Event]:
        if isinstance(payload, str):
            payload = {"messages": [HumanMessage(payload)]}
        graph = self.graph if may_pause or self.lean is None else self.lean
        # Asking a single agent for subgraphs costs a third of a turn.
        nested, tokens = self.workflow.graph_endpoints, self.stream_tokens
        reader = ChunkReader(self.workflow, tokens)
        try:
            for item in graph.stream(
                payload,
                self.config,
                stream_mode=["updates", "values", *(["messages"] if tokens else [])],
                subgraphs=nested,
                durability="exit",
                context=context,
            ):
                namespace, mode, chunk = item if nested else ((), *item)
                yield from reader.read(namespace, mode, chunk)
            final = reader.final
            if final is None:  # nothing ran (a resume with nothing left to do)
                final = self.paused()[1]
        except Exception as exc:  # noqa: BLE001 - every failure becomes an Error of its kind
            yield describe_failure(exc)
            return
        yield TurnEnd(dict(final), reader.waiting)


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
    approvals: bool = False,
    started: Callable[[str, dict], None] | None = None,
    lean: Any = None,
) -> Iterator[Event]:
    """Send the customer's `text` on `thread_id` and stream what happens.

    `resume=True` re-runs a turn that failed part-way from LangGraph's last good checkpoint;
    `checkpoint_id` branches from an earlier one. `stream_tokens=False` sends each reply whole
    (for the offline model). `lease` makes this the thread's only writer for the turn.
    `started(checkpoint_id, values)` is told the saved point a turn at the head starts from,
    so the caller need not read it again. The whole turn has `SUPPORT_AGENT_TIMEOUT` seconds.
    `lean` is `graph` without the approval review: it runs turns at the head that can't pause.
    """

    def turn(fence: dict) -> Iterator[Event]:
        config = _turn_config(thread_config(thread_id, checkpoint_id), fence)
        runner = _Local(graph, lean, workflow, config, stream_tokens, first_turn, started)
        at_head = not checkpoint_id and not resume
        yield from converse(runner, text, resume=resume, at_head=at_head, approvals=approvals)

    yield from _leased(lease, turn)


def decide(
    graph: Any,
    workflow: Workflow,
    thread_id: str,
    request: ApprovalRequest,
    decision: str,
    text: str = "",
    *,
    stream_tokens: bool = True,
    lease: AbstractContextManager | None = None,
) -> Iterator[Event]:
    """Answer `request` ("approve", "edit" with the new `text`, "reject" with an optional
    note) and finish the paused turn; the decision is recorded in the transition history."""

    def answer(fence: dict) -> Iterator[Event]:
        config = _turn_config(thread_config(thread_id), fence)
        yield from settle(
            _Local(graph, None, workflow, config, stream_tokens), request, decision, text
        )

    yield from _leased(lease, answer)


def waiting_approval(graph: Any, workflow: Workflow, thread_id: str) -> ApprovalRequest | None:
    return approval_request(workflow, graph.get_state(thread_config(thread_id)).interrupts)


def approval_request(workflow: Workflow, interrupts: Any) -> ApprovalRequest | None:
    pending = pending_request(interrupts)
    if pending is None:
        return None
    interrupt_id, review = pending
    actions = review["action_requests"]
    tool = actions[0]["name"]
    declared = workflow.approval(tool)
    allowed = (review.get("review_configs") or [{}])[0].get("allowed_decisions")
    return ApprovalRequest(
        id=interrupt_id,
        tool=tool,
        question=declared.question if declared else actions[0].get("description", ""),
        actions=tuple(
            ActionRequest(name=a["name"], args=dict(a.get("args") or {})) for a in actions
        ),
        decisions=tuple(allowed or ("approve", "reject")),
        editable=declared.editable if declared else "",
    )


def _leased(
    lease: AbstractContextManager | None, start: Callable[[dict], Iterator[Event]]
) -> Iterator[Event]:
    """Run `start(fence)` as the thread's only writer: the checkpointer confirms the
    `fence` before it writes, so a turn that lost its lease saves nothing."""
    if lease is None:
        yield from start({})
        return
    ended = False
    try:
        with lease as held:
            fence = {FENCE: held} if isinstance(held, Lease) else {}
            events = start(fence)
            for event in events:
                if fence and held.lost and not isinstance(event, Error):
                    events.close()  # nothing more can be saved: stop now
                    held.check()  # raises the LeaseLost the heartbeat found
                ended = isinstance(event, TurnEnd | Error)
                if isinstance(event, TurnEnd) and fence:
                    event = replace(event, saved=held.saved)
                try:
                    yield event
                except GeneratorExit:  # the reader stopped: nothing more may be yielded
                    ended = True
                    raise
    except ThreadBusy:
        yield errors.busy()
    except Exception as exc:  # noqa: BLE001 - taking or releasing the lease failed, or lost
        failure = describe_failure(exc)
        if not ended:  # a release that fails after the turn ended changes nothing it said
            yield failure


def checked_decision(request: ApprovalRequest, decision: str, text: str) -> tuple[str, str] | Error:
    """(decision, text) as they will be applied, or the `Error` refusing them; an
    edit that changes nothing is an approval."""
    if decision not in DECISIONS or decision not in request.decisions:
        return Error(Kind.INPUT, f"{decision!r} is not a decision this action allows.")
    text = (text or "").strip()
    if decision == "edit":
        cleaned = clean_message(text)
        if isinstance(cleaned, Error):
            return cleaned
        if cleaned == request.editable_value:
            decision = "approve"  # nothing was changed
        text = cleaned
    return decision, text


def decided_already() -> Error:
    return Error(
        Kind.STATE,
        "This action was already decided, or the conversation has moved on.",
        cause=Cause.AWAITING_APPROVAL,
    )


def decision_command(
    workflow: Workflow, request: ApprovalRequest, decision: str, text: str, values: dict
) -> tuple[Command, TransitionRecord]:
    """The `Command` answering `request` on a conversation paused with `values`,
    and the history record saved with it."""
    turn, step = _paused_at(workflow, values)
    note = clip(text, NOTE_CHARS) if decision == "reject" else ""
    edited = text if decision == "edit" else ""
    record = TransitionRecord(
        id=APPROVAL_ID_PREFIX + request.id,
        turn=turn,
        source=step,
        target=step,
        tool=request.tool,
        reason=decision_reason(workflow, request.tool, decision, note=note, edited=edited),
        decision=decision,
        **({"edited": edited} if edited else {}),
        **({"note": note} if note else {}),
    )
    if decision == WITHDRAW:  # a rejection, with a note saying the customer moved on
        decision, note = "reject", WITHDRAWN_NOTE
    resume = answers(request.actions, decision, editable=request.editable, text=edited or note)
    # One step with the answer, so a decision is never half-saved.
    return Command(resume=resume, update={"transitions": [record]}), record


def _turn_config(config: dict, fence: dict) -> dict:
    configurable = {**config["configurable"], **fence}
    return {**config, "configurable": configurable, "recursion_limit": MAX_TURN_STEPS}


def _paused(latest: Any) -> bool:
    return latest is not None and any(w[1] == _INTERRUPT_WRITE for w in latest.pending_writes or ())


def _paused_at(workflow: Workflow, values: dict) -> tuple[int, str]:
    """The turn and step a paused conversation waits at. (A graph of agents counts
    the turn in the agent's node, unfinished at a pause.)"""
    turn = turn_of(values)
    messages = values.get("messages") or []
    if workflow.handoffs and messages and isinstance(messages[-1], HumanMessage):
        turn += 1
    return turn, workflow.current(values)


class ChunkReader:
    """What LangGraph streams during one run, as events, each said once; the agent
    server's stream (`service.remote`) reads through it too."""

    def __init__(self, workflow: Workflow, stream_tokens: bool):
        self.workflow, self.stream_tokens = workflow, stream_tokens
        self.nested = workflow.graph_endpoints  # agents in a graph report from inside
        self.seen: set[str] = set()  # tool calls, results and moves already told
        self.known: set[str] = set()  # ids of the messages already in the state
        self.final: dict | None = None  # the state after the last step: what TurnEnd reports
        self.waiting: ApprovalRequest | None = None

    def read(self, namespace: tuple[str, ...], mode: str, chunk: Any) -> Iterator[Event]:
        if mode == "values":
            if not namespace:
                self.final = chunk
            self.known.update(m.id for m in chunk.get("messages") or () if m.id)
            return
        agent = namespace[0].split(":", 1)[0] if namespace else ""  # ("sales_agent:<task>",)
        if mode == "messages":
            message, meta = chunk
            # A chunk of a reply, or a reply the model's node gave whole without streaming
            # (a guardrail's refusal in the model's place): LangGraph tells each once.
            if (
                isinstance(message, AIMessage)
                and meta.get("langgraph_node") == "model"
                and message.text
                and not meta.get("lc_source")
            ):
                yield Token(message.text, agent or meta.get("lc_agent_name", ""))
            return
        yield from self.updates(namespace, agent, chunk or {})

    def updates(self, namespace: tuple[str, ...], agent: str, chunk: dict) -> Iterator[Event]:
        if self.waiting is None and "__interrupt__" in chunk:
            self.waiting = approval_request(self.workflow, self._interrupts(chunk["__interrupt__"]))
        for node, updates in chunk.items():
            # A node that returned several commands (a model call a middleware added to)
            # reports a list of updates.
            for update in updates if isinstance(updates, list) else [updates]:
                if isinstance(update, dict):
                    yield from self._update(namespace, agent, node, update)

    def _update(self, namespace: tuple, agent: str, node: str, update: dict) -> Iterator[Event]:
        if node != REVIEW_NODE and not (self.nested and not namespace):
            for message in self._messages(update.get("messages")):
                yield from self._message(node, message, agent)
        for record in update.get("transitions") or []:
            if self._first(f"move:{record.get('id')}"):
                yield transition_event(self.workflow, record)

    def _message(self, node: str, message: Any, agent: str) -> Iterator[Event]:
        if isinstance(message, AIMessage):
            if message.text and self._says_new(node, message):
                yield Token(message.text, agent or message.name or "")
            for call in message.tool_calls:
                if self._first(f"call:{call['id']}"):
                    yield ToolCall(call["id"], call["name"], call["args"], agent)
        elif isinstance(message, ToolMessage) and self._first(f"result:{message.tool_call_id}"):
            yield ToolResult(
                message.tool_call_id, message.name or "", message.text, ok=message.status != "error"
            )

    def _first(self, key: str) -> bool:
        if key in self.seen:
            return False
        self.seen.add(key)
        return True

    def _interrupts(self, raw: Any) -> Any:
        return raw

    def _messages(self, raw: Any) -> list:
        return raw or []

    def _says_new(self, node: str, message: AIMessage) -> bool:
        """Whether a message in a node's update is words to show now: the model's node
        streams as tokens unless `stream_tokens` is off; other nodes' come only here;
        messages already in the state, or told once (a summary's rewrite of the history
        repeats the answer), say nothing new."""
        if node == "model" and self.stream_tokens:
            return False
        return not message.id or (
            message.id not in self.known and self._first(f"said:{message.id}")
        )


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
