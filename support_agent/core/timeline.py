"""Time travel over a thread's checkpoints, the LangGraph way: one checkpoint per finished turn
(and the empty conversation before the first); invoking the graph from an earlier one forks the
thread there, and a branch is named by its head. `Timeline` reads the history once.
"""

from __future__ import annotations

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
    text: str | None = None  # the customer's last words, when not read from `values`


def _id(snapshot) -> str:
    return snapshot.config["configurable"]["checkpoint_id"]


def _last_said(snapshot: Saved) -> str:
    if snapshot.text is not None:
        return snapshot.text
    return "".join(customer_turns(snapshot.values.get("messages") or [])[-1:])


def _parent_id(snapshot) -> str | None:
    parent = snapshot.parent_config
    return parent["configurable"]["checkpoint_id"] if parent else None


class Timeline:
    def __init__(
        self, graph, thread_id: str, history: list[Saved] | None = None, latest_id: str = ""
    ):
        # The conversation's own checkpoints (agents in a graph keep theirs in other namespaces).
        if history is None:
            config = {"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}}
            history = [
                Saved(t.config, t.parent_config, t.checkpoint["channel_values"], t.checkpoint["ts"])
                for t in graph.checkpointer.list(config)
            ]
        self.snapshots = {_id(s): s for s in history}
        self.latest_id = latest_id or (_id(history[0]) if history else None)  # newest first

    def branches(self) -> list[Branch]:
        parents = {_parent_id(s) for s in self.snapshots.values()}
        heads = [s for s in self.snapshots.values() if _id(s) not in parents]
        out = [Branch(_id(h), turn_of(h.values), _last_said(h), h.created_at or "") for h in heads]
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
            points.append(TurnPoint(number, _last_said(snapshot), _id(chain[before]), after))
        return points


class RecordedTimeline(Timeline):
    """A `Timeline` of the turn points the app recorded (`features.rewind_points`): no
    checkpoint is read. The checkpoints before the first turns are its roots."""

    def __init__(self, points: list[dict[str, Any]], latest_id: str, state_key: str):
        def config(checkpoint_id: str) -> dict:
            return {"configurable": {"checkpoint_id": checkpoint_id}}

        history = [
            Saved(
                config(p["after_id"]),
                config(p["before_id"]),
                {state_key: p["step"] or None, "turn": p["turn"]},
                p["created_at"],
                p["text"],
            )
            for p in points
        ]
        roots = {p["before_id"] for p in points} - {p["after_id"] for p in points}
        history += [Saved(config(root), None, {"turn": 0}, "") for root in roots]
        super().__init__(None, "", history, latest_id)


def branch_holding(timeline: Timeline, checkpoint_id: str) -> Branch | None:
    """The newest branch through `checkpoint_id` (the latest branch first), or None
    when the checkpoint is gone."""
    holding = [b for b in timeline.branches() if timeline.holds(b.head_id, checkpoint_id)]
    latest = [b for b in holding if b.head_id == timeline.latest_id]
    return (latest or holding or [None])[0]


def read(
    graph, thread_id: str, recorded: list[dict[str, Any]], latest_id: str, state_key: str
) -> Timeline:
    """From recorded turn points when they reach the latest checkpoint, else the history."""
    if any(p["after_id"] == latest_id for p in recorded):
        return RecordedTimeline(recorded, latest_id, state_key)
    return Timeline(graph, thread_id)
