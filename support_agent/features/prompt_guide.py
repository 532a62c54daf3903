"""What a person editing a step prompt needs to know: what fills each `{name}`, and the step's
tools an edit stops naming (the commonest way an edit quietly breaks a step)."""

from __future__ import annotations

import re

from support_agent.core.declaration import Workflow
from support_agent.features.prompt_versions import allowed_placeholders

MISSING = "unknown"  # what a placeholder reads before its value is recorded (`fill_prompt`)


def _values(values: dict[str, str]) -> str:
    options = [f"`{stored}` ({words})" for stored, words in values.items()]
    return options[0] if len(options) == 1 else ", ".join(options[:-1]) + " or " + options[-1]


def placeholder_meanings(workflow: Workflow, key: str) -> list[tuple[str, str]]:
    """(name, what fills it, in Markdown) for each placeholder `key`'s template may use."""
    facts = {fact.key: fact for fact in workflow.facts}
    example = workflow.steps[0]
    out = []
    for name in allowed_placeholders(workflow, key):
        if name == workflow.state_key:
            what = "agent answering" if workflow.graph_endpoints else "step the conversation is at"
            meaning = f"The {what}, by its name (e.g. `{example.name}` for {example.title})."
        elif name == "turn":
            meaning = "Which message of the customer this is: 1 for the first, then 2, 3…"
        elif name in facts:
            fact = facts[name]
            said = f" as {_values(fact.values)}" if fact.values else ""
            meaning = f"{fact.title}, once the agent has recorded it{said}; `{MISSING}` until then."
        elif name == "handoff_limited":
            meaning = (
                "`True` when the limit on transfers between agents stopped one this turn, "
                "else `False`."
            )
        else:
            meaning = f"The conversation's `{name}`, as recorded; `{MISSING}` until set."
        out.append((name, meaning))
    return out


def _names(text: str, tool: str) -> bool:
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(tool)}(?![A-Za-z0-9_])", text) is not None


def dropped_tools(workflow: Workflow, step: str, before: str, after: str) -> list[str]:
    """The tools of `step` that `before` names and `after` doesn't."""
    return [
        tool
        for tool in workflow.step(step).tool_names
        if _names(before, tool) and not _names(after, tool)
    ]
