"""Customer support with handoffs: the LangChain tutorial's state machine.

One agent whose prompt and tools change with `current_step`:
warranty_collector -> issue_classifier -> resolution_specialist, with go-back
tools for corrections. This module is the workflow's only declaration; the
middleware, the sidebar diagram, scenarios and docs all read `SUPPORT`.
"""

from __future__ import annotations

from typing import Literal, NotRequired

from langchain.tools import ToolRuntime, tool
from langgraph.types import Command

from support_agent.core.declaration import Fact, Move, RunContext, Step, StepState, Workflow
from support_agent.workflows.human import HAND_OVER, PERSON, escalate_to_human
from support_agent.workflows.support_intents import SUPPORT_RULES

# --- State ---------------------------------------------------------------------------

SupportStep = Literal["warranty_collector", "issue_classifier", "resolution_specialist"]
WarrantyStatus = Literal["in_warranty", "out_of_warranty"]
IssueType = Literal["hardware", "software"]


class SupportState(StepState):
    """State for the customer support workflow."""

    current_step: NotRequired[SupportStep]
    warranty_status: NotRequired[WarrantyStatus]
    issue_type: NotRequired[IssueType]


# --- Tools ---------------------------------------------------------------------------
# A tool's docstring is the description the model reads.


@tool
def record_warranty_status(
    status: WarrantyStatus, runtime: ToolRuntime[RunContext, SupportState]
) -> Command:
    """Record the customer's warranty status and move on to issue classification."""
    return SUPPORT.move(
        runtime,
        "record_warranty_status",
        f"Warranty status recorded as: {status}",
        warranty_status=status,
    )


@tool
def record_issue_type(
    issue_type: IssueType, runtime: ToolRuntime[RunContext, SupportState]
) -> Command:
    """Record the type of issue (hardware or software) and move on to resolution."""
    return SUPPORT.move(
        runtime,
        "record_issue_type",
        f"Issue type recorded as: {issue_type}",
        issue_type=issue_type,
    )


@tool
def provide_solution(solution: str) -> str:
    """Provide a solution to the customer's issue."""
    return f"Solution provided: {solution}"


@tool
def go_back_to_warranty(runtime: ToolRuntime[RunContext, SupportState]) -> Command:
    """Go back to the warranty verification step to correct the warranty status."""
    return SUPPORT.move(
        runtime,
        "go_back_to_warranty",
        "Returned to warranty verification.",
    )


@tool
def go_back_to_classification(runtime: ToolRuntime[RunContext, SupportState]) -> Command:
    """Go back to the issue classification step to correct the issue type."""
    return SUPPORT.move(
        runtime,
        "go_back_to_classification",
        "Returned to issue classification.",
    )


@tool
def start_new_case(runtime: ToolRuntime[RunContext, SupportState]) -> Command:
    """Start a new case for a different problem or device: clear the recorded facts."""
    return SUPPORT.move(
        runtime,
        "start_new_case",
        "Started a new case; warranty status and issue type cleared.",
        warranty_status=None,
        issue_type=None,
    )


# --- Prompts (data: the prompt studio can override them) -----------------------------

WARRANTY_COLLECTOR_PROMPT = """You are a customer support agent helping with device issues.

CURRENT STEP: Warranty verification

At this step, you need to:
1. Greet the customer warmly
2. Ask if their device is under warranty
3. Use record_warranty_status to record their response and move to the next step

If the customer asks for a person, use escalate_to_human.
Be conversational and friendly. Don't ask multiple questions at once."""

ISSUE_CLASSIFIER_PROMPT = """You are a customer support agent helping with device issues.

CURRENT STEP: Issue classification
CUSTOMER INFO: Warranty status is {warranty_status}

At this step, you need to:
1. Ask the customer to describe their issue
2. Determine if it's a hardware issue (physical damage, broken parts) or software issue (app crashes, performance)
3. Use record_issue_type to record the classification and move to the next step

If unclear, ask clarifying questions before classifying.
If the customer corrects the warranty status, use go_back_to_warranty.
If the customer asks for a person, use escalate_to_human."""

RESOLUTION_SPECIALIST_PROMPT = """You are a customer support agent helping with device issues.

CURRENT STEP: Resolution
CUSTOMER INFO: Warranty status is {warranty_status}, issue type is {issue_type}

At this step, you need to:
1. For SOFTWARE issues: provide troubleshooting steps using provide_solution
2. For HARDWARE issues:
   - If IN WARRANTY: explain warranty repair process using provide_solution
   - If OUT OF WARRANTY: escalate_to_human for paid repair options

If the customer indicates any information was wrong, use:
- go_back_to_warranty to correct warranty status
- go_back_to_classification to correct issue type

If the customer raises a new, different problem or device, use start_new_case.
If the customer asks for a person, use escalate_to_human (once per case, unless they ask again).

Be specific and helpful in your solutions."""

# --- The workflow ----------------------------------------------------------------------

SUPPORT = Workflow(
    name="support",
    title="Customer support (state machine)",
    state_key="current_step",
    initial="warranty_collector",
    steps=(
        Step(
            name="warranty_collector",
            title="Warranty verification",
            prompt=WARRANTY_COLLECTOR_PROMPT,
            tools=(record_warranty_status, escalate_to_human),
            description="Find out whether the device is under warranty.",
        ),
        Step(
            name="issue_classifier",
            title="Issue classification",
            prompt=ISSUE_CLASSIFIER_PROMPT,
            tools=(record_issue_type, go_back_to_warranty, escalate_to_human),
            requires=("warranty_status",),
            description="Decide whether the problem is hardware or software.",
        ),
        Step(
            name="resolution_specialist",
            title="Resolution",
            prompt=RESOLUTION_SPECIALIST_PROMPT,
            tools=(
                provide_solution,
                escalate_to_human,
                go_back_to_warranty,
                go_back_to_classification,
                start_new_case,
            ),
            requires=("warranty_status", "issue_type"),
            description="Fix it, arrange a warranty repair, or hand over to a person.",
        ),
    ),
    moves={
        "record_warranty_status": Move(
            "issue_classifier", "warranty recorded", "the device is {warranty_status}"
        ),
        "record_issue_type": Move(
            "resolution_specialist", "issue classified", "the issue was classified as {issue_type}"
        ),
        "go_back_to_warranty": Move(
            "warranty_collector",
            "warranty corrected",
            "the customer corrected the warranty status",
            withdraws=True,
        ),
        "go_back_to_classification": Move(
            "issue_classifier",
            "issue corrected",
            "the customer corrected the issue type",
            withdraws=True,
        ),
        "start_new_case": Move(
            "warranty_collector", "new problem", "the customer raised a new problem"
        ),
    },
    facts=(
        Fact(
            "warranty_status",
            "Warranty",
            {"in_warranty": "In warranty", "out_of_warranty": "Out of warranty"},
        ),
        Fact("issue_type", "Issue type", {"hardware": "Hardware", "software": "Software"}),
    ),
    tool_labels={
        "provide_solution": "solution given",
        "escalate_to_human": "handed over to a person",
    },
    approvals=(HAND_OVER,),
    hand_over=PERSON,
    offline_rules=SUPPORT_RULES,
    starters=(
        ("Cracked screen (the tutorial)", "Hi, my phone screen is cracked"),
        (
            "Old laptop, swollen battery",
            "My laptop's battery is swollen and I bought it 3 years ago",
        ),
        ("Slow after an update", "My phone has been really slow since the last update"),
    ),
    state_schema=SupportState,
    rank=0,  # the tutorial comes first
)
