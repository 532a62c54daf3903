"""One way to build any workflow's compiled graph, for pages, scenarios and benches."""

from __future__ import annotations

from collections.abc import Callable

from langchain_core.language_models import BaseChatModel
from langgraph.checkpoint.base import BaseCheckpointSaver

from support_agent.agent import build_support_agent
from support_agent.middleware.step_config import PromptSource


def _builders() -> dict[str, Callable]:
    builders: dict[str, Callable] = {"support": build_support_agent}
    try:
        from support_agent.handoffs import build_handoffs_graph
    except ImportError:  # the second workflow is optional while it is being built
        return builders
    builders["handoffs"] = build_handoffs_graph
    return builders


def build_graph(
    workflow: str,
    model: BaseChatModel | str | None = None,
    checkpointer: BaseCheckpointSaver | None = None,
    *,
    prompts: PromptSource | None = None,
):
    """The compiled graph of `workflow` (cheap: a few milliseconds)."""
    builders = _builders()
    if workflow not in builders:
        raise KeyError(f"No builder for workflow {workflow!r}")
    return builders[workflow](model, checkpointer, prompts=prompts)
