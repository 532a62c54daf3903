"""A saved thread or a scenario file turn by turn, for a walkthrough: `frames[n]` is the whole
state once turn n ended, drawn by the code that draws a live conversation."""

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
    frames, said = _frames(graph, thread_id)
    return Replay(workflow, title, frames, thread_id=thread_id, said=said)


def of_scenario(scenario: Scenario) -> Replay:
    """`scenario` run with the offline model on a throwaway thread: the same every time."""
    talk = InProcessTurns.fresh(scenario, resolve_model(OFFLINE))
    result = run_scenario(scenario, turns=lambda _scenario: talk)
    frames, said = _frames(talk.graph, talk.thread_id)
    problem = result.error.message if result.error is not None else ""
    return Replay(scenario.spec, scenario.name, frames, problem=problem, said=said)
