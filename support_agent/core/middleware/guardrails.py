"""`GuardrailMiddleware`: screen each customer message before the agent answers it.

Verdicts are kept on the customer's message, so they survive in the checkpoint. A tripped
guardrail refuses politely and ends the turn; later model calls never see a refused message
or its refusal, so a hijack attempt can't steer the conversation afterwards.
"""

from __future__ import annotations

from typing import Any

from langchain.agents.middleware import AgentMiddleware, ModelRequest, hook_config
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage

from support_agent.core.declaration import Workflow, turn_of
from support_agent.core.middleware.hooks import ShapesModelRequests
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


class GuardrailMiddleware(ShapesModelRequests, AgentMiddleware):
    """Off-task and prompt-injection checks: the rules, and `screen_with` when given.

    With `workflow`, its small talk counts as off-task, and the refusal steers back to the
    step's question. With `numbers_turns` (one agent), the same node numbers the turn first,
    since each hook is a graph node and a step of the run; a graph of agents numbers its turns
    in the agent's node.
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

    def _screen(self, state: dict) -> dict[str, Any] | None:
        message = latest_unchecked(state.get("messages") or [])
        if message is None:
            return None
        small_talk = self.policy.small_talk if self.policy is not None else None
        verdicts = check_with_model(self.screen_with, message.text, small_talk)
        kwargs = {**message.additional_kwargs, KEY: [v.row() for v in verdicts]}
        checked = message.model_copy(update={"additional_kwargs": kwargs})
        failed = first_failure(verdicts)
        if failed is None:
            return {"messages": [checked]}
        refusal = AIMessage(
            content=self._refusal(failed, state),
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
            screened = self._screen(state)
        if not self.numbers_turns:
            return screened
        return {"turn": turn_of(state) + 1, **(screened or {})}
