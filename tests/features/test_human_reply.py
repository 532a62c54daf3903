"""After a person has answered a ticket, the offline agent says the case is theirs."""

from langchain_core.messages import AIMessage, HumanMessage
from langgraph.checkpoint.memory import InMemorySaver

from support_agent.offline import dialogue as d
from support_agent.workflows.builders import build_graph


def say(graph, config, text):
    return graph.invoke({"messages": [HumanMessage(text)]}, config)["messages"][-1]


def test_the_agent_defers_to_the_person_who_answered():
    graph = build_graph("support", "offline", InMemorySaver())
    config = {"configurable": {"thread_id": "after-reply"}}
    say(graph, config, "Hi, my phone screen is cracked")
    say(graph, config, "No, the warranty ran out last year")
    before = say(graph, config, "ok, and then what?")
    assert before.response_metadata["act"] == d.AFTER_ESCALATION  # waiting for a person

    person = AIMessage("We can replace the screen for $129 this week.", name=d.HUMAN_AGENT)
    graph.update_state(config, {"messages": [person]}, as_node="model")
    after = say(graph, config, "ok, and then what?")
    assert after.response_metadata["act"] == d.AFTER_HUMAN_REPLY
    assert after.text == d.SAY["after_human_reply"]
    assert not after.tool_calls  # no second hand-over
