"""One conversation's turns, whole: the service every face goes through.

A face (the chat page, the terminal chat, the scenario runner, a bench) asks a
`Conversation` to `send` a message or `decide` a paused action and renders the
events it yields. The service owns the rest of the turn's life, so every face
behaves the same:

1. the thread's lease (`store.leases.hold`): one writer per thread;
2. the run itself (`engine.run_turn` / `engine.decide`);
3. after the turn, under the same lease: the thread's row and title
   (`store.threads.touch`), its rewind point (`store.turn_points`), the
   approvals queue (`store.approvals`), a ticket per hand-over to a person
   (`store.tickets.open_for_turn`), and the closing of any ticket whose hand-over
   a correction withdrew (`store.tickets.withdraw_for_turn`).

Events are the engine's (`Token`, `ToolCall`, `ToolResult`, `Transition`,
`Error`, `TurnEnd`) plus three of its own: `StateChanged` right after each
`Transition` (the state after the move, so no face re-applies a reducer),
`TicketsOpened` before the `TurnEnd` of a turn that handed over to a person, and
`MessageKept` before the `Error` of a turn that stopped part-way with the
customer's message saved (a Retry resumes it). `TurnEnd` or `Error` is always
the last event. Nothing here knows Streamlit or argparse.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from support_agent.core.declaration import WITHDRAW, Workflow, turn_of
from support_agent.core.engine import (
    ApprovalRequest,
    Error,
    Event,
    Transition,
    TurnEnd,
    is_store_error,
    thread_config,
)
from support_agent.core.engine import decide as engine_decide
from support_agent.core.engine import run_turn as engine_run_turn
from support_agent.core.errors import Cause, Kind
from support_agent.core.state_view import customer_turns
from support_agent.features.app_store import AppStore
from support_agent.features.tickets import Ticket


@dataclass(frozen=True)
class StateChanged:
    """The state after a move: the step, and `transitions` with the move's saved record."""

    state: dict[str, Any] = field(hash=False)


@dataclass(frozen=True)
class TicketsOpened:
    """The tickets this turn's hand-overs to a person opened (once per tool call)."""

    tickets: tuple[Ticket, ...]


@dataclass(frozen=True)
class MessageKept:
    """The turn failed part-way, its message saved: a Retry resumes it (`resume=True`)."""


ServiceEvent = Event | StateChanged | TicketsOpened | MessageKept


@dataclass(frozen=True)
class TurnRequest:
    """What a customer's turn asks of a backend (the options of `Conversation.send`)."""

    text: str | None
    resume: bool
    checkpoint_id: str | None
    stream_tokens: bool
    approvals: bool


@dataclass
class Conversation:
    """A thread of `workflow` on `store`, run on `graph` (built on `store.checkpointer`).

    `owner` is who sends from this face ("local" for the terminal and the local
    browser): a new thread becomes theirs; an operator acting in someone else's
    thread leaves it, and its tickets, with the one who started it. `lean` is `graph`
    built without the approval review, for turns nothing can pause (`engine.run_turn`).
    """

    store: AppStore
    graph: Any
    workflow: Workflow
    thread_id: str
    owner: str = "local"
    lean: Any = None
    # The saved point this turn started from (checkpoint id, turn number), when the
    # engine had it in hand: its rewind point then needs no read to find it.
    _began: tuple[str, int] | None = field(default=None, init=False, repr=False, compare=False)
    # The turn's end, as the engine told it (with what it saved, when its lease saw it).
    _ended: TurnEnd | None = field(default=None, init=False, repr=False, compare=False)

    def send(
        self,
        text: str | None,
        *,
        state: dict | None = None,
        resume: bool = False,
        checkpoint_id: str | None = None,
        stream_tokens: bool = True,
        approvals: bool = False,
    ) -> Iterator[ServiceEvent]:
        """Send the customer's `text` (or, with `resume`, finish a turn that failed
        part-way) and stream the turn; see `engine.run_turn` for the options.

        `state` is the state the turn starts from, when the face has it (else it is
        read). A turn sent from an earlier point (`checkpoint_id`) starts a branch: a
        pause on the old one is over.
        """
        start = self._start(state, checkpoint_id)
        turn = TurnRequest(text, resume, checkpoint_id, stream_tokens, approvals)
        return self._lived(self._sent(turn, start), start, text)

    def decide(
        self,
        request: ApprovalRequest,
        decision: str,
        text: str = "",
        *,
        state: dict | None = None,
        stream_tokens: bool = True,
    ) -> Iterator[ServiceEvent]:
        """Answer a paused action ("approve", "edit" or "reject") and finish its turn."""
        start = self._start(state, None)
        events = self._decided(request, decision, text, start, stream_tokens)
        return self._lived(events, start, None)

    # -- how a backend runs a turn (the remote backend, `service.remote`, differs) -------
    def _start(self, state: dict | None, checkpoint_id: str | None) -> dict:
        """The state a turn starts from: the face's, else the saved one. At the thread's
        head it is filled as the turn starts: the engine reads that point under the lease
        anyway, and a checkpoint decoded twice is a turn's largest cost after the run."""
        if state is not None:
            return state
        return _Unread() if checkpoint_id is None else self._read(checkpoint_id)

    def _sent(self, turn: TurnRequest, start: dict) -> Iterator[Event]:
        """The engine's events of a customer's turn, under the thread's lease."""
        self._began = self._ended = None
        unread = isinstance(start, _Unread)
        if unread and turn.resume:  # a Retry runs from where the turn stopped: no read there
            start.update(self._read(None))
            unread = False

        def started(checkpoint_id: str, values: dict) -> None:
            self._began = (checkpoint_id, turn_of(values))
            if unread and not start:
                start.update(values)

        return engine_run_turn(
            self.graph,
            self.workflow,
            self.thread_id,
            turn.text,
            resume=turn.resume,
            checkpoint_id=turn.checkpoint_id,
            stream_tokens=turn.stream_tokens,
            # Unread: the engine finds out (the read it makes under the lease anyway).
            first_turn=None if unread else not turn.resume and not start.get("messages"),
            lease=self.store.leases.hold(self.thread_id),
            approvals=turn.approvals,
            started=None if turn.checkpoint_id else started,
            lean=self.lean,
        )

    def _decided(
        self, request: ApprovalRequest, decision: str, text: str, start: dict, stream_tokens: bool
    ) -> Iterator[Event]:
        """The engine's events of a decision and the rest of its turn, under the lease."""
        self._began = self._ended = None
        if isinstance(start, _Unread):
            start.update(self._read(None))
        return engine_decide(
            self.graph,
            self.workflow,
            self.thread_id,
            request,
            decision,
            text,
            stream_tokens=stream_tokens,
            lease=self.store.leases.hold(self.thread_id),
        )

    # -- the turn's life -----------------------------------------------------------------
    def _lived(
        self, events: Iterator[Event], state: dict, text: str | None
    ) -> Iterator[ServiceEvent]:
        """Pass the engine's events on, adding the state after each move, and keep the
        turn's records before its last event (the engine still holds the lease then)."""
        # Copied at the first move, not now: a backend may fill `state` as its turn starts.
        live: dict | None = None
        key = self.workflow.state_key
        withdrew = False  # a waiting action withdrawn by this message: that turn ended too
        for event in events:
            if isinstance(event, TurnEnd):
                opened = self._saved(event, text, withdrew=withdrew)
                if opened:
                    yield TicketsOpened(tuple(opened))
            elif isinstance(event, Error) and self._kept(event):
                self.store.threads.touch(
                    self.thread_id, self.workflow.name, text or _first(state), self.owner
                )
                yield MessageKept()
            yield event
            if isinstance(event, Transition):
                withdrew |= event.record.get("decision") == WITHDRAW
                # The record the graph saved: a panel shows (and keys on) the real move.
                live = dict(state) if live is None else live
                live[key] = event.target
                live["transitions"] = [*(live.get("transitions") or []), dict(event.record)]
                yield StateChanged(dict(live))

    def _saved(self, end: TurnEnd, text: str | None, *, withdrew: bool) -> list[Ticket]:
        """After a turn: the thread is listed and titled by its first message; a turn
        waiting for a person is queued, any other becomes a rewind point; each
        hand-over to a person opens a ticket (once per call, whatever reruns)."""
        store, thread = self.store, self.thread_id
        first = _first(end.state) or text or ""
        store.threads.touch(thread, self.workflow.name, first, self.owner)
        owner = store.threads.owner_of(thread) or self.owner  # who started it
        if end.waiting is not None:
            store.approvals.paused(thread, end.waiting.id, self.workflow.name,
                                   end.waiting.question, owner)  # fmt: skip
        else:
            self._ended = end
            self._keep_point(with_earlier=withdrew)
            # Nothing waits now: decided, withdrawn by a new message, or left on a branch.
            store.approvals.decided(thread)
        # Each ticket keeps this turn's checkpoint: the branch it belongs to.
        opened = store.tickets.open_for_turn(self.workflow, thread, owner, end.state,
                                             checkpointer=store.checkpointer)  # fmt: skip
        # A correction this turn withdrew a hand-over: its ticket is closed, saying why.
        store.tickets.withdraw_for_turn(thread, end.state)
        return opened

    def _kept(self, error: Error) -> bool:
        """Whether a failed turn stopped part-way with its message saved (a refused
        message or decision changed nothing; a store that can't say: resend on Retry)."""
        if error.kind == Kind.INPUT or error.cause == Cause.AWAITING_APPROVAL:
            return False
        return self._unfinished()

    # -- what a backend keeps where (the remote backend, `service.remote`, differs) -------
    def _keep_point(self, *, with_earlier: bool = False) -> None:
        """Record the finished turn's rewind point (and the withdrawn turn's before it)."""
        store, end = self.store, self._ended
        saved = end.saved if end is not None else None
        store.turn_points.record(
            store.checkpointer,
            self.thread_id,
            self.workflow.state_key,
            with_earlier=with_earlier,
            began=self._began,
            ended=(saved[0], saved[1], end.state) if saved else None,
        )

    def _unfinished(self) -> bool:
        """Whether the thread's last run stopped with work left (a Retry continues it)."""
        try:
            return bool(self.graph.get_state(thread_config(self.thread_id)).next)
        except Exception as exc:  # noqa: BLE001
            if not is_store_error(exc):
                raise
            return False

    def _read(self, checkpoint_id: str | None) -> dict:
        """The saved values at `checkpoint_id` (the latest when None): no snapshot built."""
        saved = self.store.checkpointer.get_tuple(thread_config(self.thread_id, checkpoint_id))
        return dict(saved.checkpoint["channel_values"]) if saved else {}


class _Unread(dict):
    """A turn's start state not read yet: the engine's first read under the lease fills it."""


def _first(state: dict) -> str:
    said = customer_turns(state.get("messages") or [])
    return said[0] if said else ""
