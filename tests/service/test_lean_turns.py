"""With approvals off, a turn runs on the graph built without the approval review
(one graph step fewer per model call); a turn that may pause, or that finds its
conversation paused, runs on the whole graph."""

import pytest

from support_agent.core.engine import Error, TurnEnd, new_thread_id, thread_config
from support_agent.core.middleware.approval import NAME as REVIEW
from support_agent.core.middleware.approval import REVIEW_NODE
from support_agent.service.conversation import Conversation, TicketsOpened
from support_agent.workflows import WORKFLOWS
from support_agent.workflows.builders import build_graph

PERSON = "I want to talk to a real person please"


def talk(store, workflow: str = "support") -> Conversation:
    full = build_graph(workflow, "offline", store.checkpointer)
    lean = build_graph(workflow, "offline", store.checkpointer, approvals=False)
    return Conversation(store, full, WORKFLOWS[workflow], new_thread_id(), lean=lean)


def reviewed(talk: Conversation) -> bool:
    """Whether any saved point of the thread stood before the approval review."""
    history = talk.graph.get_state_history(thread_config(talk.thread_id))
    return any(REVIEW_NODE in point.next for point in history)


def send(talk: Conversation, text: str, approvals: bool = False) -> list:
    events = list(talk.send(text, stream_tokens=False, approvals=approvals))
    assert isinstance(events[-1], TurnEnd), events[-1]
    return events


@pytest.mark.parametrize("workflow", [w for w in WORKFLOWS if WORKFLOWS[w].handoffs is None])
def test_only_the_whole_graph_has_the_review(workflow):
    def nodes(graph) -> list[str]:
        return [n for n in graph.get_graph().nodes if REVIEW in n]

    assert nodes(build_graph(workflow, "offline"))
    assert nodes(build_graph(workflow, "offline", approvals=False)) == []


@pytest.mark.parametrize("workflow", list(WORKFLOWS))
def test_a_hand_over_with_approvals_off_runs_without_the_review(store, workflow):
    conversation = talk(store, workflow)
    events = send(conversation, PERSON)
    assert events[-1].waiting is None
    assert [t for e in events if isinstance(e, TicketsOpened) for t in e.tickets]
    assert not reviewed(conversation)


def test_with_approvals_on_the_same_conversation_pauses(store):
    conversation = talk(store)
    send(conversation, "hello")
    end = send(conversation, PERSON, approvals=True)[-1]
    assert end.waiting is not None and end.waiting.tool == "escalate_to_human"
    assert reviewed(conversation)


@pytest.mark.parametrize("workflow", list(WORKFLOWS))
def test_a_message_to_a_paused_conversation_withdraws_the_pause_with_approvals_off(store, workflow):
    conversation = talk(store, workflow)
    paused = send(conversation, PERSON, approvals=True)[-1]
    assert paused.waiting is not None
    events = send(conversation, "Never mind, my screen is cracked")
    assert not [e for e in events if isinstance(e, Error)]
    assert events[-1].waiting is None
    assert events[0].record["decision"] == "withdraw"
    [result] = [
        m
        for m in events[-1].state["messages"]
        if m.type == "tool" and m.name == "escalate_to_human"
    ]
    assert result.status == "error"  # the withdrawn hand-over never ran
