"""The state machine as Graphviz, drawn from the workflow declaration and a state.

Node ids are step names; nothing is told by colour alone, and every label reads at 4.5:1
(test_diagram_contrast). All text goes through `dot_text` (via `_node` / `_edge`). The layout
uses `st.graphviz_chart`'s fixed 9.6 px font with short wrapped lines, because the chart
scales the drawing to its column and the widest label limits how far it is enlarged.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import graphviz
from langgraph.graph import END, START

from support_agent.core.declaration import (
    JUMP,
    WITHDRAW,
    Workflow,
    handover_call,
    is_decision,
    is_handover,
    is_jump,
    is_move,
    turn_of,
)
from support_agent.core.state_view import customer_turns

ACTIVE_FILL = "#2563eb"  # white text on it at 5.2:1 (WCAG AA asks 4.5:1)
# Above the active title: a line of its own costs no size (the drawings are width-bound).
NOW_MARK = "▶ now"
VISITED_FILL = "#dbeafe"
TRAVERSED = "#1d4ed8"
PATH = "#93b4ea"  # edges taken before the latest move
IDLE = "#94a3b8"
APPROVED, REJECTED, WAITING = "#166534", "#b91c1c", "#92400e"  # 4.5:1 on the sidebar grey
GREYED = "#cbd5e1"
GREYED_TEXT = "#475569"  # 7:1 on its fill: the dashed border says "out of reach"
HANDED = "#6d28d9"  # white text on it at 6.7:1
PERSON = "person"  # the Person node's id (no step may take it: see `state_machine`)
SHOWN_TICKETS = 2  # ticket ids on the Person node; more are counted
FONT = "9.6"  # what st.graphviz_chart draws text at, in drawing units
# Inches: the sidebar's column, and the presenter's at 1280 px, each fitting a 720 px screen.
SIDEBAR_SIZE = "3.5,3.1!"
WIDE_SIZE = "6.8,2.5!"


def path_of(
    workflow: Workflow, state: dict, *, jumps: bool = True
) -> tuple[set[str], set[tuple[str, str, str]]]:
    """Steps visited and (source, target, tool) edges traversed; without `jumps`, only
    moves the agent made count (coverage)."""
    records = [r for r in state.get("transitions") or [] if is_move(r) or (jumps and is_jump(r))]
    visited = {workflow.initial} | {r["source"] for r in records} | {r["target"] for r in records}
    traversed = {(r["source"], r["target"], r["tool"]) for r in records}
    return visited, traversed


def last_move(state: dict) -> tuple[str, str, str] | None:
    records = [r for r in state.get("transitions") or [] if is_move(r) or is_jump(r)]
    if not records or records[-1].get("turn") != turn_of(state):
        return None
    r = records[-1]
    return r["source"], r["target"], r["tool"]


def state_machine(
    workflow: Workflow,
    state: dict | None = None,
    *,
    wide: bool = False,
    waiting: str = "",
    tickets: Mapping[str, str] | None = None,
) -> graphviz.Digraph:
    """A `graphviz.Digraph` of `workflow` where `state` stands; `waiting` names a gated
    tool paused at, `tickets` maps a hand-over's tool call id to its ticket."""
    state = state or {}
    active = workflow.current(state)
    traversed = path_of(workflow, state)[1]
    just = last_move(state)

    dot = graphviz.Digraph(workflow.name)
    dot.attr(size=WIDE_SIZE if wide else SIDEBAR_SIZE)
    dot.attr(rankdir="LR" if wide else "TB", bgcolor="transparent", nodesep="0.25",
             ranksep="0.45" if wide else "0.3", pad="0.05")  # fmt: skip
    dot.attr("node", shape="box", style="rounded,filled", fontname="Helvetica",
             fontsize=FONT, margin="0.1,0.05")  # fmt: skip
    dot.attr("edge", fontname="Helvetica", fontsize=FONT, color=IDLE, fontcolor="#475569",
             arrowsize="0.8")  # fmt: skip

    _steps(dot, workflow, state, active, wide)
    for edge in workflow.edges():
        move = (edge.source, edge.target, edge.tool)
        style = _edge_style(move in traversed, move == just)
        hover = f"tool: {edge.tool}"
        label = workflow.tool_label(edge.tool)
        _edge(dot, edge.source, edge.target, label=_wrap(label),
                 tooltip=hover, labeltooltip=hover, **style)  # fmt: skip
    _jumps(dot, workflow, state, just)
    _decisions(dot, workflow, state, active, waiting)
    _person(dot, workflow, state, tickets or {})
    return dot


def _steps(dot: graphviz.Digraph, workflow: Workflow, state: dict, active: str, wide: bool):
    visited, reachable = path_of(workflow, state)[0], workflow.reachable_from(active)
    if workflow.graph_endpoints:
        _node(dot, START, "START", shape="circle", style="filled", fillcolor="#0f172a",
                 fontcolor="white", fontsize=FONT, width="0.55", fixedsize="true")  # fmt: skip
    with dot.subgraph(name="steps") as steps:
        if workflow.graph_endpoints and not wide:  # peers: side by side, START above, END below
            steps.attr(rank="same")
        for step in workflow.steps:
            style = _node_style(step.name, active, visited, reachable)
            title = _wrap(step.title, 13)
            if step.name == active:
                title = [NOW_MARK, *title]
            _node(steps, step.name, title, **style)
    if workflow.graph_endpoints:
        _node(dot, END, "END", shape="doublecircle", style="filled", fillcolor="#0f172a",
                 fontcolor="white", fontsize=FONT, width="0.5", fixedsize="true")  # fmt: skip
        started = bool(customer_turns(state.get("messages") or []))
        _edge(dot, START, workflow.initial, tooltip="each turn starts with the active agent",
                 **_edge_style(started))  # fmt: skip
        for step in workflow.steps:
            _edge(dot, step.name, END, style="dashed", tooltip="answered: the turn ends")


def handovers(state: dict) -> list[dict]:
    return [r for r in state.get("transitions") or [] if is_handover(r)]


def _person(dot: graphviz.Digraph, workflow: Workflow, state: dict, tickets: Mapping[str, str]):
    """The person handed over to, beside the last step: dashed until a hand-over, then lit
    with its tickets; its edges don't constrain the layout, so the machine keeps its shape."""
    if workflow.hand_over is None:
        return
    records = handovers(state)
    ids = [tickets[handover_call(r)] for r in records if handover_call(r) in tickets]
    label = [workflow.hand_over.title]
    if ids:
        more = len(ids) - SHOWN_TICKETS
        label = [f"{label[0]} {', '.join(ids[-SHOWN_TICKETS:])}"]
        label += [f"+{more} more"] if more > 0 else []
    elif records:
        label += [workflow.tool_label(workflow.hand_over.tool)]
    hover = f"tool: {workflow.hand_over.tool}"
    style = (
        {"fillcolor": HANDED, "fontcolor": "white", "color": HANDED, "penwidth": "3",
         "fontname": "Helvetica-Bold", "class": "person handed-over"}
        if records
        else {"fillcolor": "white", "color": IDLE, "fontcolor": "#475569", "style": "rounded,dashed",
              "class": "person"}
    )  # fmt: skip
    with dot.subgraph(name="person") as beside:  # beside the last step, in either shape
        beside.attr(rank="same")
        beside.node(workflow.steps[-1].name)
        lines = [part for line in label for part in _wrap(line, 14)]
        _node(beside, PERSON, lines, shape="box", tooltip=hover, **style)
    turn = turn_of(state)
    for source, record in {r["source"]: r for r in records}.items():
        now = record.get("turn") == turn
        why = record.get("reason") or workflow.tool_label(record["tool"])
        _edge(dot, source, PERSON, color=HANDED, fontcolor=HANDED,
                 penwidth="4" if now else "2", constraint="false", tooltip=why,
                 labeltooltip=why, **{"class": "handover now" if now else "handover"})  # fmt: skip


def _decisions(dot: graphviz.Digraph, workflow: Workflow, state: dict, active: str, waiting: str):
    """Each step's latest decision as a loop (green approved, red rejected or withdrawn),
    and a pause as an amber dashed loop on the active step."""
    latest = {r["source"]: r for r in state.get("transitions") or [] if is_decision(r)}
    turn = turn_of(state)
    for step, record in latest.items():
        if waiting and step == active:
            continue  # the pause is the news at this step
        outcome = {"reject": "rejected", WITHDRAW: "withdrawn"}.get(record["decision"], "approved")
        colour = APPROVED if outcome == "approved" else REJECTED
        now = record.get("turn") == turn
        _edge(dot, step, step, label=f"✋ {outcome}", color=colour, fontcolor=colour,
                 penwidth="3" if now else "2", tooltip=record.get("reason", ""),
                 labeltooltip=record.get("reason", ""),
                 **{"class": f"approval {outcome}"})  # fmt: skip
    if waiting:
        approval = workflow.approval(waiting)
        asked = approval.question if approval else workflow.tool_label(waiting)
        _edge(dot, active, active, label=_wrap("✋ waiting for a person", 14), color=WAITING,
                 fontcolor=WAITING, style="dashed", penwidth="3", tooltip=asked,
                 labeltooltip=asked, fontname="Helvetica-Bold",
                 **{"class": "approval waiting"})  # fmt: skip


def _jumps(dot: graphviz.Digraph, workflow: Workflow, state: dict, just) -> None:
    """Jumps as dotted edges outside the layout: they are no move of the machine."""
    records = [r for r in state.get("transitions") or [] if is_jump(r)]
    hover = "a jump for a walkthrough: no tool made this move"
    for source, target in dict.fromkeys((r["source"], r["target"]) for r in records):
        latest = (source, target, JUMP) == just
        style = (
            {"color": ACTIVE_FILL, "fontcolor": ACTIVE_FILL, "penwidth": "3",
             "class": "jump just-moved"}
            if latest
            else {"color": PATH, "fontcolor": TRAVERSED, "penwidth": "2", "class": "jump"}
        )  # fmt: skip
        _edge(dot, source, target, label=_wrap(workflow.tool_label(JUMP)), style="dotted",
                 constraint="false", tooltip=hover, labeltooltip=hover, **style)  # fmt: skip


def _wrap(label: str, width: int = 10) -> list[str]:
    lines: list[str] = []
    for word in label.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


_LABELS = frozenset({"label", "xlabel", "headlabel", "taillabel"})
# Graphviz reads a tooltip's escapes twice (as an escString, again writing the SVG).
_TOOLTIPS = frozenset({"tooltip", "labeltooltip", "edgetooltip", "headtooltip", "tailtooltip"})
# Not allowed in XML 1.0: the SVG would not load.
_NOT_XML = frozenset({"\ufffe", "\uffff"})


def dot_text(text: str | Sequence[str], *, tooltip: bool = False) -> str:
    """Text (or lines) as a DOT value that shows exactly it: backslashes doubled (twice for
    a tooltip), `&` as `&amp;`, characters the SVG can't hold as spaces, marked not-HTML."""
    lines = [text] if isinstance(text, str) else list(text)
    backslash = "\\" * (4 if tooltip else 2)
    return graphviz.nohtml("\\n".join(_escaped_line(line, backslash) for line in lines))


def _escaped_line(text: str, backslash: str) -> str:
    text = str(text).encode("utf-8", "replace").decode("utf-8")  # lone surrogates → "?"
    shown = "".join(" " if unicodedata.category(c) == "Cc" or c in _NOT_XML else c for c in text)
    return " ".join(shown.split()).replace("\\", backslash).replace("&", "&amp;")


def _text_attrs(attrs: dict) -> dict:
    return {
        k: dot_text(v, tooltip=k in _TOOLTIPS) if k in _LABELS | _TOOLTIPS else v
        for k, v in attrs.items()
    }


def _node(dot: graphviz.Digraph, name: str, label: str | Sequence[str], **attrs) -> None:
    dot.node(name, **_text_attrs({"label": label, **attrs}))


def _edge(dot: graphviz.Digraph, tail: str, head: str, **attrs) -> None:
    dot.edge(tail, head, **_text_attrs(attrs))


def _node_style(name: str, active: str, visited: Iterable[str], reachable: set[str]) -> dict:
    if name == active:  # the mark (see NOW_MARK), bold, the thickest border: not colour alone
        return {"fillcolor": ACTIVE_FILL, "fontcolor": "white", "color": "#1e3a8a",
                "penwidth": "3", "fontname": "Helvetica-Bold",
                "class": "active", "tooltip": "the active step: the conversation is here now"}  # fmt: skip
    if name not in reachable:
        return {"fillcolor": "#f1f5f9", "fontcolor": GREYED_TEXT, "color": GREYED,
                "style": "rounded,filled,dashed"}  # fmt: skip
    if name in visited:
        return {"fillcolor": VISITED_FILL, "color": TRAVERSED, "penwidth": "2"}
    return {"fillcolor": "white", "color": IDLE}


def _edge_style(taken: bool, just: bool = False) -> dict:
    if just:  # what the audience just saw happen
        return {"color": ACTIVE_FILL, "penwidth": "4", "fontcolor": ACTIVE_FILL,
                "fontname": "Helvetica-Bold", "class": "taken just-moved"}  # fmt: skip
    if taken:
        return {"color": PATH, "penwidth": "2", "fontcolor": TRAVERSED, "class": "taken"}
    return {}


def dot_source(workflow: Workflow, state: dict | None = None, **options: Any) -> str:
    return state_machine(workflow, state, **options).source
