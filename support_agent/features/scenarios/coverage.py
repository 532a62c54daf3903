"""Which steps and declared transitions no scenario reached, per workflow. Every scenario that
ran counts, passed or failed; a jump (a walkthrough started at a step) reaches nothing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from support_agent.core.declaration import Edge, Workflow
from support_agent.core.diagram import path_of
from support_agent.features.scenarios.runner import ScenarioResult
from support_agent.features.thread_titles import plural
from support_agent.workflows import WORKFLOWS


@dataclass
class Coverage:
    workflow: Workflow
    scenarios: int = 0
    steps_reached: set[str] = field(default_factory=set)
    edges_reached: set[Edge] = field(default_factory=set)

    @property
    def steps_missed(self) -> list[str]:
        return [s for s in self.workflow.step_names if s not in self.steps_reached]

    @property
    def edges_missed(self) -> list[Edge]:
        return [e for e in self.workflow.edges() if e not in self.edges_reached]

    @property
    def complete(self) -> bool:
        return not self.steps_missed and not self.edges_missed

    def summary(self) -> str:
        steps, edges = self.workflow.steps, self.workflow.edges()
        head = (
            f"{self.workflow.title}: {len(steps) - len(self.steps_missed)}/{len(steps)} steps, "
            f"{len(edges) - len(self.edges_missed)}/{len(edges)} transitions reached "
            f"by {plural(self.scenarios, 'scenario')}"
        )
        missed = [*(f"step {s}" for s in self.steps_missed), *map(describe_edge, self.edges_missed)]
        return f"{head}; not reached: {', '.join(missed)}" if missed else f"{head} (complete)"


def describe_edge(edge: Edge) -> str:
    return f"{edge.source} → {edge.target} via {edge.tool}"


def coverage(results: Iterable[ScenarioResult]) -> dict[str, Coverage]:
    report: dict[str, Coverage] = {}
    for result in results:
        name = result.scenario.workflow
        cov = report.setdefault(name, Coverage(WORKFLOWS[name]))
        declared = set(cov.workflow.edges())
        visited, traversed = path_of(cov.workflow, result.final_state, jumps=False)
        cov.scenarios += 1
        cov.steps_reached |= visited
        cov.edges_reached |= {Edge(*move) for move in traversed} & declared
    return report
