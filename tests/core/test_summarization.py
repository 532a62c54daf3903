"""A long conversation is summarized; the state machine loses nothing."""

from langchain_core.messages import HumanMessage
from langchain_core.messages.utils import count_tokens_approximately
from langgraph.checkpoint.memory import InMemorySaver

from support_agent.core.declaration import is_handover
from support_agent.core.engine import new_thread_id, thread_config
from support_agent.core.middleware.guardrails import KEY
from support_agent.core.step_agent import SUMMARY_TRIGGER
from support_agent.offline.policy import is_customer
from support_agent.workflows.builders import build_graph
from tests.conftest import say


def test_sixty_turns_summarize_and_keep_state(agent, thread):
    turns = ["Hi, my phone screen is cracked", "Yes, it's still under warranty"]
    turns += ["What should I do?"] * 27
    turns += ["Actually, I made a mistake - my device is out of warranty"]
    turns += ["What should I do?"] * 30
    assert len(turns) == 60
    final = say(agent, thread, *turns)

    summaries = [
        m
        for m in final["messages"]
        if isinstance(m, HumanMessage) and m.additional_kwargs.get("lc_source") == "summarization"
    ]
    assert summaries, "a 60-turn conversation must trigger summarization"
    # Bounded: under the trigger plus one turn, where 60 turns hold 240+ messages.
    assert count_tokens_approximately(final["messages"]) < SUMMARY_TRIGGER[1] + 600
    assert len(final["messages"]) < 100
    assert final["turn"] == 60
    assert final["current_step"] == "resolution_specialist"
    assert (final["warranty_status"], final["issue_type"]) == ("out_of_warranty", "hardware")
    moves = [t for t in final["transitions"] if not is_handover(t)]
    assert [t["tool"] for t in moves] == [
        "record_warranty_status",
        "record_issue_type",
        "go_back_to_warranty",
        "record_warranty_status",
        "record_issue_type",
    ]
    assert [t["turn"] for t in moves] == [2, 2, 30, 30, 30]
    # The hand-over at turn 30 is recorded beside the moves, and drawn.
    assert [t["turn"] for t in final["transitions"] if is_handover(t)] == [30]
    # The offline model still routes correctly from what the summary carried forward.
    # It knows the case was handed over at turn 30: follow-ups get what happens next,
    # not a second escalation.
    last_calls = [c["name"] for m in final["messages"][-4:] if m.type == "ai" for c in m.tool_calls]
    assert last_calls == []
    assert final["messages"][-1].response_metadata["act"] in ("after_escalation", "faq")
    assert "record_warranty_status" in summaries[-1].text  # the summary keeps the tool ledger


def test_the_offline_summary_reads_the_messages_not_the_summary_prompt():
    # The offline model writes summaries from the messages it is handed, so a
    # summary prompt worded differently (ours, LangChain's next release) changes nothing.
    from langchain_core.messages import AIMessage, ToolMessage

    from support_agent.core.middleware.provider_errors import SafeSummarization
    from support_agent.offline.model import OfflineChatModel

    middleware = SafeSummarization(
        model=OfflineChatModel(),
        trigger=("messages", 4),
        keep=("messages", 1),
        summary_prompt="Condense this chat, please:\n{messages}",
    )
    call = {"name": "record_warranty_status", "args": {"status": "in_warranty"}, "id": "c1"}
    messages = [
        HumanMessage("My phone screen is cracked", id="h1"),
        AIMessage("", tool_calls=[call], id="a1"),
        ToolMessage("recorded", tool_call_id="c1", id="t1"),
        AIMessage("Is it a hardware or software issue?", id="a2"),
        HumanMessage("Hardware, the glass is broken", id="h2"),
    ]
    update = middleware.before_model({"messages": messages}, None)
    summary = next(m for m in update["messages"] if isinstance(m, HumanMessage)).text
    assert 'The customer first said: "My phone screen is cracked"' in summary
    assert '- record_warranty_status {"status": "in_warranty"}' in summary


def test_the_summary_is_written_in_the_model_call_and_keeps_the_verdicts():
    # A hook would be a graph node, a step of every model call; the summary needs none.
    for workflow in ("support", "handoffs"):
        graph = build_graph(workflow, "offline", approvals=False)
        assert not [n for n in graph.get_graph(xray=1).nodes if "ummar" in n], workflow

    graph = build_graph("support", "offline", InMemorySaver())
    final = say(
        graph, thread_config(new_thread_id()), *(["Hi, my phone screen is cracked"] + ["ok"] * 70)
    )
    kept = [m for m in final["messages"] if is_customer(m)]
    assert len(kept) < 20  # summarized, more than once
    # The turn that wrote a summary still screened its message: every kept one has verdicts.
    assert all(KEY in m.additional_kwargs for m in kept)
