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

from support_agent.core.declaration import Workflow, turn_of
from support_agent.core.middleware.hooks import ShapesModelRequests
from support_agent.core.screening import REFUSALS, check_rules, check_with_model, first_failure
from support_agent.models.deadline import deadline_of, within
from support_agent.offline.policy import Policy, is_customer

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


def _last_reply(state: dict) -> str:
    said = (m for m in reversed(state.get("messages") or []) if isinstance(m, AIMessage))
    return next((m.text for m in said if not m.tool_calls), "")


class GuardrailMiddleware(ShapesModelRequests, AgentMiddleware):
    """Off-task and prompt-injection checks: the rules, and `screen_with` when given (the
    app passes its real model; the offline model and test models leave the rules alone).

    With `workflow`, its small talk counts as off-task (the one reading of it: the
    offline model never steers back on its own), and an off-task message is answered
    with the current step's steer-back words ("…is your device still under warranty?").

    With `numbers_turns` (a one-agent graph, beside `StepConfigMiddleware`), the same
    node also numbers the customer's turn, first: a turn refused here is numbered too.
    Each middleware hook is a LangGraph node and a step of the run, so numbering in a
    node of its own cost every turn one more step. A graph of agents numbers its turns
    in the agent's node instead (`agent_graph`).
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
        """The words for a refused message: off-task ones lead back to the step's question."""
        if failed != "off_task" or self.workflow is None or self.policy is None:
            return REFUSALS[failed]
        table = self.policy.dialogue.steer_back
        step = self.workflow.step(self.speaker or self.workflow.current(state))
        words = table.get(self.policy.dialogue.step_key(step.tool_names, table))
        # Never the same words twice in a row, as the offline model never repeats itself.
        return words if words and words != _last_reply(state) else REFUSALS[failed]

    @property
    def name(self) -> str:
        return f"Guardrails[{self.speaker}]" if self.speaker else "Guardrails"

    def _screen(self, state: dict) -> dict[str, Any] | None:
        message = latest_unchecked(state.get("messages") or [])
        if message is None:
            return None
        text = message.text
        small_talk = self.policy.small_talk if self.policy is not None else None
        verdicts = (
            check_with_model(self.screen_with, text, small_talk)
            if self.screen_with
            else check_rules(text, small_talk)
        )
        kwargs = {**message.additional_kwargs, KEY: [v.as_dict() for v in verdicts]}
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

    def _opened(self, state: dict) -> dict[str, Any] | None:
        """The turn's number (with `numbers_turns`) and the screening's verdict."""
        screened = self._screen(state)
        if not self.numbers_turns:
            return screened
        return {"turn": turn_of(state) + 1, **(screened or {})}

    @hook_config(can_jump_to=["end"])
    def before_agent(self, state, runtime) -> dict[str, Any] | None:  # noqa: ANN001
        with within(deadline_of(runtime)):  # screening spends the answer's time too
            return self._opened(state)

    @hook_config(can_jump_to=["end"])
    async def abefore_agent(self, state, runtime) -> dict[str, Any] | None:  # noqa: ANN001
        with within(deadline_of(runtime)):
            return self._opened(state)
