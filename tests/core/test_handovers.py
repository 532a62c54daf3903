"""A hand-over to a person is an event of the state machine: drawn, listed, exported.

The Person node comes from the declaration (`Workflow.hand_over`), the hand-over
from the history the conversation keeps, the ticket id from the tickets table.
"""

import json
import re

import pytest

from support_agent.core.declaration import HandOver, WorkflowError, is_handover, is_move
from support_agent.core.diagram import PERSON, dot_source
from support_agent.core.engine import TurnEnd, new_thread_id, run_turn
from support_agent.core.state_view import history_rows
from support_agent.features.exports import as_json, as_markdown
from support_agent.features.scenarios.runner import path_taken
from support_agent.ui.machine_panel import history_lines
from support_agent.workflows import WORKFLOWS
from support_agent.workflows.builders import build_graph
from support_agent.workflows.support import SUPPORT
from tests.helpers import dot, jump_to, send, shown_history, start

ASKS_FOR_A_PERSON = "I want to talk to a real person please"


def hand_over(store, workflow: str, *texts: str):
    """Run `texts` as customer turns on a new thread; the last state and its tickets."""
    flow = WORKFLOWS[workflow]
    graph = build_graph(workflow, "offline", store.checkpointer)
    thread, tickets = new_thread_id(), []
    for text in texts:
        end = list(run_turn(graph, flow, thread, text, stream_tokens=False))[-1]
        assert isinstance(end, TurnEnd), end
        tickets += store.tickets.open_for_turn(flow, thread, "local", end.state)
    return end.state, {t.call_id: t.id for t in tickets}


def person_node(source: str) -> str:
    match = re.search(rf"^\s*{PERSON} \[(.*)\]$", source, re.M)
    assert match, "no Person node in the DOT"
    return match.group(1)


@pytest.mark.parametrize("workflow", list(WORKFLOWS))
def test_every_workflow_that_offers_a_person_draws_one(workflow):
    flow = WORKFLOWS[workflow]
    offered = any(t.name == "escalate_to_human" for s in flow.steps for t in s.tools)
    assert (flow.hand_over is not None) == offered
    if offered:  # quiet and dashed until a hand-over happens; no edge to it yet
        node = person_node(dot_source(flow, {}))
        assert (
            re.search(r'label="?Person"?( |$)', node)
            and "dashed" in node
            and "handed-over" not in node
        )
        assert f"-> {PERSON}" not in dot_source(flow, {})


@pytest.mark.parametrize("workflow", ["support", "handoffs"])
def test_a_hand_over_is_recorded_drawn_listed_and_exported(store, workflow):
    state, tickets = hand_over(store, workflow, "Hello there", ASKS_FOR_A_PERSON)
    flow = WORKFLOWS[workflow]
    [record] = [r for r in state["transitions"] if is_handover(r)]
    raised_at = flow.initial
    assert (record["source"], record["target"], record["turn"]) == (raised_at, raised_at, 2)
    assert record["reason"] == "Customer asked to speak to a person"
    assert not is_move(record)
    assert list(tickets.values()) == ["T-1001"]

    for wide in (False, True):
        source = dot_source(flow, state, wide=wide, tickets=tickets)
        node = person_node(source)
        assert 'label="Person T-1001"' in node and "handed-over" in node
        edge = re.search(rf"^\s*{raised_at} -> {PERSON} \[(.*)\]$", source, re.M)
        assert edge, source
        assert 'class="handover now"' in edge.group(1)
        assert 'tooltip="Customer asked to speak to a person"' in edge.group(1)
        assert "constraint=false" in edge.group(1)  # the machine keeps its layout
    # Before the ticket is known (the turn still running), it says what happened.
    assert 'label="Person\\nhanded over to\\na person"' in person_node(dot_source(flow, state))

    title = flow.step(raised_at).title
    assert history_lines(flow, state, tickets)[0] == (
        f"**Turn 2** · 🙋 {title} → **Person · ticket T-1001**  \n"
        ":small[Customer asked to speak to a person]"
    )
    row = history_rows(flow, state, tickets)[-1]
    assert (row["from"], row["to"], row["tool"]) == (title, "Person · ticket T-1001",
                                                     "escalate_to_human")  # fmt: skip
    markdown = as_markdown(flow, state, thread_id="t", title="t", tickets=tickets)
    assert (
        f"| 2 | {title} | Person · ticket T-1001 | `escalate_to_human` "
        "| Customer asked to speak to a person |"
    ) in markdown
    data = json.loads(as_json(flow, state, thread_id="t", title="t", tickets=tickets))
    assert data["transitions"][-1]["to"] == "Person · ticket T-1001"
    # A scenario's path is the steps the machine went through: a hand-over is none.
    assert path_taken(flow, state) == [flow.initial]


def test_the_latest_hand_over_is_thick_an_earlier_one_quiet(store):
    state, tickets = hand_over(store, "support", ASKS_FOR_A_PERSON, "Thanks, my phone is fine now")
    edge = re.search(rf"-> {PERSON} \[(.*)\]$", dot_source(SUPPORT, state, tickets=tickets), re.M)
    assert "class=handover" in edge.group(1) and "penwidth=2" in edge.group(1)
    assert "T-1001" in person_node(dot_source(SUPPORT, state, tickets=tickets))


def test_the_person_node_counts_tickets_past_two():
    records = [
        {"id": f"handover-c{n}", "turn": n, "source": "warranty_collector",
         "target": "warranty_collector", "tool": "escalate_to_human", "reason": "asked"}
        for n in (1, 2, 3)
    ]  # fmt: skip
    tickets = {"c1": "T-1001", "c2": "T-1002", "c3": "T-1003"}
    node = person_node(dot_source(SUPPORT, {"transitions": records, "turn": 3}, tickets=tickets))
    assert 'label="Person T-1002,\\nT-1003\\n+1 more"' in node
    # One edge per step a hand-over was raised at, not one per hand-over.
    assert dot_source(SUPPORT, {"transitions": records}).count(f"-> {PERSON}") == 1


def test_a_hand_over_nobody_offers_is_refused_at_import():
    from dataclasses import replace

    with pytest.raises(WorkflowError, match=r"hand_over\.call_a_manager: no step offers"):
        replace(SUPPORT, hand_over=HandOver("call_a_manager"))
    with pytest.raises(WorkflowError, match=r"hand_over\.title: empty"):
        replace(SUPPORT, hand_over=HandOver("escalate_to_human", title=" "))


def test_after_a_jump_to_resolution_the_hand_over_shows_its_ticket(monkeypatch, tmp_path):
    """The issue's walkthrough: jump to Resolution, out of warranty, cracked screen."""
    monkeypatch.setenv("HANDOFF_DB_URL", f"sqlite:///{tmp_path / 'app.db'}")
    monkeypatch.delenv("SUPPORT_AGENT_MODEL", raising=False)
    at = start(view="presenter")
    jump_to(at, "resolution_specialist", warranty_status="out_of_warranty", issue_type="hardware")
    send(at, "My screen is cracked")
    source = dot(at)
    assert 'label="Person T-1001"' in person_node(source)
    assert re.search(rf"^\s*resolution_specialist -> {PERSON} \[", source, re.M)
    lines = [line for line in shown_history(at, at.main) if " → **" in line]
    assert lines[0].startswith("**Turn 1** · 🙋 Resolution → **Person · ticket T-1001**")
    assert any("jumped here" in line for line in lines[1:])
