"""Checks a workflow declaration when it is created, so every mistake fails at import with the
workflow and field named, not at the first model call or in the middle of a demo.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from typing import Any, get_type_hints

from support_agent.core.prompting import TemplateError, placeholders
from support_agent.offline.policy import OfflineRules


class WorkflowError(ValueError): ...


Problems = Iterator[tuple[str, str]]  # (where, what is wrong)


def check(wf: Any, *, jump: str, note_keys: Sequence[str], step_keys: Sequence[str]) -> None:
    """Check `wf`, the `Workflow` being created; raises `WorkflowError` naming every problem.

    The declaration passes its own reserved names and `StepState`'s keys, so this module, below
    it, never imports it.
    """
    keys = set(get_type_hints(wf.state_schema))
    problems = [
        f"{where}: {what}"
        for found in (
            _steps(wf, keys),
            _moves(wf),
            _tools(wf, jump),
            _approvals(wf),
            _hand_over(wf),
            _facts(wf, keys),
            _graph_of_agents(wf, keys, note_keys, step_keys),
        )
        for where, what in found
    ]
    if problems:
        raise WorkflowError(f"workflow {wf.name}: " + "; ".join(problems))


def _placeholders(where: str, text: str, allowed: Collection[str], why: str) -> Problems:
    try:
        unknown = [n for n in placeholders(text) if n not in allowed]
    except TemplateError as exc:
        yield where, str(exc)
        return
    for name in unknown:
        yield where, f"{{{name}}} {why}"


def _steps(wf: Any, keys: set[str]) -> Problems:
    names = [s.name for s in wf.steps]
    choices = ", ".join(names)
    if not wf.steps:
        yield "steps", "a workflow needs at least one step"
    for name in sorted({n for n in names if names.count(n) > 1}):
        yield "steps", f"two steps are named {name!r}"
    if wf.initial not in names:
        yield "initial", f"{wf.initial!r} is not a step (steps: {choices})"
    if wf.state_key not in keys:
        yield "state_key", f"{wf.state_key!r} is not a key of {wf.state_schema.__name__}"
    for step in wf.steps:
        where = f"steps.{step.name}"
        if not step.prompt.strip():
            yield f"{where}.prompt", "empty: every step needs a prompt"
        else:
            yield from _placeholders(
                f"{where}.prompt", step.prompt, wf.prompt_keys, "is filled by no state key"
            )
        for key in step.requires:
            if key not in keys:
                yield f"{where}.requires", f"{key!r} is not a state key"
        if not step.tools:
            yield f"{where}.tools", "a step needs at least one tool"
    if wf.initial in names:
        for name in names:
            if name not in wf.reachable_from(wf.initial):
                yield f"steps.{name}", f"no move reaches it from {wf.initial!r}"


def _offered(wf: Any) -> set[str]:
    return {t.name for s in wf.steps for t in s.tools}


def _moves(wf: Any) -> Problems:
    names = [s.name for s in wf.steps]
    for tool, move in wf.moves.items():
        where = f"moves.{tool}"
        if tool not in _offered(wf):
            yield where, "no step offers this tool"
        if move.target not in names:
            yield where, f"target {move.target!r} is not a step (steps: {', '.join(names)})"
        if not move.label.strip():
            yield f"{where}.label", "empty: the diagram shows it on the arrow"
        yield from _placeholders(
            f"{where}.because", move.because, wf.fact_keys, "is not a recorded fact"
        )


def _tools(wf: Any, jump: str) -> Problems:
    offered = _offered(wf)
    if jump in offered:
        yield f"tools.{jump}", "the name is kept for jumps to a step (support_agent.ui.jump)"
    for tool in wf.tool_labels:
        if tool not in offered:
            yield f"tool_labels.{tool}", "no step offers this tool"
    for tool in sorted(offered - set(wf.moves) - set(wf.tool_labels)):
        yield "tool_labels", f"{tool} has no words for people (a Move or a tool label)"


def _approvals(wf: Any) -> Problems:
    tools = {t.name: t for s in wf.steps for t in s.tools}
    for approval in wf.approvals:
        where = f"approvals.{approval.tool}"
        if approval.tool not in tools:
            yield where, "no step offers this tool"
            continue
        if not approval.request.strip():
            yield f"{where}.request", 'empty: say what is asked for ("refund requested")'
        if not approval.question.strip():
            yield f"{where}.question", "empty: it is what the person approving is asked"
        arguments = tools[approval.tool].tool_call_schema.model_json_schema().get("properties", {})
        if approval.editable and arguments.get(approval.editable, {}).get("type") != "string":
            yield f"{where}.editable", f"{approval.tool} has no text argument {approval.editable!r}"


def _hand_over(wf: Any) -> Problems:
    if wf.hand_over is None:
        return
    if wf.hand_over.tool not in _offered(wf):
        yield f"hand_over.{wf.hand_over.tool}", "no step offers this tool"
    if not wf.hand_over.title.strip():
        yield "hand_over.title", "empty: it names the person's node on the diagram"


def _facts(wf: Any, keys: set[str]) -> Problems:
    for fact in wf.facts:
        if fact.key not in keys:
            yield f"facts.{fact.key}", f"not a key of {wf.state_schema.__name__}"
    if not isinstance(wf.offline_rules, OfflineRules):
        yield "offline_rules", "needs the OfflineRules the offline model follows"


def _graph_of_agents(
    wf: Any, keys: set[str], note_keys: Sequence[str], step_keys: Sequence[str]
) -> Problems:
    """A graph of agents keeps the step middleware's keys and the transfer guard's
    flag in its own state (one agent gets them from the middleware)."""
    if wf.handoffs is None:
        return
    for key in [*step_keys, "handoff_limited"]:
        if key not in keys:
            yield "state_schema", f"{wf.state_schema.__name__} needs a {key!r} key"
    if wf.handoffs.max_transfers < 1:
        yield "handoffs.max_transfers", "must be at least 1"
    yield from _placeholders(
        "handoffs.note", wf.handoffs.note, note_keys, "is not one of {source}, {reason}"
    )
