"""The reference for the turn-cost rows: the LangChain tutorial's agent, as it writes it.

"Build customer support with handoffs" (docs.langchain.com): one `create_agent` whose
`@wrap_model_call` middleware picks `current_step`'s prompt and tools, tools that return
`Command` updates, summarization and an `InMemorySaver` (its structure, our words). Of Handoff
Studio only the offline model is in it, given the support rules so it calls the same tools.
"""

from __future__ import annotations

from typing import Literal, NotRequired

from langchain.agents import AgentState, create_agent
from langchain.agents.middleware import SummarizationMiddleware, wrap_model_call
from langchain.messages import SystemMessage, ToolMessage
from langchain.tools import ToolRuntime, tool
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from support_agent.offline.model import OfflineChatModel
from support_agent.workflows.support import SUPPORT

# The tutorial's four customer turns (what every turn-cost row sends).
TURNS = [
    "Hi, my phone screen is cracked",
    "Yes, it's still under warranty",
    "The screen is physically cracked from dropping it",
    "What should I do?",
]


class TutorialState(AgentState):
    current_step: NotRequired[str]
    warranty_status: NotRequired[Literal["in_warranty", "out_of_warranty"]]
    issue_type: NotRequired[Literal["hardware", "software"]]


def _moved(runtime: ToolRuntime, text: str, **update) -> Command:
    note = ToolMessage(content=text, tool_call_id=runtime.tool_call_id)
    return Command(update={**update, "messages": [note]})


@tool
def record_warranty_status(
    status: Literal["in_warranty", "out_of_warranty"], runtime: ToolRuntime
) -> Command:
    """Record whether the device is under warranty."""
    return _moved(runtime, f"Warranty: {status}", warranty_status=status,
                  current_step="issue_classifier")  # fmt: skip


@tool
def record_issue_type(issue_type: Literal["hardware", "software"], runtime: ToolRuntime) -> Command:
    """Record whether the issue is hardware or software."""
    return _moved(runtime, f"Issue: {issue_type}", issue_type=issue_type,
                  current_step="resolution_specialist")  # fmt: skip


@tool
def provide_solution(solution: str) -> str:
    """Give the customer a solution."""
    return f"Solution: {solution}"


@tool
def escalate_to_human(reason: str) -> str:
    """Hand the case to a person."""
    return f"Escalated: {reason}"


@tool
def go_back_to_warranty(runtime: ToolRuntime) -> Command:
    """Return to the warranty question to correct it."""
    return _moved(runtime, "Back to warranty", current_step="warranty_collector")


@tool
def go_back_to_classification(runtime: ToolRuntime) -> Command:
    """Return to the issue question to correct it."""
    return _moved(runtime, "Back to classification", current_step="issue_classifier")


STEPS = {
    "warranty_collector": {
        "prompt": "Ask whether the device is under warranty, then record it.",
        "tools": [record_warranty_status, escalate_to_human],
        "requires": [],
    },
    "issue_classifier": {
        "prompt": "Warranty: {warranty_status}. Find out whether the issue is hardware or "
        "software, then record it.",
        "tools": [record_issue_type, escalate_to_human],
        "requires": ["warranty_status"],
    },
    "resolution_specialist": {
        "prompt": "Warranty: {warranty_status}; issue: {issue_type}. Solve it, or hand "
        "out-of-warranty hardware to a person.",
        "tools": [
            provide_solution,
            escalate_to_human,
            go_back_to_warranty,
            go_back_to_classification,
        ],  # fmt: skip
        "requires": ["warranty_status", "issue_type"],
    },
}


@wrap_model_call
def apply_step(request, handler):
    step = STEPS[request.state.get("current_step", "warranty_collector")]
    missing = [key for key in step["requires"] if request.state.get(key) is None]
    if missing:
        raise ValueError(f"missing {missing}")
    prompt = step["prompt"].format(**{k: request.state.get(k) for k in step["requires"]})
    return handler(request.override(system_message=SystemMessage(prompt), tools=step["tools"]))


def tutorial_agent(checkpointer=None):
    """The tutorial's agent on the offline model (`InMemorySaver` unless given one)."""
    model = OfflineChatModel(rules=SUPPORT.offline_rules)
    every_tool = {t.name: t for step in STEPS.values() for t in step["tools"]}
    return create_agent(
        model,
        tools=list(every_tool.values()),
        state_schema=TutorialState,
        middleware=[apply_step, SummarizationMiddleware(model=model, trigger=("tokens", 4000))],
        checkpointer=checkpointer if checkpointer is not None else InMemorySaver(),
    )
