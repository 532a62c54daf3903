"""Building a one-agent state machine: the tutorial's `create_agent` call, for any
workflow declared without handoffs."""

from __future__ import annotations

from langchain.agents import create_agent
from langchain_core.language_models import BaseChatModel
from langgraph.checkpoint.base import BaseCheckpointSaver

from support_agent.core.declaration import RunContext, Workflow
from support_agent.core.middleware.approval import ApprovalMiddleware
from support_agent.core.middleware.guardrails import GuardrailMiddleware
from support_agent.core.middleware.hand_over import HandOverMiddleware
from support_agent.core.middleware.provider_errors import ProviderErrorMiddleware
from support_agent.core.middleware.step_config import PromptSource, StepConfigMiddleware
from support_agent.core.middleware.summary import SummaryInModelCall
from support_agent.models import resolve_model
from support_agent.offline.model import serving

# The tutorial's thresholds: summarize past ~4k tokens, keep the last 10 messages.
SUMMARY_TRIGGER = ("tokens", 4000)
SUMMARY_KEEP = ("messages", 10)


def inner_middleware(
    workflow: Workflow, model: BaseChatModel, step: str = "", approvals: bool = True
) -> list:
    """The middleware every agent ends with (of a graph of agents too: `step` names it).
    Without `approvals` there is no review node: the graph can't pause, and each model
    call takes one graph step fewer."""
    return [
        *([ApprovalMiddleware(workflow)] if approvals else []),  # asks if RunContext says so
        # Inside the approval, so a hand-over is recorded as a person edited it.
        HandOverMiddleware(workflow, step),
        SummaryInModelCall(model=model, trigger=SUMMARY_TRIGGER, keep=SUMMARY_KEEP),
        # Innermost: only the model call itself. The offline model is our own code, not a
        # provider: nothing to retry, and each wrapper costs every call a traced layer.
        *([] if getattr(model, "in_process", False) else [ProviderErrorMiddleware()]),
    ]


def build_step_agent(
    workflow: Workflow,
    model: BaseChatModel | str | None = None,
    checkpointer: BaseCheckpointSaver | None = None,
    *,
    prompts: PromptSource | None = None,
    screen_with: BaseChatModel | None = None,
    approvals: bool = True,
):
    """One agent whose prompt and tools change with `workflow`'s current step
    (`model=None`: the configured default; `checkpointer=None`: none, as in LangGraph)."""
    model = serving(resolve_model(model), workflow.offline_rules)
    return create_agent(
        model,
        tools=workflow.all_tools,
        state_schema=workflow.state_schema,
        context_schema=RunContext,
        middleware=[
            # Outermost: a refused message reaches no step's prompt, and the rest see the turn.
            GuardrailMiddleware(screen_with, workflow=workflow, numbers_turns=True),
            StepConfigMiddleware(workflow, prompts=prompts),
            *inner_middleware(workflow, model, approvals=approvals),
        ],
        checkpointer=checkpointer,
        name=f"{workflow.name}_agent",
    )
