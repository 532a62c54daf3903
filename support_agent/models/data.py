"""A workflow's offline data (cues, replies) read from YAML and checked on load.

Cues and customer-facing words are data, kept beside each workflow in
`support_agent/workflows/data/<workflow>.yaml`; the Python around them keeps
only the readers and rules that use them. A malformed file fails at import
with an error that names the file and the line, whether YAML cannot parse it
or a value is wrong (a missing label, a regex that does not compile).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from support_agent.models.intents import Cue


class DataError(ValueError):
    """A data file that cannot be used; the message starts with `file:line`."""


class CueData(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str
    pattern: str
    weight: float = 1.0
    detail: str | None = None

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, pattern: str) -> str:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
        return pattern


Text = str | dict[str, str] | list[str]


class WorkflowData(BaseModel):
    """One workflow's data file: classifiers' cues by classifier name, and text by key."""

    model_config = ConfigDict(extra="forbid")

    cues: dict[str, list[CueData]] = {}
    text: dict[str, Text] = {}

    def cues_of(self, classifier: str) -> tuple[Cue, ...]:
        return tuple(Cue(**c.model_dump()) for c in self.cues[classifier])


def _line_of(node: yaml.Node, loc: tuple[Any, ...]) -> int:
    """The line (1-based) of the YAML node at pydantic's error location `loc`."""
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            found = next((v for k, v in node.value if k.value == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            found = node.value[key]
        else:
            found = None
        if found is None:
            break
        node = found
    return node.start_mark.line + 1


def load_data(path: Path) -> WorkflowData:
    """The checked contents of the data file at `path`, or a `DataError` naming file:line."""
    text = path.read_text(encoding="utf-8")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        raw = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise DataError(f"{path}:{line}: {exc.problem or exc}") from None
    try:
        return WorkflowData.model_validate(raw or {})
    except ValidationError as exc:
        first = exc.errors()[0]
        line = _line_of(node, first["loc"]) if node is not None else 1
        where = ".".join(map(str, first["loc"]))
        raise DataError(f"{path}:{line}: {where}: {first['msg']}") from None


def workflow_data(name: str) -> WorkflowData:
    """The data file of the workflow `name`, beside the workflow declarations."""
    return load_data(Path(__file__).resolve().parent.parent / "workflows" / "data" / f"{name}.yaml")
