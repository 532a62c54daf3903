"""Time travel over a thread's checkpoints, the LangGraph way.

A thread keeps one checkpoint per finished turn (and, before the first turn,
the empty conversation). The rewind point before turn N is the last checkpoint
of the branch whose `turn` is below N. Invoking the graph from it with a
message forks the thread there; the old branch stays in the history. A branch
is named by its head (a checkpoint nobody continues from).

Reading the history deserializes every checkpoint, so `Timeline` reads it
once, straight from the checkpointer (no state snapshots are built), and
answers both questions (branches, turns of a branch) from that read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from support_agent.core.declaration import turn_of
from support_agent.core.state_view import customer_turns


@dataclass(frozen=True)
class TurnPoint:
    """One customer turn on a branch: where it started, what it said, where it left."""

    number: int
    text: str
    before_id: str  # the "input" checkpoint: state before this turn (rewind / edit here)
    after: dict[str, Any]  # state values once the turn ended


@dataclass(frozen=True)
class Branch:
    head_id: str
    turns: int
    last_text: str
    created_at: str


@dataclass(frozen=True)
class Saved:
    """One checkpoint as the timeline needs it (from our checkpointer or a server's history)."""

    config: dict
    parent_config: dict | None
    values: dict
    created_at: str


def _id(snapshot) -> str:
    return snapshot.config["configurable"]["checkpoint_id"]


def _parent_id(snapshot) -> str | None:
    parent = snapshot.parent_config
    return parent["configurable"]["checkpoint_id"] if parent else None


class Timeline:
    """One read of a thread's history: its branches and the turns of each."""

    def __init__(self, graph, thread_id: str, history: list[Saved] | None = None):
        # The conversation's own checkpoints: agents inside a graph keep theirs
        # under other namespaces. A backend that reads them elsewhere passes `history`.
        if history is None:
            config = {"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}}
            history = [
                Saved(t.config, t.parent_config, t.checkpoint["channel_values"], t.checkpoint["ts"])
                for t in graph.checkpointer.list(config)
            ]
        self.snapshots = {_id(s): s for s in history}
        self.latest_id = _id(history[0]) if history else None  # newest first

    def branches(self) -> list[Branch]:
        """Every branch of the thread, newest first."""
        parents = {_parent_id(s) for s in self.snapshots.values()}
        heads = [s for s in self.snapshots.values() if _id(s) not in parents]
        out = []
        for head in heads:
            said = customer_turns(head.values.get("messages") or [])
            out.append(
                Branch(
                    head_id=_id(head),
                    turns=turn_of(head.values),
                    last_text=said[-1] if said else "",
                    created_at=head.created_at or "",
                )
            )
        return sorted(out, key=lambda b: b.created_at, reverse=True)

    def lineage(self, head_id: str | None = None) -> list:
        """The snapshots of one branch, oldest first (the latest branch by default)."""
        head = head_id or self.latest_id
        chain = []
        while head in self.snapshots:
            chain.append(self.snapshots[head])
            head = _parent_id(self.snapshots[head])
        return chain[::-1]

    def holds(self, head_id: str, checkpoint_id: str) -> bool:
        """Whether the branch ending at `head_id` passes through `checkpoint_id`."""
        return any(_id(s) == checkpoint_id for s in self.lineage(head_id))

    def turns(self, head_id: str | None = None) -> list[TurnPoint]:
        """The branch's turns, each with the checkpoint before it and the state after it."""
        chain = self.lineage(head_id)
        numbers = [turn_of(s.values) for s in chain]
        points = []
        for i, (snapshot, number) in enumerate(zip(chain, numbers, strict=True)):
            # A turn ends at its last checkpoint; it starts after the last one below it.
            if number == 0 or (i + 1 < len(chain) and numbers[i + 1] == number):
                continue
            before = next((j for j in range(i - 1, -1, -1) if numbers[j] < number), None)
            if before is None:
                continue  # no saved point before it (a thread written by an older version)
            after = dict(snapshot.values)
            said = customer_turns(after.get("messages") or [])
            points.append(
                TurnPoint(
                    number=number,
                    text=said[-1] if said else "",
                    before_id=_id(chain[before]),
                    after=after,
                )
            )
        return points


class RecordedTimeline:
    """The same answers as `Timeline`, from the turn points the app recorded
    (`support_agent.features.rewind_points`): no checkpoint is read."""

    def __init__(self, points: list[dict[str, Any]], latest_id: str, state_key: str):
        self.by_after = {p["after_id"]: p for p in points}
        self.latest_id = latest_id
        self.state_key = state_key

    def branches(self) -> list[Branch]:
        continued = {p["before_id"] for p in self.by_after.values()}
        heads = [p for p in self.by_after.values() if p["after_id"] not in continued]
        out = [Branch(p["after_id"], p["turn"], p["text"], p["created_at"]) for p in heads]
        return sorted(out, key=lambda b: b.created_at, reverse=True)

    def holds(self, head_id: str, checkpoint_id: str) -> bool:
        """Whether the branch ending at `head_id` passes through `checkpoint_id` (a turn's
        end; the checkpoint before the first turn counts too)."""
        head = head_id
        while head in self.by_after:
            if checkpoint_id in (head, self.by_after[head]["before_id"]):
                return True
            head = self.by_after[head]["before_id"]
        return head == checkpoint_id

    def turns(self, head_id: str | None = None) -> list[TurnPoint]:
        chain, head = [], head_id or self.latest_id
        while head in self.by_after:
            chain.append(self.by_after[head])
            head = self.by_after[head]["before_id"]
        return [
            TurnPoint(
                number=p["turn"],
                text=p["text"],
                before_id=p["before_id"],
                after={self.state_key: p["step"] or None, "turn": p["turn"]},
            )
            for p in reversed(chain)
        ]


def branch_holding(timeline: Timeline | RecordedTimeline, checkpoint_id: str) -> Branch | None:
    """The newest branch that passes through `checkpoint_id`: where something that
    happened there (a hand-over, say) lives on now. None if no branch does (the
    checkpoint is gone). The latest branch wins when it passes there too."""
    holding = [b for b in timeline.branches() if timeline.holds(b.head_id, checkpoint_id)]
    latest = [b for b in holding if b.head_id == timeline.latest_id]
    return (latest or holding or [None])[0]


def read(
    graph, thread_id: str, recorded: list[dict[str, Any]], latest_id: str, state_key: str
) -> Timeline | RecordedTimeline:
    """The thread's timeline: from recorded turn points when they reach its latest
    checkpoint, else from the history."""
    if any(p["after_id"] == latest_id for p in recorded):
        return RecordedTimeline(recorded, latest_id, state_key)
    return Timeline(graph, thread_id)
