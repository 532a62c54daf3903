"""Time travel over a thread's checkpoints, the LangGraph way.

Every customer turn starts with a checkpoint whose metadata `source` is
"input": the state before that turn. Invoking the graph from such a checkpoint
with a message forks the thread there; the old branch stays in the history.
A branch is named by its head (a checkpoint nobody continues from).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from support_agent.engine import thread_config
from support_agent.history import customer_turns


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


def _id(snapshot) -> str:
    return snapshot.config["configurable"]["checkpoint_id"]


def _parent_id(snapshot) -> str | None:
    parent = snapshot.parent_config
    return parent["configurable"]["checkpoint_id"] if parent else None


def lineage(graph, thread_id: str, head_id: str | None = None) -> list:
    """The snapshots of one branch, oldest first (the latest branch by default)."""
    snapshots = {_id(s): s for s in graph.get_state_history(thread_config(thread_id))}
    if not snapshots:
        return []
    head = head_id or _id(graph.get_state(thread_config(thread_id)))
    chain = []
    while head in snapshots:
        chain.append(snapshots[head])
        head = _parent_id(snapshots[head])
    return chain[::-1]


def turns(graph, thread_id: str, head_id: str | None = None) -> list[TurnPoint]:
    """The branch's turns, each with the checkpoint before it and the state after it."""
    chain = lineage(graph, thread_id, head_id)
    # A fork leaves the old turn's "input" checkpoint directly before the new
    # one; only an input that something ran after starts a turn.
    starts = [
        i
        for i, s in enumerate(chain)
        if s.metadata.get("source") == "input"
        and i + 1 < len(chain)
        and chain[i + 1].metadata.get("source") != "input"
    ]
    points = []
    for number, start in enumerate(starts, start=1):
        end = starts[number] - 1 if number < len(starts) else len(chain) - 1
        after = dict(chain[end].values)
        said = customer_turns(after.get("messages") or [])
        points.append(
            TurnPoint(
                number=int(after.get("turn") or number),
                text=said[-1] if said else "",
                before_id=_id(chain[start]),
                after=after,
            )
        )
    return [p for p in points if p.text or p.after.get("messages")]


def branches(graph, thread_id: str) -> list[Branch]:
    """Every branch of the thread, newest first."""
    snapshots = list(graph.get_state_history(thread_config(thread_id)))
    parents = {_parent_id(s) for s in snapshots}
    heads = [s for s in snapshots if _id(s) not in parents]
    out = []
    for head in heads:
        said = customer_turns(head.values.get("messages") or [])
        out.append(
            Branch(
                head_id=_id(head),
                turns=int(head.values.get("turn") or 0),
                last_text=said[-1] if said else "",
                created_at=head.created_at or "",
            )
        )
    return sorted(out, key=lambda b: b.created_at, reverse=True)
