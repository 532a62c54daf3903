"""`GuardrailMiddleware`: screen each customer message before the agent answers it.

The verdicts are kept on the customer's message (`additional_kwargs["guardrails"]`),
so every turn can show its badges and they survive in the checkpoint. A
tripped guardrail answers with a polite refusal and ends the turn: no tool
runs, no step or fact changes. Later model calls never see a refused message or
its refusal, so a hijack attempt can't steer the conversation afterwards.
"""

from __future__ import annotations

from typing import Any

from langchain.agents.middleware import AgentMiddleware, ModelRequest, hook_config
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage

from support_agent.core.middleware.hooks import ShapesModelRequests
from support_agent.core.screening import REFUSALS, check_rules, check_with_model, first_failure
from support_agent.models.deadline import deadline_of, within
from support_agent.offline.policy import is_customer

KEY = "guardrails"


def latest_unchecked(messages: list) -> HumanMessage | None:
    """The customer's message this turn, if no guardrail has read it yet."""
    last = messages[-1] if messages else None
    if last is not None and is_customer(last) and KEY not in last.additional_kwargs:
        return last
    return None


def refused(message) -> bool:
    """A customer message a guardrail refused, or the refusal itself."""
    if isinstance(message, AIMessage):
        return bool(message.response_metadata.get("guardrail"))
    return (
        isinstance(message, HumanMessage)
        and first_failure(message.additional_kwargs.get(KEY) or []) is not None
    )


class GuardrailMiddleware(ShapesModelRequests, AgentMiddleware):
    """Off-task and prompt-injection checks: the rules, and `screen_with` when given (the
    app passes its real model; the offline model and test models leave the rules alone)."""

    def __init__(self, screen_with: BaseChatModel | None = None, *, speaker: str = ""):
        super().__init__()
        self.screen_with, self.speaker = screen_with, speaker

    @property
    def name(self) -> str:
        return f"Guardrails[{self.speaker}]" if self.speaker else "Guardrails"

    def _screen(self, state: dict) -> dict[str, Any] | None:
        message = latest_unchecked(state.get("messages") or [])
        if message is None:
            return None
        text = message.text
        verdicts = (
            check_with_model(self.screen_with, text) if self.screen_with else check_rules(text)
        )
        kwargs = {**message.additional_kwargs, KEY: [v.as_dict() for v in verdicts]}
        checked = message.model_copy(update={"additional_kwargs": kwargs})
        failed = first_failure(verdicts)
        if failed is None:
            return {"messages": [checked]}
        refusal = AIMessage(
            content=REFUSALS[failed],
            name=self.speaker or None,
            response_metadata={"act": "refusal", "guardrail": failed},
        )
        return {"messages": [checked, refusal], "jump_to": "end"}

    def configure(self, request: ModelRequest) -> ModelRequest:
        kept = [m for m in request.messages if not refused(m)]
        return request if len(kept) == len(request.messages) else request.override(messages=kept)

    @hook_config(can_jump_to=["end"])
    def before_agent(self, state, runtime) -> dict[str, Any] | None:  # noqa: ANN001
        with within(deadline_of(runtime)):  # screening spends the answer's time too
            return self._screen(state)

    @hook_config(can_jump_to=["end"])
    async def abefore_agent(self, state, runtime) -> dict[str, Any] | None:  # noqa: ANN001
        with within(deadline_of(runtime)):
            return self._screen(state)
