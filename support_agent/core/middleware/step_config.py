"""Step configuration middleware: the state machine's engine.

Before each model call it reads the workflow's current step from state,
checks the step's required facts, fills the step's prompt from state and hands
the model only that step's tools. Its state (`StepState`) holds the customer's
turn number, so the transition history can say when each move happened; the
turn is numbered where it opens, by `GuardrailMiddleware(numbers_turns=True)`:
every middleware hook is a graph node and a step of its own, and one node that
numbers and screens the message costs a turn less than two.

Example:
    ```python
    from langchain.agents import create_agent
    from support_agent.core.middleware import StepConfigMiddleware
    from support_agent.core.middleware.guardrails import GuardrailMiddleware
    from support_agent.workflows.support import SUPPORT

    agent = create_agent(
        model,
        tools=SUPPORT.all_tools,
        state_schema=SUPPORT.state_schema,
        middleware=[
            StepConfigMiddleware(SUPPORT),
            GuardrailMiddleware(workflow=SUPPORT, numbers_turns=True),
        ],
    )
    ```
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from langchain.agents.middleware import AgentMiddleware, ModelRequest
from langchain.agents.middleware.types import ToolCallRequest
from langchain_core.messages import SystemMessage, ToolMessage
from langchain_core.tools import BaseTool

from support_agent.core.declaration import StepState, Workflow
from support_agent.core.middleware.hooks import GatesToolCalls, ShapesModelRequests

# (workflow, key) -> override or None. `key` is a step name for its prompt
# template, or "tool:<name>" for the description the model reads of that tool.
PromptSource = Callable[[str, str], str | None]


def tool_key(name: str) -> str:
    return f"tool:{name}"


def described_tools(
    workflow: Workflow, tools: Sequence[BaseTool], prompts: PromptSource | None
) -> list[BaseTool]:
    """The tools as the model should see them, with any edited descriptions.

    Only what the model reads changes: the agent still runs the registered tool.
    """
    if prompts is None:
        return list(tools)
    out = []
    for tool in tools:
        description = prompts(workflow.name, tool_key(tool.name))
        out.append(tool.model_copy(update={"description": description}) if description else tool)
    return out


class StepRequirementError(ValueError):
    """The current step needs facts that the state does not hold."""

    def __init__(self, workflow: Workflow, step: str, missing: list[str]):
        self.step, self.missing = step, missing
        title = workflow.step(step).title
        super().__init__(
            f"Step '{title}' ({step}) needs {', '.join(missing)} to be recorded first, "
            "but the conversation state has no value for it."
        )


class StepConfigMiddleware(ShapesModelRequests, GatesToolCalls, AgentMiddleware):
    """Apply the current step's prompt and tools; refuse a step whose facts are missing.

    Tool calls the current step does not offer (a model may name any registered
    tool, or one that doesn't exist) get an error result and change nothing.
    """

    # `turn` and `transitions` are this middleware's keys: any agent it runs in has them.
    # (No `before_agent`: the guardrails' node numbers the turn, see the module's words.)
    state_schema = StepState

    def __init__(self, workflow: Workflow, prompts: PromptSource | None = None):
        super().__init__()
        self.workflow = workflow
        self.prompts = prompts

    @property
    def name(self) -> str:
        return f"StepConfig[{self.workflow.name}]"

    # -- step configuration --------------------------------------------------------
    def configure(self, request: ModelRequest) -> ModelRequest:
        state = request.state
        step = self.workflow.current(state)
        missing = self.workflow.missing_requirements(step, state)
        if missing:
            raise StepRequirementError(self.workflow, step, missing)
        override = self.prompts(self.workflow.name, step) if self.prompts else None
        prompt = self.workflow.render_prompt(step, state, override)
        return request.override(
            system_message=SystemMessage(content=prompt),
            tools=described_tools(self.workflow, self.workflow.step(step).tools, self.prompts),
        )

    # -- tools: only the current step's ----------------------------------------------
    def refuse(self, request: ToolCallRequest) -> ToolMessage | None:
        """A model can name any registered tool; run only what this step offers."""
        call = request.tool_call
        step = self.workflow.current(request.state or {})
        offered = self.workflow.step(step).tool_names
        if call["name"] in offered:
            return None
        return ToolMessage(
            content=f"{call['name']} is not available at step {step}; nothing changed. "
            f"Tools available here: {', '.join(offered)}.",
            tool_call_id=call["id"],
            name=call["name"],
            status="error",
        )
