"""A workflow's data (its steps' words and prompts; the offline model's cues and replies)
read from `workflows/data/<workflow>.yaml` and checked on load: a malformed file fails at
import with an error naming the file and the line.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from support_agent.base.yaml_text import YamlSyntaxError, line_of, parse_yaml_text
from support_agent.offline.dialogue import Dialogue, Faq
from support_agent.offline.intents import Cue
from support_agent.offline.policy import Rule


class DataError(ValueError):
    """A data file that cannot be used; the message starts with `file:line`."""


@dataclass(frozen=True)
class StepData:
    """A step's words: `core.declaration.Step` without its tools."""

    title: str
    prompt: str
    description: str = ""
    requires: tuple[str, ...] = ()  # the facts recorded before the step opens


@dataclass(frozen=True)
class FactData:
    """A recorded fact's words: `core.declaration.Fact` without its key."""

    title: str
    values: dict[str, str] = field(default_factory=dict)  # stored value -> words


@dataclass(frozen=True)
class Move:
    """Where calling a tool takes the machine: `label` names the diagram's edge, `because`
    (filled with the move's facts in words) is the reason kept in the history. Declared
    here, beside the data files that hold the moves; `core.declaration` exports it."""

    target: str
    label: str
    because: str = ""
    # A correction: withdraws the hand-overs raised since the machine last left `target`.
    withdraws: bool = False


@dataclass(frozen=True)
class ApprovalData:
    """A tool that waits for a person: `core.declaration.Approval` without its tool."""

    question: str
    request: str
    editable: str = ""


class WorkflowData(BaseModel):
    """One workflow's data file; the dataclasses within are checked with its config."""

    model_config = ConfigDict(extra="forbid")

    steps: dict[str, StepData] = {}
    facts: dict[str, FactData] = {}
    moves: dict[str, Move] = {}  # by the tool that moves the machine
    approvals: dict[str, ApprovalData] = {}  # by tool, besides the hand-over's
    tool_labels: dict[str, str] = {}  # what the tools that don't move the machine did
    starters: tuple[tuple[str, str], ...] = ()  # (label, customer text)
    cues: dict[str, tuple[Cue, ...]] = {}
    numbers: dict[str, dict[str, float]] = {}  # figures readers compute with (prices)
    texts: dict[str, dict[str, str]] = {}  # words readers hand to the rules
    faq: tuple[Faq, ...] = ()
    dialogue: Dialogue | None = None  # its FAQ is the section above (`dialogue_with`)
    rules: tuple[Rule, ...] = ()
    # details one problem shows as ("won't charge", then "the battery health is 60%")
    related_details: dict[str, tuple[str, ...]] = {}

    def step_words(self, step: str) -> dict[str, str]:
        """The name, title, description, prompt and requirements of `step`, as `Step` takes
        them."""
        if step not in self.steps:
            raise KeyError(f"the data file has no step {step!r} under steps:")
        return {"name": step, **asdict(self.steps[step])}

    def fact_words(self) -> list[dict]:
        """Each fact's key, title and values, as `Fact` takes them."""
        return [{"key": key, **asdict(fact)} for key, fact in self.facts.items()]

    def dialogue_with(self, faq: tuple[Faq, ...] = ()) -> Dialogue:
        if self.dialogue is None:
            raise KeyError("this data file has no dialogue")
        return replace(self.dialogue, faq=faq)


def load_data(path: Path) -> WorkflowData:
    """The checked contents of the data file at `path`, or a `DataError` naming file:line."""
    text = path.read_text(encoding="utf-8")
    try:
        raw, node = parse_yaml_text(text)
    except YamlSyntaxError as exc:
        raise DataError(f"{path}:{exc.line or 1}: {exc.problem}") from None
    try:
        return WorkflowData.model_validate(raw or {})
    except ValidationError as exc:
        first = exc.errors()[0]
        line = line_of(node, first["loc"]) if node is not None else 1
        where = ".".join(map(str, first["loc"]))
        raise DataError(f"{path}:{line}: {where}: {first['msg']}") from None


def workflow_data(name: str) -> WorkflowData:
    """The data file of the workflow `name`, beside the workflow declarations."""
    return load_data(Path(__file__).resolve().parents[1] / "workflows" / "data" / f"{name}.yaml")
