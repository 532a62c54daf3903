"""A conversation turn by turn, for a walkthrough: a saved thread or a scenario file.

A replay is the list of states the conversation was in: `frames[0]` before the
customer's first message (empty, or where a jump started it), `frames[n]` once
turn n ended. Each frame is a whole state (messages, step, facts, history), so
a face can draw the chat up to that turn and the machine as it stood, the move
of that turn included, with the same code that draws a live conversation.

A saved thread's frames come from its checkpoints (`core.timeline`: the latest
branch, one read). A scenario is run first, with the offline model, on a
throwaway in-memory thread through the scenario runner (decisions and all),
then read the same way: nothing is written to the store, and the same file
gives the same walkthrough every time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from support_agent.core.declaration import Workflow
from support_agent.core.timeline import Timeline
from support_agent.features.scenarios.file_format import Scenario
from support_agent.features.scenarios.runner import InProcessTurns, run_scenario
from support_agent.models import OFFLINE, resolve_model


@dataclass(frozen=True)
class Replay:
    workflow: Workflow
    title: str
    frames: list[dict[str, Any]]
    thread_id: str = ""  # the saved thread (its tickets are looked up by it); "" for a scenario
    problem: str = ""  # why the replay stops early (a scenario turn that failed)
    said: list[str] = field(default_factory=list)  # the customer's message of each turn

    @property
    def turns(self) -> int:
        return len(self.frames) - 1


def _frames(graph, thread_id: str) -> tuple[list[dict[str, Any]], list[str]]:
    timeline = Timeline(graph, thread_id)
    points = timeline.turns()
    if not points:
        return [{}], []
    start = dict(timeline.snapshots[points[0].before_id].values)
    return [start, *(p.after for p in points)], [p.text for p in points]


def of_thread(graph, workflow: Workflow, thread_id: str, title: str) -> Replay:
    """A saved thread's latest branch, read from `graph`'s checkpointer."""
    frames, said = _frames(graph, thread_id)
    return Replay(workflow, title, frames, thread_id=thread_id, said=said)


def of_scenario(scenario: Scenario) -> Replay:
    """Run `scenario` with the offline model on a throwaway thread and replay it."""
    kept: list[InProcessTurns] = []
    model = resolve_model(OFFLINE)

    def in_memory(s: Scenario) -> InProcessTurns:
        kept.append(InProcessTurns.fresh(s, model))
        return kept[-1]

    result = run_scenario(scenario, turns=in_memory)
    frames, said = _frames(kept[0].graph, kept[0].thread_id)
    problem = result.error.message if result.error is not None else ""
    return Replay(scenario.spec, scenario.name, frames, problem=problem, said=said)
