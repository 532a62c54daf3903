"""A person approves a workflow's gated tools before they run.

LangChain's `HumanInTheLoopMiddleware` does the pausing: after the model asks
for a tool the workflow declares in `approvals`, the run stops at a LangGraph
`interrupt` and waits for `Command(resume={"decisions": [...]})`. This module
only says which tools, what the person is asked, what they may do (edit only
where the declaration names an editable argument), and whether to ask at all:
that comes from the run's context, so one compiled graph serves conversations
with approvals on and off, and a paused conversation is always resumed with
them on (the decision made is the one that counts).

Example:
    ```python
    agent = create_agent(
        model,
        tools=workflow.all_tools,
        middleware=[ApprovalMiddleware(workflow)],
        context_schema=RunContext,
        checkpointer=InMemorySaver(),
    )
    agent.invoke({"messages": [...]}, config, context=RunContext(approvals=True))
    ```
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from langchain.agents.middleware import HumanInTheLoopMiddleware, InterruptOnConfig, hook_config
from langchain.agents.middleware.human_in_the_loop import (
    Action,
    ActionRequest,
    ApproveDecision,
    Decision,
    DecisionType,
    EditDecision,
    HITLRequest,
    HITLResponse,
    RejectDecision,
)
from langchain.agents.middleware.types import AgentState, ToolCallRequest
from langchain_core.messages import ToolMessage
from langgraph.runtime import Runtime

from support_agent.core.declaration import Workflow
from support_agent.offline.dialogue import REJECTED

NAME = "ApprovalMiddleware"
REVIEW_NODE = f"{NAME}.after_model"  # the node where a run pauses and resumes
_NOTE_SAID = "with reason: "  # how LangChain's middleware passes a reviewer's message on


def approvals_asked(request: ToolCallRequest) -> bool:
    """Whether this run asks a person (the context says so; none given means no)."""
    return bool(getattr(request.runtime.context, "approvals", False))


# The rejection's message when the customer withdrew the action by writing again: what
# the model reads in the call's result on later turns.
WITHDRAWN_NOTE = "the customer withdrew this request by writing again before a person decided"


class ApprovalMiddleware(HumanInTheLoopMiddleware):
    """Pause before `workflow`'s gated tools while the run's `RunContext` asks for it."""

    name = NAME  # names the graph node (REVIEW_NODE), whatever LangChain calls it

    def __init__(self, workflow: Workflow):
        super().__init__(
            interrupt_on={
                a.tool: InterruptOnConfig(
                    allowed_decisions=["approve", *(["edit"] if a.editable else []), "reject"],
                    description=a.question,
                    when=approvals_asked,
                )
                for a in workflow.approvals
            },
            # The edited call is what ran; the model is told in the tool's result.
            edit_notice="A person reviewed and edited this action before it ran.",
        )

    @hook_config(can_jump_to=["end"])
    def after_model(self, state: AgentState, runtime: Runtime) -> dict[str, Any] | None:
        """LangChain's review, then each rejection marked as a person's (with their note),
        so the agent can tell "a person said no" from a tool that failed.

        A pause the customer withdrew (`RunContext.withdraw`: they wrote again) is
        answered with a rejection too, and the run ends there: the agent's next words
        answer the customer's new message, not the withdrawn action.
        """
        update = super().after_model(state, runtime)
        rejected = False
        for message in (update or {}).get("messages") or []:
            # In this hook, only a rejection produces a tool result (the tool never ran).
            if isinstance(message, ToolMessage) and message.status == "error":
                # The reviewer's note, in the words LangChain put around it ("" if none).
                note = message.text.partition(_NOTE_SAID)[2].strip()
                message.additional_kwargs[REJECTED] = note
                rejected = True
        if rejected and getattr(runtime.context, "withdraw", False):
            return {**update, "jump_to": "end"}
        return update


def pending_request(interrupts: Any) -> tuple[str, HITLRequest] | None:
    """(interrupt id, LangChain's review request) among a paused run's interrupts;
    None when it is not paused for one."""
    for item in interrupts or ():
        value = getattr(item, "value", None)
        if isinstance(value, dict) and value.get("action_requests"):
            return str(getattr(item, "id", "") or ""), HITLRequest(**value)
    return None


def answers(
    actions: Iterable[ActionRequest], decision: DecisionType, *, editable: str = "", text: str = ""
) -> HITLResponse:
    """The resume payload for `decision` on every one of `actions`: `edit` puts
    `text` in the `editable` argument, `reject` passes `text` on as the note."""

    def decided(action: dict) -> Decision:
        if decision == "edit":
            args = {**action["args"], editable: text}
            return EditDecision(type="edit", edited_action=Action(name=action["name"], args=args))
        if decision == "reject":
            return RejectDecision(type="reject", **({"message": text} if text else {}))
        return ApproveDecision(type="approve")

    return HITLResponse(decisions=[decided(a) for a in actions])
