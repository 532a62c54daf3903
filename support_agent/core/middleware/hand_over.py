"""A hand-over to a person, kept in the conversation's history: `escalate_to_human` only answers
the model; this middleware adds the record and marks it standing. It wraps the tool call, so it
records only a hand-over that ran (with a person's edit, when approvals are on).
"""

from __future__ import annotations

from langchain.agents.middleware import AgentMiddleware
from langchain.agents.middleware.types import ToolCallRequest
from langchain_core.messages import ToolMessage
from langgraph.types import Command

from support_agent.core.declaration import STANDING, HandOverStatus, StepState, Workflow
from support_agent.core.middleware.hooks import GatesToolCalls


class HandOverMiddleware(GatesToolCalls, AgentMiddleware):
    """Record each hand-over that ran, at `step` (an agent's own) or the current step."""

    state_schema = StepState

    def __init__(self, workflow: Workflow, step: str = ""):
        super().__init__()
        self.workflow, self.step = workflow, step

    @property
    def name(self) -> str:
        return f"HandOver[{self.step or self.workflow.name}]"

    def answered(self, request: ToolCallRequest, result: ToolMessage | Command):
        hand_over = self.workflow.hand_over
        call = request.tool_call
        if hand_over is None or call["name"] != hand_over.tool:
            return result
        if not isinstance(result, ToolMessage) or result.status == "error":
            return result
        reason = str((call.get("args") or {}).get("reason") or "")
        record = self.workflow.handover_record(
            request.state or {}, call["id"], reason, step=self.step
        )
        requested = bool((call.get("args") or {}).get("requested"))
        standing = {call["id"]: HandOverStatus(status=STANDING, because="", requested=requested)}
        update = {"messages": [result], "transitions": [record], "hand_overs": standing}
        return Command(update=update)
