"""`GuardrailMiddleware`: screen each customer message before the agent answers it.

Verdicts are kept on the customer's message, so they survive in the checkpoint. A tripped
guardrail refuses politely in the model's place, which ends the turn; later model calls never
see a refused message or its refusal, so a hijack attempt can't steer the conversation
afterwards. Screening wraps the turn's first model call rather than opening the turn with a
hook of its own: each hook is a graph node, and a step of every run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from langchain.agents.middleware import AgentMiddleware, ModelRequest, ModelResponse
from langchain.agents.middleware.types import ExtendedModelResponse
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage
from langgraph.types import Command

from support_agent.core.declaration import Workflow, turn_of
from support_agent.core.screening import REFUSALS, check_with_model, first_failure
from support_agent.models.deadline import deadline_of, within
from support_agent.offline.policy import Policy, is_customer

KEY = "guardrails"


def latest_unchecked(messages: list) -> HumanMessage | None:
    last = messages[-1] if messages else None
    if last is not None and is_customer(last) and KEY not in last.additional_kwargs:
        return last
    return None


def refused(message) -> bool:
    if isinstance(message, AIMessage):
        return bool(message.response_metadata.get("guardrail"))
    return (
        isinstance(message, HumanMessage)
        and first_failure(message.additional_kwargs.get(KEY) or []) is not None
    )


def _last_reply(state: dict) -> str:
    said = (m for m in reversed(state.get("messages") or []) if isinstance(m, AIMessage))
    return next((m.text for m in said if not m.tool_calls), "")


class GuardrailMiddleware(AgentMiddleware):
    """Off-task and prompt-injection checks: the rules, and `screen_with` when given.

    With `workflow`, its small talk counts as off-task, and the refusal steers back to the
    step's question. With `numbers_turns` (one agent), the screening also numbers the turn;
    a graph of agents numbers its turns in the agent's node.
    """

    def __init__(
        self,
        screen_with: BaseChatModel | None = None,
        *,
        speaker: str = "",
        workflow: Workflow | None = None,
        numbers_turns: bool = False,
    ):
        super().__init__()
        self.screen_with, self.speaker, self.workflow = screen_with, speaker, workflow
        self.numbers_turns = numbers_turns
        self.policy = Policy(workflow.offline_rules) if workflow is not None else None

    def _refusal(self, failed: str, state: dict) -> str:
        if failed != "off_task" or self.workflow is None or self.policy is None:
            return REFUSALS[failed]
        step = self.workflow.step(self.speaker or self.workflow.current(state))
        words = self.policy.dialogue.at(self.policy.dialogue.steer_back, step.tool_names)
        # Never the same words twice in a row.
        return words if words and words != _last_reply(state) else REFUSALS[failed]

    @property
    def name(self) -> str:
        return f"Guardrails[{self.speaker}]" if self.speaker else "Guardrails"

    def _opening(self, request: ModelRequest) -> tuple[dict[str, Any], AIMessage | None]:
        """What a new customer message opens the turn with (its verdicts and, with
        `numbers_turns`, the turn's number), and the refusal if a check failed."""
        state = request.state
        message = latest_unchecked(state.get("messages") or [])
        if message is None:
            return {}, None
        small_talk = self.policy.small_talk if self.policy is not None else None
        with within(deadline_of(request.runtime)):  # screening spends the answer's time too
            verdicts = check_with_model(self.screen_with, message.text, small_talk)
        kwargs = {**message.additional_kwargs, KEY: [v.row() for v in verdicts]}
        update: dict[str, Any] = {
            "messages": [message.model_copy(update={"additional_kwargs": kwargs})]
        }
        if self.numbers_turns:
            update["turn"] = turn_of(state) + 1
        failed = first_failure(verdicts)
        if failed is None:
            return update, None
        refusal = AIMessage(
            content=self._refusal(failed, state),
            name=self.speaker or None,
            response_metadata={"act": "refusal", "guardrail": failed},
        )
        return update, refusal

    @staticmethod
    def _passed(request: ModelRequest, update: dict[str, Any]) -> ModelRequest:
        """The request the agent answers: the new turn's number in its state, and no
        refused message or refusal among its messages."""
        state = {**request.state, **{k: v for k, v in update.items() if k != "messages"}}
        kept = [m for m in request.messages if not refused(m)]
        return request.override(state=state, messages=kept)

    @staticmethod
    def _with(response: ModelResponse, update: dict[str, Any]):  # noqa: ANN205
        return ExtendedModelResponse(response, Command(update=update)) if update else response

    def wrap_model_call(
        self, request: ModelRequest, handler: Callable[[ModelRequest], ModelResponse]
    ) -> ModelResponse | ExtendedModelResponse:
        update, refusal = self._opening(request)
        if refusal is not None:
            return self._with(ModelResponse(result=[refusal]), update)
        return self._with(handler(self._passed(request, update)), update)

    async def awrap_model_call(
        self, request: ModelRequest, handler: Callable[[ModelRequest], Awaitable[ModelResponse]]
    ) -> ModelResponse | ExtendedModelResponse:
        # A real model's screening call would block the loop; the rules alone need no thread.
        if self.screen_with is None:
            update, refusal = self._opening(request)
        else:
            update, refusal = await asyncio.to_thread(self._opening, request)
        if refusal is not None:
            return self._with(ModelResponse(result=[refusal]), update)
        return self._with(await handler(self._passed(request, update)), update)
