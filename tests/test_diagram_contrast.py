"""Every text on the state-machine diagram is readable: WCAG contrast ≥ 4.5:1.

The colours are read from what Graphviz makes of the DOT the app emits
(`dot -Tjson`, so node and edge defaults are applied as Graphviz applies them),
in every state a label can be drawn in: idle, visited, active, out of reach,
a move taken, the move just made, a jump, a person's decision (approved,
rejected, waiting), a hand-over. A label on a filled node is measured against
its fill; any other label against what shows through the transparent drawing:
the page (white) and the sidebar (Streamlit's light grey).
"""

from __future__ import annotations

import json

import graphviz
import pytest

from support_agent.core import diagram
from support_agent.core.declaration import (
    APPROVAL_ID_PREFIX,
    HANDOVER_ID_PREFIX,
    JUMP,
    JUMP_ID_PREFIX,
    Workflow,
)
from support_agent.workflows import WORKFLOWS

AA = 4.5  # WCAG 2.x, level AA, normal-size text
PAGE, SIDEBAR = "#ffffff", "#f0f2f6"  # Streamlit's light theme: main area, sidebar
NAMED = {"white": "#ffffff", "black": "#000000"}


def luminance(colour: str) -> float:
    """WCAG relative luminance of a #rrggbb colour (or one of the names above)."""
    colour = NAMED.get(colour.lower(), colour)
    assert colour.startswith("#") and len(colour) == 7, f"colour the test can't read: {colour}"
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_contrast_formula_matches_wcag_reference_values():
    assert contrast("black", "white") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


def labels(source: str) -> list[tuple[str, str, list[str]]]:
    """(what, text colour, backgrounds) of every labelled node and edge Graphviz lays out."""
    laid = json.loads(graphviz.Source(source).pipe(format="json").decode())
    found = []
    for node in laid.get("objects", []):
        if "nodes" in node or not node.get("label"):  # a subgraph, or no text
            continue
        filled = "filled" in node.get("style", "")
        behind = [node["fillcolor"]] if filled else [PAGE, SIDEBAR]
        found.append((f"node {node['name']}", node.get("fontcolor", "black"), behind))
    names = {o["_gvid"]: o["name"] for o in laid.get("objects", [])}
    for edge in laid.get("edges", []):
        if edge.get("label"):
            what = f"edge {names[edge['tail']]} -> {names[edge['head']]} ({edge['label']!r})"
            found.append((what, edge.get("fontcolor", "black"), [PAGE, SIDEBAR]))
    return found


def _record(kind: str, n: int, source: str, target: str, tool: str, **more) -> dict:
    prefix = {"move": "call-", "jump": JUMP_ID_PREFIX, "decision": APPROVAL_ID_PREFIX,
              "handover": HANDOVER_ID_PREFIX}[kind]  # fmt: skip
    return {"id": f"{prefix}{n}", "turn": n, "source": source, "target": target, "tool": tool,
            "reason": f"{kind} {n}", **more}  # fmt: skip


def states(flow: Workflow) -> list[tuple[str, dict, str]]:
    """(name, state, waiting tool) covering each way a label can be drawn."""
    first, edges = flow.initial, flow.edges()
    out = [e for e in edges if e.source == first][0]
    back = [e for e in edges if e.source == out.target][0]
    moved = [_record("move", 1, out.source, out.target, out.tool),
             _record("move", 2, back.source, back.target, back.tool)]  # fmt: skip
    gated = flow.approvals[0].tool
    decided = [_record("decision", 3, back.target, back.target, gated, decision="approve"),
               _record("decision", 3, out.target, out.target, gated, decision="reject")]  # fmt: skip
    handed = _record("handover", 3, back.target, back.target, flow.hand_over.tool)
    jumped = _record("jump", 0, first, out.target, JUMP)
    return [
        ("fresh", {}, ""),
        ("moved twice, the latest just now", {"transitions": moved, "turn": 2}, ""),
        ("moved earlier", {"transitions": moved, "turn": 3}, ""),
        ("jumped", {"transitions": [jumped], "turn": 0}, ""),
        ("decisions", {"transitions": [*moved, *decided], "turn": 3}, ""),
        ("waiting for a person", {"transitions": moved, "turn": 2}, gated),
        ("handed over", {"transitions": [*moved, handed], "turn": 3, "messages": []}, ""),
    ]


CASES = [(name, *case) for name in WORKFLOWS for case in states(WORKFLOWS[name])]


@pytest.mark.parametrize("wide", [False, True], ids=["sidebar", "presenter"])
@pytest.mark.parametrize(("workflow", "case", "state", "waiting"), CASES)
def test_every_label_on_the_diagram_has_aa_contrast(workflow, case, state, waiting, wide):
    flow = WORKFLOWS[workflow]
    tickets = {f"{n}": f"T-100{n}" for n in range(5)}
    source = diagram.dot_source(flow, state, wide=wide, waiting=waiting, tickets=tickets)
    found = labels(source)
    assert any(what.startswith("node ") for what, _c, _b in found)
    assert any(what.startswith("edge ") for what, _c, _b in found)
    for what, colour, behind in found:
        for fill in behind:
            ratio = contrast(colour, fill)
            assert ratio >= AA, f"{workflow}, {case}: {what}: {colour} on {fill} is {ratio:.2f}:1"


def test_steps_out_of_reach_are_readable_too(monkeypatch):
    """No shipped workflow strands a step; a declaration may, so draw it as if one did."""
    flow = WORKFLOWS["support"]
    monkeypatch.setattr(Workflow, "reachable_from", lambda self, start: {start})
    found = dict((what, (c, b)) for what, c, b in labels(diagram.dot_source(flow, {})))
    colour, behind = found["node issue_classifier"]
    assert behind == ["#f1f5f9"] and contrast(colour, behind[0]) >= AA


def test_the_active_step_is_told_apart_by_more_than_colour():
    """The mark ▶ now above its title, bold text, the thickest border: same in greyscale."""
    flow = WORKFLOWS["support"]
    for step in flow.steps:
        laid = json.loads(
            graphviz.Source(diagram.dot_source(flow, {flow.state_key: step.name})).pipe(
                format="json"
            )
        )
        nodes = {o["name"]: o for o in laid["objects"] if "nodes" not in o}
        active = nodes[step.name]
        assert active["label"].split("\\n")[0] == diagram.NOW_MARK
        assert active["fontname"].endswith("Bold") and float(active["penwidth"]) >= 3
        for other in flow.steps:
            if other.name != step.name:
                node = nodes[other.name]
                assert diagram.NOW_MARK not in node["label"]
                assert not node.get("fontname", "").endswith("Bold")
                assert float(node.get("penwidth", "1")) < 3
