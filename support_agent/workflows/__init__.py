"""The registry of workflows the app offers."""

from __future__ import annotations

from support_agent.workflow import Workflow
from support_agent.workflows.handoffs import HANDOFFS
from support_agent.workflows.support import SUPPORT

WORKFLOWS: dict[str, Workflow] = {SUPPORT.name: SUPPORT, HANDOFFS.name: HANDOFFS}


def get_workflow(name: str) -> Workflow:
    try:
        return WORKFLOWS[name]
    except KeyError:
        raise KeyError(f"Unknown workflow {name!r}; known: {', '.join(WORKFLOWS)}") from None


def offline_rules_for(bound: list[str]):
    """The offline-model rules of the workflow that offers every bound tool.

    Workflows may share a tool (`escalate_to_human`), so the bound set, not a
    single name, tells which workflow's step is asking.
    """
    for workflow in WORKFLOWS.values():
        if set(bound) <= {t.name for t in workflow.all_tools}:
            return workflow.offline_rules
    return None
