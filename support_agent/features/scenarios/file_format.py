"""What a scenario file holds, checked against the workflow declaration on load, so a typo is
an error naming the file and field, never a silent pass."""

from __future__ import annotations

import re
import typing
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from support_agent.base.settings import settings
from support_agent.base.yaml_text import YamlSyntaxError, checked_pattern, parse_yaml_text
from support_agent.core.declaration import Workflow
from support_agent.core.engine import MAX_MESSAGE_CHARS
from support_agent.core.screening import CHECKS
from support_agent.workflows import WORKFLOWS

SUFFIXES = (".yaml", ".yml")
# A conversation a person could hold, not a load test; read at import: the schema holds it.
MAX_TURNS = settings().checked("HANDOFF_SCENARIO_MAX_TURNS").handoff_scenario_max_turns
ROOT = Path(__file__).resolve().parents[3]


def scenarios_dir() -> Path:
    return settings().scenarios_dir or ROOT / "scenarios"


class ScenarioLoadError(ValueError):
    """A scenario file can't be used; `problems` are `file: field: what is wrong` lines."""

    def __init__(self, problems: list[str], source: str | Path | None = None):
        self.problems = [f"{source}: {problem}" if source else problem for problem in problems]
        super().__init__("\n".join(self.problems))


class Expectations(BaseModel):
    """What should be true once every turn has run. Each item is optional."""

    model_config = ConfigDict(extra="forbid")

    final_step: str | None = None  # for handoffs: the active agent
    facts: dict[str, str | None] = {}  # null: not recorded
    tools_called: list[str] = []  # each at least once
    tools_not_called: list[str] = []
    path: list[str] | None = None  # every step visited, from the initial step
    handoff_limited: bool | None = None  # whether the last turn hit the transfer limit
    guardrails_tripped: list[str] | None = None  # per refused turn, in order; []: none

    @model_validator(mode="after")
    def _checks_something(self) -> Expectations:
        fields = type(self).model_fields
        if all(getattr(self, name) == f.default for name, f in fields.items()):
            raise ValueError(f"expect checks nothing: name at least one of {', '.join(fields)}")
        return self


class Turn(BaseModel):
    """One customer message, alone or as a mapping that checks its turn:
    `{say: "it's cracked", calls: [record_issue_type], act: clarify}`."""

    model_config = ConfigDict(extra="forbid")

    say: str
    calls: list[str] = []
    not_calls: list[str] = []
    # The kind of reply (ask, clarify, refusal, ...): only the offline model and guardrails say.
    act: str | None = None
    says: list[str] = []  # regular expressions (any case) the reply matches
    not_says: list[str] = []

    @field_validator("says", "not_says")
    @classmethod
    def _patterns(cls, patterns: list[str]) -> list[str]:
        return [checked_pattern(pattern) for pattern in patterns]


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    description: str = ""
    workflow: str
    max_transfers: int | None = Field(default=None, ge=0)  # per turn, with a loop guard
    turns: list[Turn] = Field(min_length=1, max_length=MAX_TURNS)
    # A person's answer to each pause, in order; withdraw leaves it for the next message to
    # withdraw. With any, the scenario runs with approvals on.
    decisions: list[
        Literal["approve", "reject", "withdraw"] | dict[Literal["reject", "edit"], str]
    ] = []
    expect: Expectations

    _source: Path | None = PrivateAttr(default=None)

    @property
    def source(self) -> Path | None:
        return self._source

    @property
    def spec(self) -> Workflow:
        return WORKFLOWS[self.workflow]

    @property
    def texts(self) -> list[str]:
        return [turn.say for turn in self.turns]

    @field_validator("turns", mode="before")
    @classmethod
    def _messages_alone(cls, turns: Any) -> Any:
        if not isinstance(turns, list):
            return turns
        return [{"say": t} if isinstance(t, str) else t for t in turns]

    @property
    def answers(self) -> list[tuple[str, str]]:
        """(decision, text) pairs, as `engine.decide` takes them."""
        return [(d, "") if isinstance(d, str) else next(iter(d.items())) for d in self.decisions]

    @model_validator(mode="after")
    def _matches_the_workflow(self) -> Scenario:
        workflow = WORKFLOWS.get(self.workflow)
        if workflow is None:
            known = _choices(WORKFLOWS)
            raise ValueError(f"workflow: unknown workflow {self.workflow!r}; known: {known}")
        if problems := [*_input_problems(self, workflow), *_expect_problems(self.expect, workflow)]:
            raise ValueError("\n".join(problems))
        return self


def _choices(names: Iterable[str]) -> str:
    return ", ".join(names) or "none"


def _unknown(field: str, names: Iterable[str], kind: str, workflow: Workflow) -> Iterator[str]:
    """A line for each of `names` that is not a `kind` (step or tool) of `workflow`; `field`
    may hold `{i}`, the name's index."""
    known = workflow.step_names if kind == "step" else [t.name for t in workflow.all_tools]
    for i, name in enumerate(names):
        if name not in known:
            where = f"{kind} of workflow {workflow.name} ({kind}s: {_choices(known)})"
            yield f"{field.format(i=i)}: {name!r} is not a {where}"


def fact_values(workflow: Workflow, key: str) -> tuple[str, ...] | None:
    """The values of a fact's `Literal` in the state schema; None if open."""
    hint = typing.get_type_hints(workflow.state_schema).get(key)
    if typing.get_origin(hint) is typing.Literal:
        return tuple(str(v) for v in typing.get_args(hint))
    return None


def _input_problems(scenario: Scenario, workflow: Workflow) -> Iterator[str]:
    where = f"workflow {workflow.name}"
    for i, turn in enumerate(scenario.turns):
        yield from _unknown(f"turns[{i}]", [*turn.calls, *turn.not_calls], "tool", workflow)
        if not turn.say.strip():
            yield f"turns[{i}]: empty message"
        elif len(turn.say) > MAX_MESSAGE_CHARS:
            yield f"turns[{i}]: {len(turn.say):,} characters; the limit is {MAX_MESSAGE_CHARS:,}"
    if scenario.max_transfers is not None and workflow.handoffs is None:
        yield f"max_transfers: {where} has no transfer limit"
    if scenario.decisions and not workflow.approvals:
        yield f"decisions: {where} has no actions that wait for approval"
    for i, decision in enumerate(scenario.decisions):
        if isinstance(decision, dict) and len(decision) != 1:
            yield f"decisions[{i}]: one of reject or edit, with its text"
        elif isinstance(decision, dict) and "edit" in decision and not decision["edit"].strip():
            yield f"decisions[{i}]: edit needs the new text"


def _expect_problems(expect: Expectations, workflow: Workflow) -> Iterator[str]:
    where, steps = f"workflow {workflow.name}", workflow.step_names
    if expect.final_step is not None:
        yield from _unknown("expect.final_step", [expect.final_step], "step", workflow)
    for key, value in expect.facts.items():
        if key not in workflow.fact_keys:
            yield f"expect.facts.{key}: not a fact of {where} (facts: {_choices(workflow.fact_keys)})"
        elif value is not None and (allowed := fact_values(workflow, key)) and value not in allowed:
            yield (
                f"expect.facts.{key}: {value!r} is not a value it can take "
                f"(values: {_choices(allowed)}, or null for not recorded)"
            )
    for field in ("tools_called", "tools_not_called"):
        yield from _unknown(f"expect.{field}[{{i}}]", getattr(expect, field), "tool", workflow)
    if both := sorted(set(expect.tools_called) & set(expect.tools_not_called)):
        yield f"expect.tools_not_called: {_choices(both)} also listed in tools_called"
    if expect.path is not None:
        yield from _path_problems(workflow, expect.path)
        end = expect.path[-1] if expect.path else None
        if expect.final_step in steps and end in steps and end != expect.final_step:
            yield f"expect.path: ends at {end!r} but expect.final_step is {expect.final_step!r}"
    for name in expect.guardrails_tripped or []:
        if name not in CHECKS:
            yield f"expect.guardrails_tripped: {name!r} is not a guardrail ({_choices(CHECKS)})"
    if expect.handoff_limited is not None and workflow.handoffs is None:
        yield f"expect.handoff_limited: {where} has no transfer limit"


def _path_problems(workflow: Workflow, path: list[str]) -> list[str]:
    start = f"a path starts at the initial step {workflow.initial!r}"
    if not path:
        return [f"expect.path: empty; {start}"]
    if problems := list(_unknown("expect.path[{i}]", path, "step", workflow)):
        return problems
    if path[0] != workflow.initial:
        problems.append(f"expect.path[0]: {start}, not {path[0]!r}")
    moves = {(e.source, e.target) for e in workflow.edges()}
    for i, (a, b) in enumerate(zip(path, path[1:], strict=False), start=1):
        if (a, b) not in moves:
            problems.append(f"expect.path[{i}]: no declared transition from {a!r} to {b!r}")
    return problems


def _format(error: ValidationError) -> list[str]:
    lines = []
    for err in error.errors():
        loc = ".".join(
            f"[{part}]" if isinstance(part, int) else str(part) for part in err["loc"]
        ).replace(".[", "[")
        message = {
            "missing": "required field is missing",
            "extra_forbidden": "unknown field (check the spelling)",
            "string_type": f"expected text, got {err['input']!r} (put it in quotes)",
        }.get(err["type"], err["msg"].removeprefix("Value error, "))
        lines += [f"{loc}: {line}" if loc else line for line in message.splitlines()]
    return lines


def parse_scenario(data: Any, source: str | Path | None = None) -> Scenario:
    if not isinstance(data, dict):
        raise ScenarioLoadError(
            ["expected a mapping with name, workflow, turns and expect"], source
        )
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioLoadError(_format(exc), source) from None
    scenario._source = Path(source) if source else None
    return scenario


def parse_yaml(text: str, source: str | Path | None = None) -> Scenario:
    try:
        data, _ = parse_yaml_text(text)
    except YamlSyntaxError as exc:
        at = f" (line {exc.line}, column {exc.column})" if exc.line else ""
        raise ScenarioLoadError([f"not valid YAML{at}: {exc.problem}"], source) from None
    return parse_scenario(data, source)


def load_scenario(path: str | Path) -> Scenario:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioLoadError([f"can't read it ({exc.strerror or exc})"], path) from None
    except UnicodeDecodeError:
        raise ScenarioLoadError(
            ["is not UTF-8 text; save it as UTF-8 and try again"], path
        ) from None
    return parse_yaml(text, path)


def scenario_files(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given, directories' *.yaml sorted."""
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix in SUFFIXES and p.is_file())
        else:
            files.append(path)
    return files


def load_each(paths: Iterable[str | Path]) -> tuple[list[Scenario], list[ScenarioLoadError]]:
    """Every scenario that loads, and an error for each that doesn't (a taken name too)."""
    scenarios: list[Scenario] = []
    errors: list[ScenarioLoadError] = []
    seen: dict[str, Path] = {}
    for path in scenario_files(paths):
        try:
            scenario = load_scenario(path)
            if (other := seen.get(scenario.name)) is not None:
                raise ScenarioLoadError(
                    [f"name: {scenario.name!r} is already used by {other}"], path
                )
        except ScenarioLoadError as exc:
            errors.append(exc)
            continue
        seen[scenario.name] = path
        scenarios.append(scenario)
    return scenarios, errors


def load_paths(paths: Iterable[str | Path]) -> list[Scenario]:
    """Every scenario under `paths`, or one `ScenarioLoadError` listing every problem."""
    scenarios, errors = load_each(paths)
    if errors:
        raise ScenarioLoadError([line for err in errors for line in err.problems])
    return scenarios


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False):
        return super().increase_indent(flow, False)  # list items indented under their key


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style=style)


def _list(dumper: yaml.SafeDumper, value: list) -> yaml.Node:
    # Names (steps, tools) read best on one line: [warranty_collector, issue_classifier]
    names = all(isinstance(v, str) and re.fullmatch(r"\w+", v) for v in value)
    flow = bool(value) and names and sum(len(v) + 2 for v in value) <= 80
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


_Dumper.add_representer(str, _str)
_Dumper.add_multi_representer(str, _str)  # str subclasses, such as a message's `.text`
_Dumper.add_representer(list, _list)


def dump_yaml(data: dict) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, indent=2)
