"""A workflow's data (its steps' words and prompts; the offline model's cues and replies)
read from YAML and checked on load.

Cues and customer-facing words are data, kept beside each workflow in
`support_agent/workflows/data/<workflow>.yaml`; the Python around them keeps
only the readers and rules that use them. A malformed file fails at import
with an error that names the file and the line, whether YAML cannot parse it
or a value is wrong (a missing label, a regex that does not compile).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from support_agent.base.yaml_text import (
    YamlSyntaxError,
    checked_pattern,
    line_of,
    parse_yaml_text,
)
from support_agent.offline.dialogue import Dialogue, Faq
from support_agent.offline.intents import Cue
from support_agent.offline.policy import Rule


class DataError(ValueError):
    """A data file that cannot be used; the message starts with `file:line`."""


class CueData(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str
    pattern: str
    weight: float = 1.0
    detail: str | None = None

    _compiles = field_validator("pattern")(classmethod(lambda cls, p: checked_pattern(p)))


class FaqData(BaseModel):
    model_config = ConfigDict(extra="forbid")

    topic: str
    pattern: str
    answer: str | dict[str, str]

    _compiles = field_validator("pattern")(classmethod(lambda cls, p: checked_pattern(p)))


class DialogueData(BaseModel):
    """`models.dialogue.Dialogue` without its FAQ (a section of its own)."""

    model_config = ConfigDict(extra="forbid")

    human_tool: str
    human_say: str
    human_reply_after: str
    clarify: dict[str, tuple[str, str]]
    steer_back: dict[str, str]
    offer_person: str
    language_note: str
    after_escalation: tuple[str, ...]
    faq_by: tuple[str, ...] = ()
    moves: tuple[str, ...] = ()
    new_case_tool: str | None = None
    thanks: str
    abilities_cue: str | None = None
    abilities: dict[str, str] = {}
    instead_of_repeating: tuple[str, ...] = ()
    clarify_for: list[FaqData] = []

    _cue_compiles = field_validator("abilities_cue")(
        classmethod(lambda cls, p: p if p is None else checked_pattern(p))
    )


Words = str | dict[str, str]


class RuleData(BaseModel):
    """`models.policy.Rule`; a field left out keeps the Rule's default."""

    model_config = ConfigDict(extra="forbid")

    tool: str | None = None
    offered: tuple[str, ...] = ()
    classifier: str | None = None
    labels: tuple[str, ...] = ()
    arg: str | None = None
    values: dict[str, str] = {}
    look_back: bool = False
    need_label: bool = True
    fact: str | None = None
    contradicts: str | None = None
    when: dict[str, str] = {}
    args: dict[str, Words] = {}
    say: Words = ""
    reply_after: Words | None = None
    ask: Words | None = None
    once: bool = False
    min_margin: float = 0.0
    faq: bool = False
    act: str = "answer"
    unsure_labels: tuple[str, ...] = ("unsure", "unclear")


class StepData(BaseModel):
    """A step's words: `core.declaration.Step` without its tools and requirements."""

    model_config = ConfigDict(extra="forbid")

    title: str
    description: str = ""
    prompt: str


class WorkflowData(BaseModel):
    """One workflow's data file: each step's words (its prompt among them), classifiers'
    cues by classifier name, the rules (with the words they say), the FAQ and the dialogue."""

    model_config = ConfigDict(extra="forbid")

    steps: dict[str, StepData] = {}
    cues: dict[str, list[CueData]] = {}
    # Figures a workflow's readers compute with, by table (a catalogue's prices).
    numbers: dict[str, dict[str, float]] = {}
    # Words a workflow's readers hand to the rules, by table and key.
    texts: dict[str, dict[str, str]] = {}
    faq: list[FaqData] = []
    dialogue: DialogueData | None = None
    rules: list[RuleData] = []

    def step_words(self, step: str) -> dict[str, str]:
        """The name, title, description and prompt of `step`, as `Step` takes them."""
        if step not in self.steps:
            raise KeyError(f"the data file has no step {step!r} under steps:")
        return {"name": step, **self.steps[step].model_dump()}

    def cues_of(self, classifier: str) -> tuple[Cue, ...]:
        return tuple(Cue(**c.model_dump()) for c in self.cues[classifier])

    def rules_in_order(self) -> tuple[Rule, ...]:
        return tuple(Rule(**r.model_dump(exclude_unset=True)) for r in self.rules)

    def faqs(self) -> tuple[Faq, ...]:
        return tuple(Faq(**f.model_dump()) for f in self.faq)

    def dialogue_with(self, faq: tuple[Faq, ...] = ()) -> Dialogue:
        if self.dialogue is None:
            raise KeyError("this data file has no dialogue")
        fields = self.dialogue.model_dump(exclude={"clarify_for"})
        kinds = tuple(Faq(**c.model_dump()) for c in self.dialogue.clarify_for)
        return Dialogue(**fields, faq=faq, clarify_for=kinds)


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
