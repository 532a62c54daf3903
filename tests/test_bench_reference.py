"""The turn-cost reference is the tutorial's agent doing the tutorial's work."""

import sys

from langchain_core.messages import HumanMessage

from tests.browser import ROOT
from tests.helpers import TUTORIAL

sys.path.insert(0, str(ROOT / "bench"))
from tutorial_agent import tutorial_agent  # noqa: E402


def test_the_tutorials_agent_reaches_resolution_on_the_tutorials_turns():
    agent = tutorial_agent()
    config = {"configurable": {"thread_id": "reference"}}
    for text in TUTORIAL:
        state = agent.invoke({"messages": [HumanMessage(text)]}, config)
    assert (state["current_step"], state["warranty_status"], state["issue_type"]) == (
        "resolution_specialist",
        "in_warranty",
        "hardware",
    )
    assert [m.name for m in state["messages"] if m.type == "tool"][:2] == [
        "record_warranty_status",
        "record_issue_type",
    ]
