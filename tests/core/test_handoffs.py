"""Sales <-> support handoffs: the AgentScope seed's behaviour, rebuilt on LangGraph."""

import sqlite3
import uuid
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.utils.function_calling import convert_to_openai_tool
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.checkpoint.sqlite import SqliteSaver
from pydantic import Field

import support_agent.core.agent_graph as handoffs_module
from support_agent import build_handoffs_graph
from support_agent.core.agent_graph import AgentNode, agent_view, moves_this_turn
from support_agent.core.declaration import Edge
from support_agent.models import OfflineChatModel
from support_agent.workflows import WORKFLOWS
from support_agent.workflows.builders import build_graph
from support_agent.workflows.handoffs import HANDOFFS, HandoffsState

SUPPORT_PROMPT = HANDOFFS.step("support_agent").prompt

SEED = "Hi, I'm having trouble with my account login. Can you help?"


@pytest.fixture
def graph():
    return build_handoffs_graph("offline", InMemorySaver())


@pytest.fixture
def config():
    return {"configurable": {"thread_id": str(uuid.uuid4())}}


def say(graph, config, text: str) -> dict:
    return graph.invoke({"messages": [HumanMessage(text)]}, config)


def this_turn(state: dict) -> list:
    """The messages after the customer's latest one."""
    messages = state["messages"]
    last = max(i for i, m in enumerate(messages) if isinstance(m, HumanMessage))
    return messages[last + 1 :]


def answer(state: dict) -> AIMessage:
    return [m for m in state["messages"] if isinstance(m, AIMessage)][-1]


# --- The declaration ------------------------------------------------------------------


def test_declaration_matches_the_seed():
    assert HANDOFFS.state_key == "active_agent" and HANDOFFS.initial == "sales_agent"
    assert HANDOFFS.graph_endpoints
    assert HANDOFFS.step("sales_agent").tool_names == ["transfer_to_support", "escalate_to_human"]
    assert HANDOFFS.step("support_agent").tool_names == ["transfer_to_sales", "escalate_to_human"]
    assert HANDOFFS.edges() == [
        Edge("sales_agent", "support_agent", "transfer_to_support"),
        Edge("support_agent", "sales_agent", "transfer_to_sales"),
    ]
    assert SEED in [text for _label, text in HANDOFFS.starters]
    assert HANDOFFS.state_schema is HandoffsState
    assert HANDOFFS.handoffs.max_transfers == 2
    assert WORKFLOWS["handoffs"] is HANDOFFS


def test_workflows_share_only_the_hand_over_and_each_graph_serves_its_own_rules():
    from support_agent.offline.model import serving

    per_workflow = [{t.name for t in w.all_tools} for w in WORKFLOWS.values()]
    assert set.intersection(*per_workflow) == {"escalate_to_human"}
    for workflow in WORKFLOWS.values():  # the declaration's rules, not a registry's
        assert serving(OfflineChatModel(), workflow.offline_rules).rules is workflow.offline_rules


def test_transfer_to_sales_describes_its_reason_argument():
    schema = convert_to_openai_tool(HANDOFFS.step("support_agent").tools[0])["function"]
    assert schema["parameters"]["required"] == ["reason"]
    assert "reason" in schema["parameters"]["properties"]["reason"]["description"].lower()
    assert "runtime" not in schema["parameters"]["properties"]
    assert "pricing" in schema["description"]


def test_graph_is_wired_like_the_seed(graph):
    drawn = graph.get_graph()
    edges = {(e.source, e.target) for e in drawn.edges}
    assert edges == {
        ("__start__", "sales_agent"),
        ("__start__", "support_agent"),
        ("sales_agent", "support_agent"),
        ("sales_agent", "__end__"),
        ("support_agent", "sales_agent"),
        ("support_agent", "__end__"),
    }


# --- The seed's conversation ------------------------------------------------------------


def test_login_question_goes_from_sales_to_support(graph, config):
    state = say(graph, config, SEED)
    assert state["active_agent"] == "support_agent"
    assert state["turn"] == 1
    moves = [(r["turn"], r["source"], r["target"], r["tool"]) for r in state["transitions"]]
    assert moves == [(1, "sales_agent", "support_agent", "transfer_to_support")]
    assert state["transitions"][0]["reason"]
    names = [(m.type, m.name) for m in this_turn(state)]
    assert names == [
        ("ai", "sales_agent"),  # calls transfer_to_support
        ("tool", "transfer_to_support"),
        ("ai", "sales_agent"),  # the handover line
        ("ai", "support_agent"),  # the answer
    ]
    assert "support team" in this_turn(state)[2].text
    assert "Forgot password" in answer(state).text
    assert state["handoff_limited"] is False


def test_pricing_question_goes_back_to_sales_with_a_reason(graph, config):
    say(graph, config, SEED)
    state = say(graph, config, "Thanks! And how much does the Business plan cost per user?")
    assert state["active_agent"] == "sales_agent"
    assert state["turn"] == 2
    move = state["transitions"][-1]
    assert (move["turn"], move["source"], move["target"], move["tool"]) == (
        2,
        "support_agent",
        "sales_agent",
        "transfer_to_sales",
    )
    assert move["reason"] == "customer asks about pricing"
    call = next(m for m in this_turn(state) if isinstance(m, AIMessage) and m.tool_calls)
    assert call.tool_calls[0]["args"] == {"reason": "customer asks about pricing"}
    assert answer(state).name == "sales_agent" and "$19" in answer(state).text


def test_active_agent_survives_turns_and_answers_without_a_transfer(graph, config):
    say(graph, config, SEED)
    state = say(graph, config, "I reset my password but the app now shows an error code.")
    assert state["active_agent"] == "support_agent"
    assert state["turn"] == 2
    assert len(state["transitions"]) == 1  # no new move
    assert [(m.type, m.name) for m in this_turn(state)] == [("ai", "support_agent")]


def test_a_switch_of_topic_is_routed_by_the_latest_message(graph, config):
    say(graph, config, "What does the Premium plan cost?")
    assert graph.get_state(config).values.get("active_agent", "sales_agent") == "sales_agent"
    state = say(graph, config, "Before I decide: my tablet app freezes every time I open it.")
    assert state["active_agent"] == "support_agent"
    state = say(graph, config, "Got it, thanks. Is there a discount for a team of 12?")
    assert state["active_agent"] == "sales_agent"
    assert [r["target"] for r in state["transitions"]] == ["support_agent", "sales_agent"]
    assert [r["turn"] for r in state["transitions"]] == [2, 3]


def test_an_unclear_message_stays_with_the_active_agent(graph, config):
    say(graph, config, SEED)
    state = say(graph, config, "Sorry, could you say that again?")
    assert state["active_agent"] == "support_agent"
    assert answer(state).name == "support_agent"
    # not a new topic: the same agent asks what is needed, it does not guess
    assert answer(state).response_metadata["act"] in ("clarify", "ask")


def test_a_restart_on_the_same_sqlite_file_keeps_the_active_agent(tmp_path):
    path = str(tmp_path / "handoffs.db")
    config = {"configurable": {"thread_id": "restart"}}
    with sqlite3.connect(path, check_same_thread=False) as conn:
        first = build_handoffs_graph("offline", SqliteSaver(conn))
        say(first, config, SEED)
    conn.close()

    with sqlite3.connect(path, check_same_thread=False) as conn:
        second = build_handoffs_graph("offline", SqliteSaver(conn))  # a new process, say
        before = second.get_state(config).values
        assert before["active_agent"] == "support_agent" and before["turn"] == 1
        state = say(second, config, "The app still crashes when I open it.")
        assert state["active_agent"] == "support_agent"
        assert state["turn"] == 2
        assert len(state["transitions"]) == 1
        assert answer(state).name == "support_agent"
        assert len([m for m in state["messages"] if isinstance(m, HumanMessage)]) == 2
    conn.close()


async def test_ainvoke_works(config):
    graph = build_handoffs_graph("offline", InMemorySaver())
    state = await graph.ainvoke({"messages": [HumanMessage(SEED)]}, config)
    assert state["active_agent"] == "support_agent"
    state = await graph.ainvoke({"messages": [HumanMessage("Can I get a quote?")]}, config)
    assert state["active_agent"] == "sales_agent"
    assert [r["turn"] for r in state["transitions"]] == [1, 2]
    assert (await graph.aget_state(config)).values["turn"] == 2


def test_stream_yields_tokens_from_both_agent_nodes(graph, config):
    tokens: dict[str, list[str]] = {}
    moves = []
    for namespace, mode, chunk in graph.stream(
        {"messages": [HumanMessage(SEED)]},
        config,
        stream_mode=["updates", "messages"],
        subgraphs=True,
    ):
        if mode == "messages":
            message, meta = chunk
            if isinstance(message, AIMessageChunk) and meta["langgraph_node"] == "model":
                agent = namespace[0].split(":", 1)[0]
                tokens.setdefault(agent, []).append(message.text)
        elif not namespace:
            for update in chunk.values():
                moves.extend((update or {}).get("transitions") or [])
    assert set(tokens) == {"sales_agent", "support_agent"}
    state = graph.get_state(config).values
    assert "".join(tokens["support_agent"]) == answer(state).text
    assert [m["tool"] for m in moves] == ["transfer_to_support"]  # each move reported once


def test_the_app_builder_and_model_argument(monkeypatch, config):
    asked = []
    monkeypatch.setattr(
        handoffs_module,
        "resolve_model",
        lambda spec=None: asked.append(spec) or OfflineChatModel(),
    )
    build_handoffs_graph()
    build_handoffs_graph("offline", InMemorySaver())
    assert asked == [None, "offline"]
    graph = build_graph("handoffs", OfflineChatModel(), InMemorySaver())
    assert say(graph, config, SEED)["active_agent"] == "support_agent"


# --- What each agent sees, and the prompt override ------------------------------------


class ScriptedModel(BaseChatModel):
    """Wants to transfer on every customer message; answers once it has a tool result.

    Records, per call, the bound tools, the system prompt and the conversation.
    """

    calls: list[dict] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(self, tools, *, tool_choice=None, **kwargs):
        return self.bind(tools=[convert_to_openai_tool(t) for t in tools], **kwargs)

    def _generate(self, messages, stop=None, run_manager=None, **kwargs: Any) -> ChatResult:
        bound = [t["function"]["name"] for t in kwargs.get("tools") or []]
        system = messages[0].text if messages and messages[0].type == "system" else ""
        conversation = [m for m in messages if m.type != "system"]
        self.calls.append({"bound": bound, "system": system, "messages": conversation})
        last = conversation[-1]
        if isinstance(last, ToolMessage):
            text = "I'll answer this myself." if last.status == "error" else "Handing over."
            message = AIMessage(text)
        else:
            args = {"reason": "scripted"} if bound[0] == "transfer_to_sales" else {}
            call = {"name": bound[0], "args": args, "id": f"call_{uuid.uuid4().hex}"}
            message = AIMessage("", tool_calls=[call])
        return ChatResult(generations=[ChatGeneration(message=message)])


def test_prompts_are_overridable_and_the_receiver_sees_the_customer_last(config):
    model = ScriptedModel()
    overrides = {"sales_agent": "CUSTOM SALES PROMPT, turn {turn}"}
    graph = build_handoffs_graph(
        model,
        InMemorySaver(),
        prompts=lambda wf, step: overrides.get(step) if wf == "handoffs" else None,
        max_transfers=1,
    )
    say(graph, config, "hello")
    sales = [c for c in model.calls if c["bound"] == ["transfer_to_support", "escalate_to_human"]]
    support = [c for c in model.calls if c["bound"] == ["transfer_to_sales", "escalate_to_human"]]
    assert sales and all(c["system"] == "CUSTOM SALES PROMPT, turn 1" for c in sales)
    first = support[0]
    assert first["system"].startswith(SUPPORT_PROMPT)
    assert "sales agent has just handed this conversation over to you" in first["system"]
    assert "customer needs technical or account help" in first["system"]
    # the other agent's transfer and handover line are not in the receiver's view
    assert [m.type for m in first["messages"]] == ["human"]


def test_agent_view_keeps_earlier_turns_and_only_its_own_run_of_this_turn():
    call = {"name": "transfer_to_support", "args": {}, "id": "c1"}
    earlier = [HumanMessage("q1", id="h1"), AIMessage("a1", name="support_agent", id="a1")]
    sales_run = [
        AIMessage("", name="sales_agent", tool_calls=[call], id="a2"),
        ToolMessage("moved", tool_call_id="c1", id="t1"),
        AIMessage("handing over", name="sales_agent", id="a3"),
    ]
    messages = [*earlier, HumanMessage("q2", id="h2"), *sales_run]
    assert [m.id for m in agent_view(messages, "support_agent")] == ["h1", "a1", "h2"]
    own_run = ["h1", "a1", "h2", "a2", "t1", "a3"]
    assert [m.id for m in agent_view(messages, "sales_agent")] == own_run


# --- The loop guard ---------------------------------------------------------------------


def test_loop_guard_stops_a_model_that_always_transfers(config):
    graph = build_handoffs_graph(ScriptedModel(), InMemorySaver(), max_transfers=2)
    state = say(graph, config, "hello")
    assert [(r["turn"], r["source"], r["target"]) for r in state["transitions"]] == [
        (1, "sales_agent", "support_agent"),
        (1, "support_agent", "sales_agent"),
    ]
    assert len(moves_this_turn(state)) == 2
    assert state["handoff_limited"] is True
    # the third transfer did not move: sales is still active and answered itself
    assert state["active_agent"] == "sales_agent"
    refused = [m for m in this_turn(state) if isinstance(m, ToolMessage) and m.status == "error"]
    assert len(refused) == 1 and "limit" in refused[0].text
    assert answer(state).name == "sales_agent"
    assert answer(state).text == "I'll answer this myself."

    # The limit is per customer turn: the next turn may transfer again.
    state = say(graph, config, "hello again")
    assert state["turn"] == 2
    assert [r["turn"] for r in state["transitions"]] == [1, 1, 2, 2]
    assert state["handoff_limited"] is True


def test_loop_guard_with_no_transfers_allowed(config):
    graph = build_handoffs_graph(ScriptedModel(), InMemorySaver(), max_transfers=0)
    state = say(graph, config, "hello")
    assert state.get("transitions", []) == []
    assert state.get("active_agent", "sales_agent") == "sales_agent"
    assert state["handoff_limited"] is True
    assert answer(state).name == "sales_agent"


def test_a_new_turn_resets_the_limit_flag_and_counts_once():
    node = AgentNode(agent=None)
    state = {"messages": [HumanMessage("hi")], "turn": 3, "handoff_limited": True}
    _, update = node.prepare(state)
    assert update == {"turn": 4, "handoff_limited": False}
    # a second agent in the same turn (the customer is no longer last) does not count again
    _, update = node.prepare({**state, "messages": [HumanMessage("hi"), AIMessage("over")]})
    assert update == {}


def test_offline_model_does_not_ping_pong(config):
    """The offline agents agree on the topic, so one message moves at most once."""
    graph = build_handoffs_graph("offline", InMemorySaver(), max_transfers=5)
    for text in [SEED, "How much is Premium?", "My invoice is wrong, I was charged twice."]:
        state = say(graph, config, text)
        assert len(moves_this_turn(state)) <= 1
        assert state["handoff_limited"] is False


def test_long_handoffs_conversation_is_summarized_and_keeps_routing():
    from langchain_core.messages.utils import count_tokens_approximately

    from support_agent.core.step_agent import SUMMARY_TRIGGER

    graph = build_handoffs_graph("offline", InMemorySaver())
    config = {"configurable": {"thread_id": "long-handoffs"}}
    topics = ["How much is the premium plan?", "I can't log in to my account"]
    for i in range(40):
        state = graph.invoke({"messages": [HumanMessage(topics[i % 2])]}, config)
    summaries = [
        m for m in state["messages"] if m.additional_kwargs.get("lc_source") == "summarization"
    ]
    assert summaries, "40 turns of handoffs must trigger summarization"
    assert count_tokens_approximately(state["messages"]) < SUMMARY_TRIGGER[1] + 1500
    assert state["turn"] == 40
    assert state["active_agent"] == "support_agent"  # the last message was a login problem
    # Turn 1's pricing question stays with sales; every later turn switches agent.
    assert [t["turn"] for t in state["transitions"]] == list(range(2, 41))
    assert len({t["id"] for t in state["transitions"]}) == 39  # none lost to an id clash
