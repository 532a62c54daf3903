"""The tutorial's workflow, end to end, on the offline model."""

import pytest
from langchain_core.messages import HumanMessage

from support_agent.core.declaration import Edge, is_handover
from support_agent.core.middleware.step_config import StepRequirementError
from support_agent.workflows.support import SUPPORT
from tests.conftest import say, tools_called
from tests.helpers import TUTORIAL


def test_tutorial_four_turns_reach_resolution(agent, thread):
    first = say(agent, thread, TUTORIAL[0])
    assert first.get("current_step") is None  # still at the default first step
    assert tools_called(first) == []
    assert "warranty" in first["messages"][-1].text.lower()

    final = say(agent, thread, *TUTORIAL[1:])
    assert final["current_step"] == "resolution_specialist"
    assert final["warranty_status"] == "in_warranty"
    assert final["issue_type"] == "hardware"
    moves = [(t["source"], t["target"], t["tool"]) for t in final["transitions"]]
    assert moves == [
        ("warranty_collector", "issue_classifier", "record_warranty_status"),
        ("issue_classifier", "resolution_specialist", "record_issue_type"),
    ]
    assert [t["turn"] for t in final["transitions"]] == [2, 2]
    assert final["turn"] == 4
    # The repair was given once; later turns are answered, not re-solved.
    assert sum(t == "provide_solution" for t in tools_called(final, 1)) == 1
    assert tools_called(final) == []


@pytest.mark.parametrize(
    ("turns", "tool", "warranty", "issue", "words"),
    [
        (
            ["My app keeps crashing when I open it", "yes, bought it last month"],
            "provide_solution",
            "in_warranty",
            "software",
            "cache",
        ),
        (
            ["My battery is swollen", "yes it's covered"],
            "provide_solution",
            "in_warranty",
            "hardware",
            "battery",
        ),
        (
            ["The charging port is broken", "nope, expired in March"],
            "escalate_to_human",
            "out_of_warranty",
            "hardware",
            "specialist",
        ),
        (
            ["It's frozen on the logo after the update", "I got it 3 years ago"],
            "provide_solution",
            "out_of_warranty",
            "software",
            "recovery",
        ),
    ],
)
def test_resolution_routes(agent, thread, turns, tool, warranty, issue, words):
    final = say(agent, thread, *turns)
    assert final["current_step"] == "resolution_specialist"
    assert (final["warranty_status"], final["issue_type"]) == (warranty, issue)
    called = tools_called(final)
    assert called[-1] == tool
    other = {"provide_solution", "escalate_to_human"} - {tool}
    assert not other & set(called)
    assert words in final["messages"][-1].text.lower()


def test_unclear_warranty_asks_again(agent, thread):
    final = say(agent, thread, "My screen is cracked", "I think so?")
    assert final.get("current_step") is None
    assert final.get("warranty_status") is None
    assert "receipt" in final["messages"][-1].text.lower()


def test_unclear_issue_asks_for_details(agent, thread):
    final = say(agent, thread, "Hello", "yes it's under warranty", "it's acting weird")
    assert final["current_step"] == "issue_classifier"
    assert final.get("issue_type") is None
    assert final["messages"][-1].response_metadata["act"] in ("clarify", "ask")
    assert "?" in final["messages"][-1].text


def test_correct_warranty_goes_back_and_rerecords(agent, thread):
    say(agent, thread, *TUTORIAL)
    final = say(agent, thread, "Actually, I made a mistake - my device is out of warranty")
    assert tools_called(final) == [
        "go_back_to_warranty",
        "record_warranty_status",
        "record_issue_type",
        "escalate_to_human",
    ]
    assert final["warranty_status"] == "out_of_warranty"
    assert final["current_step"] == "resolution_specialist"
    assert [t["target"] for t in final["transitions"][2:]] == [
        "warranty_collector",
        "issue_classifier",
        "resolution_specialist",
        "resolution_specialist",  # the hand-over, kept at the step it was raised at
    ]
    assert is_handover(final["transitions"][-1])
    assert {t["turn"] for t in final["transitions"][2:]} == {5}


def test_correct_issue_type_goes_back_to_classification(agent, thread):
    say(agent, thread, "my screen is cracked", "yes, under warranty")
    final = say(agent, thread, "sorry, it's actually a software problem, an app keeps crashing")
    assert tools_called(final)[:2] == ["go_back_to_classification", "record_issue_type"]
    assert final["issue_type"] == "software"
    assert tools_called(final)[-1] == "provide_solution"


def test_step_with_missing_facts_is_refused_clearly(agent, thread):
    agent.update_state(thread, {"current_step": "resolution_specialist"})
    with pytest.raises(StepRequirementError) as err:
        agent.invoke({"messages": [HumanMessage("What should I do?")]}, thread)
    assert "warranty_status" in str(err.value) and "Resolution" in str(err.value)


def test_tool_from_another_step_changes_nothing(agent, thread):
    """A model may name any registered tool; a move not offered here is refused."""
    say(agent, thread, "hi")
    state = agent.get_state(thread).values
    tool = SUPPORT.step("issue_classifier").tools[0]

    class Runtime:  # what ToolRuntime carries that `move` reads
        tool_call_id = "call_x"

    Runtime.state = state
    command = tool.func(issue_type="hardware", runtime=Runtime())
    assert "current_step" not in command.update
    assert "not available" in command.update["messages"][0].content


def test_transitions_are_declared_data():
    assert SUPPORT.edges() == [
        Edge("warranty_collector", "issue_classifier", "record_warranty_status"),
        Edge("issue_classifier", "resolution_specialist", "record_issue_type"),
        Edge("issue_classifier", "warranty_collector", "go_back_to_warranty"),
        Edge("resolution_specialist", "warranty_collector", "go_back_to_warranty"),
        Edge("resolution_specialist", "issue_classifier", "go_back_to_classification"),
        Edge("resolution_specialist", "warranty_collector", "start_new_case"),
    ]
