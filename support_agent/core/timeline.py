"""Time travel over a thread's checkpoints, the LangGraph way: one checkpoint per finished turn
(and the empty conversation before the first); invoking the graph from an earlier one forks the
thread there, and a branch is named by its head. `Timeline` reads the history once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from support_agent.core.declaration import turn_of
from support_agent.core.state_view import customer_turns


@dataclass(frozen=True)
class TurnPoint:
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


def _last_said(values: dict) -> str:
    return "".join(customer_turns(values.get("messages") or [])[-1:])


def _parent_id(snapshot) -> str | None:
    parent = snapshot.parent_config
    return parent["configurable"]["checkpoint_id"] if parent else None


class Timeline:
    def __init__(self, graph, thread_id: str, history: list[Saved] | None = None):
        # The conversation's own checkpoints (agents in a graph keep theirs in other namespaces).
        if history is None:
            config = {"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}}
            history = [
                Saved(t.config, t.parent_config, t.checkpoint["channel_values"], t.checkpoint["ts"])
                for t in graph.checkpointer.list(config)
            ]
        self.snapshots = {_id(s): s for s in history}
        self.latest_id = _id(history[0]) if history else None  # newest first

    def branches(self) -> list[Branch]:
        parents = {_parent_id(s) for s in self.snapshots.values()}
        heads = [s for s in self.snapshots.values() if _id(s) not in parents]
        out = [
            Branch(_id(h), turn_of(h.values), _last_said(h.values), h.created_at or "")
            for h in heads
        ]
        return sorted(out, key=lambda b: b.created_at, reverse=True)

    def lineage(self, head_id: str | None = None) -> list:
        head = head_id or self.latest_id
        chain = []
        while head in self.snapshots:
            chain.append(self.snapshots[head])
            head = _parent_id(self.snapshots[head])
        return chain[::-1]

    def holds(self, head_id: str, checkpoint_id: str) -> bool:
        return any(_id(s) == checkpoint_id for s in self.lineage(head_id))

    def turns(self, head_id: str | None = None) -> list[TurnPoint]:
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
            points.append(TurnPoint(number, _last_said(after), _id(chain[before]), after))
        return points


class RecordedTimeline:
    """The same answers as `Timeline`, from the turn points the app recorded
    (`features.rewind_points`): no checkpoint is read."""

    def __init__(self, points: list[dict[str, Any]], latest_id: str, state_key: str):
        self.by_after = {p["after_id"]: p for p in points}
        self.latest_id, self.state_key = latest_id, state_key

    def branches(self) -> list[Branch]:
        continued = {p["before_id"] for p in self.by_after.values()}
        heads = [p for p in self.by_after.values() if p["after_id"] not in continued]
        out = [Branch(p["after_id"], p["turn"], p["text"], p["created_at"]) for p in heads]
        return sorted(out, key=lambda b: b.created_at, reverse=True)

    def holds(self, head_id: str, checkpoint_id: str) -> bool:
        """Whether the branch ending at `head_id` passes through `checkpoint_id` (a
        turn's end, or the checkpoint before the first turn)."""
        ends = (end for p in self._chain(head_id) for end in (p["after_id"], p["before_id"]))
        return head_id == checkpoint_id or checkpoint_id in ends

    def turns(self, head_id: str | None = None) -> list[TurnPoint]:
        return [
            TurnPoint(
                p["turn"],
                p["text"],
                p["before_id"],
                {self.state_key: p["step"] or None, "turn": p["turn"]},
            )
            for p in reversed(list(self._chain(head_id or self.latest_id)))
        ]

    def _chain(self, head: str) -> Iterator[dict[str, Any]]:
        while head in self.by_after:
            yield self.by_after[head]
            head = self.by_after[head]["before_id"]


def branch_holding(timeline: Timeline | RecordedTimeline, checkpoint_id: str) -> Branch | None:
    """The newest branch through `checkpoint_id` (the latest branch first), or None
    when the checkpoint is gone."""
    holding = [b for b in timeline.branches() if timeline.holds(b.head_id, checkpoint_id)]
    latest = [b for b in holding if b.head_id == timeline.latest_id]
    return (latest or holding or [None])[0]


def read(
    graph, thread_id: str, recorded: list[dict[str, Any]], latest_id: str, state_key: str
) -> Timeline | RecordedTimeline:
    """From recorded turn points when they reach the latest checkpoint, else the history."""
    if any(p["after_id"] == latest_id for p in recorded):
        return RecordedTimeline(recorded, latest_id, state_key)
    return Timeline(graph, thread_id)
