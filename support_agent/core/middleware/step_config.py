"""Step configuration middleware, the state machine's engine: before each model call, the
current step's required facts are checked, its prompt filled from state, and only its tools
handed to the model. The turn is numbered by `GuardrailMiddleware(numbers_turns=True)` as it
screens the turn's first model call: every middleware hook would be a graph node of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from langchain.agents.middleware import AgentMiddleware, ModelRequest
from langchain.agents.middleware.types import ToolCallRequest
from langchain_core.messages import SystemMessage, ToolMessage
from langchain_core.tools import BaseTool

from support_agent.core.declaration import StepState, Workflow
from support_agent.core.middleware.hooks import GatesToolCalls, ShapesModelRequests, refusal

# (workflow, key) -> override or None; `key` is a step name, or "tool:<name>" for its description.
PromptSource = Callable[[str, str], str | None]


def tool_key(name: str) -> str:
    return f"tool:{name}"


def described_tools(
    workflow: Workflow, tools: Sequence[BaseTool], prompts: PromptSource | None
) -> list[BaseTool]:
    """The tools as the model sees them, with any edited descriptions (the agent still
    runs the registered tool)."""
    if prompts is None:
        return list(tools)
    out = []
    for tool in tools:
        description = prompts(workflow.name, tool_key(tool.name))
        out.append(tool.model_copy(update={"description": description}) if description else tool)
    return out


class StepRequirementError(ValueError):
    def __init__(self, workflow: Workflow, step: str, missing: list[str]):
        self.step, self.missing = step, missing
        title = workflow.step(step).title
        super().__init__(
            f"Step '{title}' ({step}) needs {', '.join(missing)} to be recorded first, "
            "but the conversation state has no value for it."
        )


class StepConfigMiddleware(ShapesModelRequests, GatesToolCalls, AgentMiddleware):
    """Apply the current step's prompt and tools; refuse a step whose facts are
    missing, and a tool call the step doesn't offer (it changes nothing)."""

    state_schema = StepState

    def __init__(self, workflow: Workflow, prompts: PromptSource | None = None):
        super().__init__()
        self.workflow, self.prompts = workflow, prompts

    @property
    def name(self) -> str:
        return f"StepConfig[{self.workflow.name}]"

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

    def refuse(self, request: ToolCallRequest) -> ToolMessage | None:
        call = request.tool_call
        step = self.workflow.current(request.state or {})
        offered = self.workflow.step(step).tool_names
        if call["name"] in offered:
            return None
        return refusal(
            call,
            f"{call['name']} is not available at step {step}; nothing changed. "
            f"Tools available here: {', '.join(offered)}.",
        )
