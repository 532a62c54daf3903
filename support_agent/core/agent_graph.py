"""A graph of agents with handoffs (the AgentScope seed, in LangGraph), for any workflow
declared with `handoffs`: each step is a `create_agent` node with its own prompt and transfer
tools; a transfer only updates state (`Workflow.move`), and a conditional edge then goes to
the agent named there or ends the turn.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import takewhile
from typing import Any

from langchain.agents import create_agent
from langchain.agents.middleware import AgentMiddleware, ModelRequest
from langchain.agents.middleware.types import ToolCallRequest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AnyMessage, RemoveMessage, SystemMessage, ToolMessage
from langchain_core.runnables import RunnableConfig, RunnableLambda
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import REMOVE_ALL_MESSAGES
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command

from support_agent.core.declaration import RunContext, Step, Workflow, is_move, turn_of
from support_agent.core.middleware.guardrails import GuardrailMiddleware
from support_agent.core.middleware.hooks import GatesToolCalls, ShapesModelRequests, refusal
from support_agent.core.middleware.step_config import PromptSource, described_tools
from support_agent.core.prompting import fill_prompt
from support_agent.core.step_agent import inner_middleware
from support_agent.models import resolve_model
from support_agent.offline.model import serving
from support_agent.offline.policy import last_customer_index


def agent_view(messages: Sequence[AnyMessage], agent: str) -> list[AnyMessage]:
    """The conversation as `agent` sees it: earlier turns whole, of this turn only its own
    run, so a receiving agent answers the customer instead of continuing another's message."""
    start = last_customer_index(messages) + 1
    own_calls = {
        c["id"]
        for m in messages[start:]
        if isinstance(m, AIMessage) and m.name == agent
        for c in m.tool_calls
    }

    def mine(m: AnyMessage) -> bool:
        if isinstance(m, ToolMessage):
            return m.tool_call_id in own_calls
        return isinstance(m, AIMessage) and m.name == agent

    tail = list(takewhile(mine, reversed(messages[start:])))
    return [*messages[:start], *reversed(tail)]


def moves_this_turn(state: dict) -> list[dict]:
    turn = turn_of(state)
    return [t for t in state.get("transitions") or [] if t["turn"] == turn and is_move(t)]


def handoff_note(workflow: Workflow, agent: str, state: dict) -> str:
    received = [t for t in moves_this_turn(state) if t["target"] == agent]
    if not received:
        return ""
    last = received[-1]
    source = workflow.step(last["source"]).title.lower()
    return fill_prompt(
        workflow.handoffs.note, {"source": source, "reason": last["reason"] or "none"}
    )


class HandoffAgentMiddleware(ShapesModelRequests, AgentMiddleware):
    """One agent's own prompt (read at every call, overridable by `prompts`) and
    view of this turn; unlike `StepConfigMiddleware` the step is fixed, so an agent that just
    transferred keeps its prompt for its closing line."""

    def __init__(self, workflow: Workflow, step: str, prompts: PromptSource | None = None):
        super().__init__()
        self.workflow, self.step, self.prompts = workflow, step, prompts

    @property
    def name(self) -> str:
        return f"HandoffAgent[{self.step}]"

    def configure(self, request: ModelRequest) -> ModelRequest:
        state = request.state
        override = self.prompts(self.workflow.name, self.step) if self.prompts else None
        prompt = self.workflow.render_prompt(self.step, state, override)
        prompt += handoff_note(self.workflow, self.step, state)
        return request.override(
            system_message=SystemMessage(content=prompt),
            messages=agent_view(request.messages, self.step),
            tools=described_tools(self.workflow, request.tools, self.prompts),
        )


class TransferLimitMiddleware(GatesToolCalls, AgentMiddleware):
    """The loop guard: past `max_transfers` in one turn a transfer doesn't run,
    the model is told to answer itself, and the state records `handoff_limited`."""

    name = "TransferLimit"

    def __init__(self, workflow: Workflow, max_transfers: int):
        super().__init__()
        self.workflow, self.max_transfers = workflow, max_transfers

    def refuse(self, request: ToolCallRequest) -> Command | None:
        call = request.tool_call
        if call["name"] not in self.workflow.moves:
            return None
        context = getattr(request.runtime, "context", None)
        limit = getattr(context, "max_transfers", None)
        limit = self.max_transfers if limit is None else limit  # the run's, else the graph's
        if len(moves_this_turn(request.state or {})) < limit:
            return None
        message = refusal(
            call,
            f"Not transferred: this conversation has already been transferred {limit} time(s) "
            "in this turn, which is the limit. Do not transfer again; answer the customer "
            "yourself as well as you can.",
        )
        return Command(update={"messages": [message], "handoff_limited": True})


class AgentNode:
    """Runs one agent inside the parent graph and returns only what it changed (handing
    back `transitions` whole would record every move twice); it also numbers customer turns."""

    def __init__(self, agent: CompiledStateGraph, state_key: str = "active_agent"):
        self.agent, self.state_key = agent, state_key

    @staticmethod
    def prepare(state: dict) -> tuple[dict, dict]:
        messages = state.get("messages") or []
        starts_turn = bool(messages) and last_customer_index(messages) == len(messages) - 1
        update = {"turn": turn_of(state) + 1, "handoff_limited": False} if starts_turn else {}
        return {**state, **update}, update

    def changes(self, before: dict, after: dict, update: dict) -> dict[str, Any]:
        old = before.get("messages") or []
        new = after.get("messages") or []
        kept = {m.id for m in new}
        if any(m.id not in kept for m in old):
            messages = [RemoveMessage(id=REMOVE_ALL_MESSAGES), *new]
        else:
            # New messages, and ones rewritten in place (a guardrail's verdicts), by id.
            known = {m.id: m for m in old}
            messages = [m for m in new if m.id not in known or known[m.id] != m]
        delta: dict[str, Any] = {**update, "messages": messages}
        # By id: the parent may hold records the agent never saw (a person's decision).
        known = {r.get("id") for r in before.get("transitions") or []}
        moved = [r for r in after.get("transitions") or [] if r.get("id") not in known]
        if moved:
            delta["transitions"] = moved
        for key in (self.state_key, "handoff_limited", "hand_overs"):
            if key in after and after[key] != before.get(key):
                delta[key] = after[key]
        return delta

    def invoke(self, state: dict, config: RunnableConfig) -> dict[str, Any]:
        before, update = self.prepare(state)
        return self.changes(before, self.agent.invoke(before, config), update)

    async def ainvoke(self, state: dict, config: RunnableConfig) -> dict[str, Any]:
        before, update = self.prepare(state)
        return self.changes(before, await self.agent.ainvoke(before, config), update)


def _route_after(workflow: Workflow, step: Step) -> tuple[Callable[[dict], str], list[str]]:
    moves = workflow.moves
    targets = sorted({moves[t.name].target for t in step.tools if t.name in moves})

    def route(state: dict) -> str:
        active = workflow.current(state)
        return active if active != step.name and active in targets else END

    route.__name__ = f"route_after_{step.name.removesuffix('_agent')}"
    return route, [*targets, END]


def build_agents_graph(
    workflow: Workflow,
    model: BaseChatModel | str | None = None,
    checkpointer: BaseCheckpointSaver | None = None,
    *,
    prompts: PromptSource | None = None,
    max_transfers: int | None = None,
    screen_with: BaseChatModel | None = None,
    approvals: bool = True,
) -> CompiledStateGraph:
    """The compiled graph of `workflow`'s agents (`model=None`: the configured
    default; `checkpointer=None`: none, as in LangGraph)."""
    model = serving(resolve_model(model), workflow.offline_rules)
    limit = max_transfers if max_transfers is not None else workflow.handoffs.max_transfers
    builder = StateGraph(workflow.state_schema, context_schema=RunContext)
    builder.add_conditional_edges(START, workflow.current, workflow.step_names)
    for step in workflow.steps:
        agent = create_agent(
            model,
            tools=list(step.tools),
            state_schema=workflow.state_schema,
            context_schema=RunContext,
            middleware=[
                HandoffAgentMiddleware(workflow, step.name, prompts=prompts),
                GuardrailMiddleware(screen_with, speaker=step.name, workflow=workflow),
                TransferLimitMiddleware(workflow, limit),
                *inner_middleware(workflow, model, step.name, approvals),
            ],
            name=step.name,
        )
        node = AgentNode(agent, workflow.state_key)
        builder.add_node(step.name, RunnableLambda(node.invoke, node.ainvoke, name=step.name))
        builder.add_conditional_edges(step.name, *_route_after(workflow, step))
    return builder.compile(checkpointer=checkpointer, name=workflow.name)
