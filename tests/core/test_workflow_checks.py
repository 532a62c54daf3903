"""A workflow declaration is checked when it is created: each mistake is named."""

import ast
from dataclasses import replace
from pathlib import Path

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START

from support_agent.core.declaration import Approval, Handoffs, Move, Workflow, WorkflowError
from support_agent.workflows import WORKFLOWS
from support_agent.workflows.builders import build_graph
from support_agent.workflows.handoffs import HANDOFFS
from support_agent.workflows.support import SUPPORT


def step(name: str, **changes):
    return replace(SUPPORT.step(name), **changes)


def refused(workflow: Workflow, **changes) -> str:
    with pytest.raises(WorkflowError) as caught:
        replace(workflow, **changes)
    return str(caught.value)


def test_every_shipped_workflow_passes_its_checks_and_builds():
    assert {"support", "handoffs"} <= set(WORKFLOWS)
    for workflow in WORKFLOWS.values():
        replace(workflow)  # re-created: checked again
        assert build_graph(workflow, "offline") is not None


def test_no_checkpointer_means_none_as_in_langgraph():
    # A caller that wants memory passes InMemorySaver(); None must not hide one.
    for workflow in WORKFLOWS.values():
        assert build_graph(workflow, "offline").checkpointer is None
        saver = InMemorySaver()
        assert build_graph(workflow, "offline", saver).checkpointer is saver


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"initial": "triage"}, "initial: 'triage' is not a step"),
        (
            {"moves": {**SUPPORT.moves, "record_issue_type": Move("resolution", "x")}},
            "moves.record_issue_type: target 'resolution' is not a step",
        ),
        (
            {"moves": {**SUPPORT.moves, "refund": Move("resolution_specialist", "refunded")}},
            "moves.refund: no step offers this tool",
        ),
        (
            {"moves": {**SUPPORT.moves, "start_new_case": Move("warranty_collector", " ")}},
            "moves.start_new_case.label: empty",
        ),
        (
            {
                "moves": {
                    **SUPPORT.moves,
                    "record_issue_type": Move("resolution_specialist", "x", "as {colour}"),
                }
            },
            "moves.record_issue_type.because: {colour} is not a recorded fact",
        ),
        ({"state_key": "stage"}, "state_key: 'stage' is not a key of SupportState"),
        ({"tool_labels": {}}, "tool_labels: escalate_to_human has no words for people"),
        ({"offline_rules": None}, "offline_rules: needs the OfflineRules"),
        (
            {"approvals": (Approval("issue_refund", "Refund this order?", "refund requested"),)},
            "approvals.issue_refund: no step offers this tool",
        ),
        (
            {"approvals": (Approval("escalate_to_human", " ", "hand-over requested"),)},
            "approvals.escalate_to_human.question: empty",
        ),
        (
            {"approvals": (Approval("escalate_to_human", "Hand over?", " "),)},
            "approvals.escalate_to_human.request: empty",
        ),
        (
            {
                "approvals": (
                    Approval("record_issue_type", "Record it?", "asked", editable="colour"),
                )
            },
            "approvals.record_issue_type.editable: record_issue_type has no text argument 'colour'",
        ),
    ],
)
def test_a_broken_declaration_fails_with_the_workflow_and_field_named(changes, named):
    message = refused(SUPPORT, **changes)
    assert message.startswith("workflow support: ")
    assert named in message


def test_step_mistakes_are_named_by_step():
    steps = (
        step("warranty_collector", prompt="Hello {customer_name}"),
        step("issue_classifier", prompt="  "),
        step("resolution_specialist", requires=("warranty", "issue_type")),
    )
    message = refused(SUPPORT, steps=steps)
    assert "steps.warranty_collector.prompt: {customer_name} is filled by no state key" in message
    assert "steps.issue_classifier.prompt: empty" in message
    assert "steps.resolution_specialist.requires: 'warranty' is not a state key" in message


def test_a_step_no_move_reaches_is_refused():
    cut = {k: v for k, v in SUPPORT.moves.items() if k != "record_issue_type"}
    labels = {**SUPPORT.tool_labels, "record_issue_type": "issue classified"}
    message = refused(SUPPORT, moves=cut, tool_labels=labels)
    assert "steps.resolution_specialist: no move reaches it from 'warranty_collector'" in message


def test_a_graph_of_agents_needs_a_working_transfer_limit_and_note():
    message = refused(HANDOFFS, handoffs=Handoffs(max_transfers=0, note="From {agent}"))
    assert "handoffs.max_transfers: must be at least 1" in message
    assert "handoffs.note: {agent} is not one of {source}, {reason}" in message


def test_the_builder_is_chosen_from_the_declaration():
    one_agent = build_graph(SUPPORT, "offline")
    agents = build_graph(HANDOFFS, "offline")
    assert set(agents.nodes) >= set(HANDOFFS.step_names)  # each agent is a node
    assert not set(one_agent.nodes) & set(SUPPORT.step_names)  # steps live in state
    with pytest.raises(ValueError, match="no transfer limit"):
        build_graph(SUPPORT, "offline", max_transfers=1)


def test_a_graph_of_agents_needs_the_state_keys_its_builder_reads():
    from support_agent.workflows.support import SupportState

    message = refused(HANDOFFS, state_schema=SupportState)
    assert "state_key: 'active_agent' is not a key of SupportState" in message
    assert "state_schema: SupportState needs a 'handoff_limited' key" in message


def test_a_tool_may_not_take_the_name_jumps_use():
    from support_agent.workflows.support import provide_solution

    jump = provide_solution.model_copy(update={"name": "jump"})
    last = step("resolution_specialist", tools=(jump, *SUPPORT.step("resolution_specialist").tools))
    labels = {**SUPPORT.tool_labels, "jump": "jumped"}
    steps = (*SUPPORT.steps[:2], last)
    assert "tools.jump: the name is kept for jumps" in refused(
        SUPPORT, steps=steps, tool_labels=labels
    )


def test_graph_endpoints_are_langgraphs_constants_not_strings():
    package = Path(__file__).resolve().parents[2] / "support_agent"
    spelled = [
        f"{path.relative_to(package)}:{node.lineno}"
        for path in sorted(package.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and node.value in {START, END}
    ]
    assert spelled == []


def test_the_step_middleware_owns_turn_and_transitions():
    from typing import get_type_hints

    from support_agent.core.middleware.step_config import StepConfigMiddleware

    assert {"turn", "transitions"} <= set(get_type_hints(StepConfigMiddleware.state_schema))
    for workflow in WORKFLOWS.values():  # inherited from the middleware's StepState
        assert {"turn", "transitions"} <= set(get_type_hints(workflow.state_schema))
