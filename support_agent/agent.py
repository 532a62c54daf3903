"""Building the support agent: the tutorial's `create_agent` call."""

from __future__ import annotations

from langchain.agents import create_agent
from langchain_core.language_models import BaseChatModel
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.memory import InMemorySaver

from support_agent.middleware import StepConfigMiddleware
from support_agent.middleware.provider_errors import ProviderErrorMiddleware, SafeSummarization
from support_agent.middleware.step_config import PromptSource
from support_agent.models import get_model
from support_agent.workflows.support import SUPPORT

# The tutorial's thresholds: summarize past ~4k tokens, keep the last 10 messages.
SUMMARY_TRIGGER = ("tokens", 4000)
SUMMARY_KEEP = ("messages", 10)


def build_support_agent(
    model: BaseChatModel | str | None = None,
    checkpointer: BaseCheckpointSaver | None = None,
    *,
    prompts: PromptSource | None = None,
):
    """The compiled support agent.

    `model=None` uses the configured default (`SUPPORT_AGENT_MODEL`, else the
    offline model); a string is passed to `get_model`. Without a checkpointer
    an in-memory one keeps state across turns of this process.
    """
    if model is None or isinstance(model, str):
        model = get_model(model)
    return create_agent(
        model,
        tools=SUPPORT.all_tools,
        state_schema=SUPPORT.extra["state_schema"],
        middleware=[
            StepConfigMiddleware(SUPPORT, prompts=prompts),
            SafeSummarization(model=model, trigger=SUMMARY_TRIGGER, keep=SUMMARY_KEEP),
            ProviderErrorMiddleware(),  # innermost: only the model call itself
        ],
        checkpointer=checkpointer if checkpointer is not None else InMemorySaver(),
        name="support_agent",
    )
