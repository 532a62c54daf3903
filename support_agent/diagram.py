"""The state machine as Graphviz, drawn from the workflow declaration and a state.

Node ids are the step names, so tests (and people reading the DOT) can find
`warranty_collector`; labels are the readable titles. The active step is
filled, the path taken so far is marked, steps that can no longer be reached
are greyed.
"""

from __future__ import annotations

from collections.abc import Iterable

import graphviz

from support_agent.workflow import Workflow

ACTIVE_FILL = "#2563eb"
VISITED_FILL = "#dbeafe"
TRAVERSED = "#1d4ed8"
IDLE = "#94a3b8"
GREYED = "#cbd5e1"
START, END = "__start__", "__end__"


def path_of(workflow: Workflow, state: dict) -> tuple[set[str], set[tuple[str, str, str]]]:
    """Steps visited and (source, target, tool) edges traversed, from the history."""
    records = state.get("transitions") or []
    visited = {workflow.initial} | {r["source"] for r in records} | {r["target"] for r in records}
    traversed = {(r["source"], r["target"], r["tool"]) for r in records}
    return visited, traversed


def state_machine(workflow: Workflow, state: dict | None = None) -> graphviz.Digraph:
    """A `graphviz.Digraph` of `workflow`, highlighting where `state` stands."""
    state = state or {}
    active = workflow.current(state)
    visited, traversed = path_of(workflow, state)
    reachable = workflow.reachable_from(active)

    dot = graphviz.Digraph(workflow.name)
    dot.attr(rankdir="TB", bgcolor="transparent", nodesep="0.4", ranksep="0.5")
    dot.attr("node", shape="box", style="rounded,filled", fontname="Helvetica", fontsize="12")
    dot.attr("edge", fontname="Helvetica", fontsize="9", color=IDLE, fontcolor="#475569")

    if workflow.graph_endpoints:
        dot.node(START, "START", shape="circle", style="filled", fillcolor="#0f172a",
                 fontcolor="white", fontsize="9", width="0.6", fixedsize="true")  # fmt: skip
    for step in workflow.steps:
        dot.node(step.name, step.title, **_node_style(step.name, active, visited, reachable))
    if workflow.graph_endpoints:
        dot.node(END, "END", shape="doublecircle", style="filled", fillcolor="#0f172a",
                 fontcolor="white", fontsize="9", width="0.5", fixedsize="true")  # fmt: skip
        started = bool(state.get("messages"))
        dot.edge(START, workflow.initial, label="default", **_edge_style(started))
        for step in workflow.steps:
            dot.edge(step.name, END, style="dashed", label="no transfer")

    for edge in workflow.edges():
        taken = (edge.source, edge.target, edge.tool) in traversed
        dot.edge(edge.source, edge.target, label=edge.tool, **_edge_style(taken))
    return dot


def _node_style(name: str, active: str, visited: Iterable[str], reachable: set[str]) -> dict:
    if name == active:
        return {"fillcolor": ACTIVE_FILL, "fontcolor": "white", "color": "#1e3a8a",
                "penwidth": "3", "fontname": "Helvetica-Bold"}  # fmt: skip
    if name not in reachable:
        return {"fillcolor": "#f1f5f9", "fontcolor": IDLE, "color": GREYED}
    if name in visited:
        return {"fillcolor": VISITED_FILL, "color": TRAVERSED, "penwidth": "2"}
    return {"fillcolor": "white", "color": IDLE}


def _edge_style(taken: bool) -> dict:
    return {"color": TRAVERSED, "penwidth": "2.5", "fontcolor": TRAVERSED} if taken else {}


def dot_source(workflow: Workflow, state: dict | None = None) -> str:
    return state_machine(workflow, state).source
