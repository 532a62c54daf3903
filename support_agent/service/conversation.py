"""One conversation's turns, whole: the service every face goes through.

Under the thread's lease it runs the turn (`engine.run_turn` / `engine.decide`) and then keeps
the thread's row, rewind point, approvals queue and tickets, so every face behaves the same.
Besides the engine's events it yields `StateChanged` after each `Transition`, `TicketsOpened`
before the `TurnEnd` of a hand-over to a person, and `MessageKept` before the `Error` of a turn
that stopped part-way with the message saved. `TurnEnd` or `Error` is always the last event.
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
    state: dict[str, Any] = field(hash=False)


@dataclass(frozen=True)
class TicketsOpened:
    tickets: tuple[Ticket, ...]


@dataclass(frozen=True)
class MessageKept:
    """The turn failed part-way, its message saved: a Retry resumes it (`resume=True`)."""


ServiceEvent = Event | StateChanged | TicketsOpened | MessageKept


@dataclass(frozen=True)
class TurnRequest:
    text: str | None
    resume: bool
    checkpoint_id: str | None
    stream_tokens: bool
    approvals: bool


@dataclass
class Conversation:
    """A thread of `workflow` on `store`, run on `graph` (built on `store.checkpointer`).
    A new thread becomes `owner`'s; an operator in another's thread leaves it theirs. `lean`
    is `graph` built without the approval review, for turns nothing can pause."""

    store: AppStore
    graph: Any
    workflow: Workflow
    thread_id: str
    owner: str = "local"
    lean: Any = None
    # Where this turn started (checkpoint id, turn), when the engine had it: no read then.
    _began: tuple[str, int] | None = field(default=None, init=False, repr=False, compare=False)

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
        """Send `text` (or, with `resume`, finish a turn that failed part-way) and stream
        the turn; `state` is where it starts, when the face has it."""
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
        start = self._start(state, None)
        events = self._decided(request, decision, text, start, stream_tokens)
        return self._lived(events, start, None)

    def _start(self, state: dict | None, checkpoint_id: str | None) -> dict:
        """The face's state, else the saved one; at the head it is filled as the turn starts
        (the engine reads it under the lease anyway: no checkpoint decoded twice)."""
        if state is not None:
            return state
        return _Unread() if checkpoint_id is None else self._read(checkpoint_id)

    def _sent(self, turn: TurnRequest, start: dict) -> Iterator[Event]:
        self._began = None
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
            first_turn=None if unread else not turn.resume and not start.get("messages"),
            lease=self.store.leases.hold(self.thread_id),
            approvals=turn.approvals,
            started=None if turn.checkpoint_id else started,
            lean=self.lean,
        )

    def _decided(
        self, request: ApprovalRequest, decision: str, text: str, start: dict, stream_tokens: bool
    ) -> Iterator[Event]:
        self._began = None
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

    def _lived(
        self, events: Iterator[Event], state: dict, text: str | None
    ) -> Iterator[ServiceEvent]:
        """The events, with the state after each move; the records are kept before the last
        event (the engine still holds the lease then)."""
        # Copied at the first move, not now: a backend may fill `state` as its turn starts.
        live: dict | None = None
        key = self.workflow.state_key
        withdrew = False  # a waiting action withdrawn by this message: that turn ended too
        for event in events:
            if isinstance(event, TurnEnd):
                with self.store.db.together():
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
        store, thread = self.store, self.thread_id
        first = _first(end.state) or text or ""
        store.threads.touch(thread, self.workflow.name, first, self.owner)
        owner = store.threads.owner_of(thread) or self.owner  # who started it
        if end.waiting is not None:
            store.approvals.paused(thread, end.waiting.id, self.workflow.name,
                                   end.waiting.question, owner)  # fmt: skip
        else:
            self._keep_point(end, with_earlier=withdrew)
            # Nothing waits now: decided, withdrawn by a new message, or left on a branch.
            store.approvals.decided(thread)
        # Each ticket keeps this turn's checkpoint: the branch it belongs to.
        opened = store.tickets.open_for_turn(self.workflow, thread, owner, end.state,
                                             checkpointer=store.checkpointer)  # fmt: skip
        # A correction this turn withdrew a hand-over: its ticket is closed, saying why.
        store.tickets.withdraw_for_turn(thread, end.state)
        return opened

    def _kept(self, error: Error) -> bool:
        """Whether a failed turn stopped part-way with its message saved."""
        if error.kind == Kind.INPUT or error.cause == Cause.AWAITING_APPROVAL:
            return False
        return self._unfinished()

    def _keep_point(self, end: TurnEnd, *, with_earlier: bool) -> None:
        store, saved = self.store, end.saved
        store.turn_points.record(
            store.checkpointer,
            self.thread_id,
            self.workflow.state_key,
            with_earlier=with_earlier,
            began=self._began,
            ended=(saved[0], saved[1], end.state) if saved else None,
        )

    def _unfinished(self) -> bool:
        try:
            return bool(self.graph.get_state(thread_config(self.thread_id)).next)
        except Exception as exc:  # noqa: BLE001
            if not is_store_error(exc):
                raise
            return False

    def _read(self, checkpoint_id: str | None) -> dict:
        """The saved values (the latest when None): no snapshot built."""
        saved = self.store.checkpointer.get_tuple(thread_config(self.thread_id, checkpoint_id))
        return dict(saved.checkpoint["channel_values"]) if saved else {}


class _Unread(dict):
    """A turn's start state not read yet: the engine's first read under the lease fills it."""


def _first(state: dict) -> str:
    said = customer_turns(state.get("messages") or [])
    return said[0] if said else ""
