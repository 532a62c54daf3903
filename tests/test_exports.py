"""Exports name every speaker as the chat does."""

from langchain_core.messages import AIMessage, HumanMessage

from support_agent.exports import as_markdown
from support_agent.tickets import HUMAN_AGENT
from support_agent.workflows.handoffs import HANDOFFS


def test_markdown_names_agents_by_step_and_a_person_as_the_support_team():
    state = {
        "active_agent": "support_agent",
        "messages": [
            HumanMessage("I can't log in", id="h1"),
            AIMessage("Let's get you signed in.", name="support_agent", id="a1"),
            AIMessage("Hi, I've reset your account.", name=HUMAN_AGENT, id="p1"),
        ],
    }
    markdown = as_markdown(HANDOFFS, state, thread_id="t1", title="Login")
    assert "**Customer**: I can't log in" in markdown
    assert "**Agent (Support agent)**: Let's get you signed in." in markdown
    assert "**Support team**: Hi, I've reset your account." in markdown
    assert "human_agent" not in markdown and "support_agent" not in markdown
