"""Every workflow's compiled graph, built from its declaration: one agent whose prompt and
tools change with the step, or (with `handoffs`) a graph of agents.
"""

from __future__ import annotations

from functools import partial

from langchain_core.language_models import BaseChatModel
from langgraph.checkpoint.base import BaseCheckpointSaver

from support_agent.core.agent_graph import build_agents_graph
from support_agent.core.declaration import Workflow
from support_agent.core.middleware.step_config import PromptSource
from support_agent.core.step_agent import build_step_agent
from support_agent.workflows.handoffs import HANDOFFS
from support_agent.workflows.support import SUPPORT


def build_graph(
    workflow: Workflow | str,
    model: BaseChatModel | str | None = None,
    checkpointer: BaseCheckpointSaver | None = None,
    *,
    prompts: PromptSource | None = None,
    max_transfers: int | None = None,
    screen_with: BaseChatModel | None = None,
    approvals: bool = True,
):
    """The compiled graph of `workflow` (cheap: a few milliseconds).

    `approvals=False` builds it without the approval review: it never pauses, so it
    serves only turns with approvals off (`engine.run_turn`'s `lean`).
    `max_transfers` overrides a graph of agents' transfer limit (a scenario may
    set it); a one-agent workflow has none to override. `screen_with` is a model
    the guardrails ask as well as their rules (`screening_model(model)` picks it).
    """
    # Imported here: the registry imports every module of this package to find them.
    from support_agent.workflows import get_workflow

    wf = get_workflow(workflow) if isinstance(workflow, str) else workflow
    if wf.handoffs is None and max_transfers is not None:
        raise ValueError(f"workflow {wf.name} has no transfer limit to set")
    make = build_step_agent if wf.handoffs is None else build_agents_graph
    limit = {} if wf.handoffs is None else {"max_transfers": max_transfers}
    kwargs = {"prompts": prompts, "screen_with": screen_with, "approvals": approvals, **limit}
    return make(wf, model, checkpointer, **kwargs)


def screening_model(model: BaseChatModel) -> BaseChatModel | None:
    """The model the guardrails should ask: a real provider's, not one running in this
    process (the offline model's reading is the rules themselves)."""
    return None if getattr(model, "in_process", False) else model


# The two seeds' graphs: `build_support_agent(model, checkpointer, prompts=)`, and
# `build_handoffs_graph(...)`, which also takes `max_transfers=`.
build_support_agent = partial(build_graph, SUPPORT)
build_handoffs_graph = partial(build_graph, HANDOFFS)
