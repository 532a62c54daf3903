"""Checks a workflow declaration when it is created.

Every mistake a declaration can make fails at import, with the workflow and
the field named ("workflow returns: moves.refund_item: target 'refnud' is
not a step (steps: ...)"), instead of at the first model call or in the
middle of a demo.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, get_type_hints

from support_agent.core.prompting import TemplateError, placeholders
from support_agent.offline.policy import OfflineRules


class WorkflowError(ValueError):
    """A workflow declaration that can't work, named by workflow and field."""


def check(wf: Any, *, jump: str, note_keys: Sequence[str], step_keys: Sequence[str]) -> None:
    """Check `wf`, the `support_agent.core.declaration.Workflow` being created.

    `Workflow.__post_init__` calls this with its own reserved names (`jump`, the
    hand-over note's `note_keys`) and the keys every graph of agents must carry
    (`step_keys`, from `StepState`), so this module never imports `workflow.py`:
    it sits below it. Raises `WorkflowError` naming every problem found.
    """
    problems: list[str] = []

    def bad(where: str, what: str) -> None:
        problems.append(f"{where}: {what}")

    names = [s.name for s in wf.steps]
    choices = ", ".join(names)
    if not wf.steps:
        bad("steps", "a workflow needs at least one step")
    for name in {n for n in names if names.count(n) > 1}:
        bad("steps", f"two steps are named {name!r}")
    if wf.initial not in names:
        bad("initial", f"{wf.initial!r} is not a step (steps: {choices})")

    keys = set(get_type_hints(wf.state_schema))
    if wf.state_key not in keys:
        bad("state_key", f"{wf.state_key!r} is not a key of {wf.state_schema.__name__}")
    prompt_keys = set(wf.prompt_keys)
    offered = {t.name for s in wf.steps for t in s.tools}
    for step in wf.steps:
        where = f"steps.{step.name}"
        if not step.prompt.strip():
            bad(f"{where}.prompt", "empty: every step needs a prompt")
        else:
            try:
                unknown = [n for n in placeholders(step.prompt) if n not in prompt_keys]
            except TemplateError as exc:
                bad(f"{where}.prompt", str(exc))
            else:
                for name in unknown:
                    bad(f"{where}.prompt", f"{{{name}}} is filled by no state key")
        for key in step.requires:
            if key not in keys:
                bad(f"{where}.requires", f"{key!r} is not a state key")
        if not step.tools:
            bad(f"{where}.tools", "a step needs at least one tool")

    for tool, move in wf.moves.items():
        where = f"moves.{tool}"
        if tool not in offered:
            bad(where, "no step offers this tool")
        if move.target not in names:
            bad(where, f"target {move.target!r} is not a step (steps: {choices})")
        if not move.label.strip():
            bad(f"{where}.label", "empty: the diagram shows it on the arrow")
        try:
            unknown = [n for n in placeholders(move.because) if n not in wf.fact_keys]
        except TemplateError as exc:
            bad(f"{where}.because", str(exc))
        else:
            for name in unknown:
                bad(f"{where}.because", f"{{{name}}} is not a recorded fact")
    if jump in offered:
        bad(f"tools.{jump}", "the name is kept for jumps to a step (support_agent.ui.jump)")
    for tool in wf.tool_labels:
        if tool not in offered:
            bad(f"tool_labels.{tool}", "no step offers this tool")
    for tool in sorted(offered - set(wf.moves) - set(wf.tool_labels)):
        bad("tool_labels", f"{tool} has no words for people (a Move or a tool label)")
    tools = {t.name: t for s in wf.steps for t in s.tools}
    for approval in wf.approvals:
        where = f"approvals.{approval.tool}"
        if approval.tool not in tools:
            bad(where, "no step offers this tool")
            continue
        if not approval.question.strip():
            bad(f"{where}.question", "empty: it is what the person approving is asked")
        arguments = tools[approval.tool].tool_call_schema.model_json_schema().get("properties", {})
        if approval.editable and arguments.get(approval.editable, {}).get("type") != "string":
            bad(f"{where}.editable", f"{approval.tool} has no text argument {approval.editable!r}")
    for fact in wf.facts:
        if fact.key not in keys:
            bad(f"facts.{fact.key}", f"not a key of {wf.state_schema.__name__}")

    if wf.initial in names:
        unreachable = [n for n in names if n not in wf.reachable_from(wf.initial)]
        for name in unreachable:
            bad(f"steps.{name}", f"no move reaches it from {wf.initial!r}")

    if not isinstance(wf.offline_rules, OfflineRules):
        bad("offline_rules", "needs the OfflineRules the offline model follows")
    # A graph of agents keeps the step middleware's keys in its own graph state
    # (`StepState`), and its transfer guard's flag; one agent gets them from the middleware.
    if wf.handoffs is not None:
        for key in [*step_keys, "handoff_limited"]:
            if key not in keys:
                bad("state_schema", f"{wf.state_schema.__name__} needs a {key!r} key")
    if wf.handoffs is not None:
        if wf.handoffs.max_transfers < 1:
            bad("handoffs.max_transfers", "must be at least 1")
        try:
            unknown = [n for n in placeholders(wf.handoffs.note) if n not in note_keys]
        except TemplateError as exc:
            bad("handoffs.note", str(exc))
        else:
            for name in unknown:
                bad("handoffs.note", f"{{{name}}} is not one of {{source}}, {{reason}}")
    if problems:
        raise WorkflowError(f"workflow {wf.name}: " + "; ".join(problems))
