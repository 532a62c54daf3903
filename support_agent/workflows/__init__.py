"""The registry of workflows the app offers."""

from __future__ import annotations

from functools import reduce

from support_agent.workflow import Workflow
from support_agent.workflows.handoffs import HANDOFFS
from support_agent.workflows.support import SUPPORT

WORKFLOWS: dict[str, Workflow] = {SUPPORT.name: SUPPORT, HANDOFFS.name: HANDOFFS}


def get_workflow(name: str) -> Workflow:
    try:
        return WORKFLOWS[name]
    except KeyError:
        raise KeyError(f"Unknown workflow {name!r}; known: {', '.join(WORKFLOWS)}") from None


def offline_rules():
    """Every workflow's offline-model rules, merged (tool names are unique)."""
    return reduce(lambda a, b: a + b, (w.offline_rules for w in WORKFLOWS.values()))
