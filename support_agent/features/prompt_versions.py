"""Prompt versions: numbered saves of a step prompt or a tool description (`tool:<name>`), at
most one active per key; `source()` reads it at every model call, in every process."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from string import Formatter
from typing import Any

from support_agent.base.oneline import one_line
from support_agent.core.declaration import Workflow
from support_agent.core.middleware.step_config import PromptSource, tool_key
from support_agent.core.prompting import TemplateError, fill_prompt, placeholders, validate_template
from support_agent.store.records import Database, now, table
from support_agent.workflows import get_workflow

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS hs_prompt_active (
        workflow TEXT NOT NULL,
        prompt_key TEXT NOT NULL,
        version_id TEXT NOT NULL,
        activated_at TEXT NOT NULL,
        PRIMARY KEY (workflow, prompt_key)
    )""",
)

TOOL_PREFIX = "tool:"
TOOL_DESCRIPTION_CHARS = 1_000
PROMPT_CHARS = 20_000  # far above any real prompt; stops a pasted book, not a long prompt
NAME_CHARS = 80
NOTE_CHARS = 500
_COLUMN = {"key": "prompt_key", "number": "version"}  # a Version's fields named otherwise there
_SAVE_ATTEMPTS = 5  # concurrent saves of one key race for the next number; retry the loser


@dataclass(frozen=True)
class Version:
    id: str
    workflow: str
    key: str
    number: int
    name: str
    note: str
    text: str
    created_at: str

    @property
    def label(self) -> str:
        return f"v{self.number} · {self.name}" if self.name else f"v{self.number}"


def _workflow(workflow: str | Workflow) -> Workflow:
    return workflow if isinstance(workflow, Workflow) else get_workflow(workflow)


def is_tool_key(key: str) -> bool:
    return key.startswith(TOOL_PREFIX)


def tool_name(key: str) -> str:
    return key.removeprefix(TOOL_PREFIX)


def defaults(workflow: str | Workflow) -> dict[str, str]:
    """Every editable key -> its built-in template (a tool's description with braces doubled)."""
    wf = _workflow(workflow)
    out = {step.name: step.prompt for step in wf.steps}
    for tool in wf.all_tools:
        out[tool_key(tool.name)] = tool.description.replace("{", "{{").replace("}", "}}")
    return out


def allowed_placeholders(workflow: str | Workflow, key: str) -> list[str]:
    wf = _workflow(workflow)
    _check_key(wf, key)
    return [] if is_tool_key(key) else wf.prompt_keys


def validate(workflow: str | Workflow, key: str, text: str) -> list[str]:
    """`text`'s placeholders as the template of `key`; `TemplateError` says what is wrong."""
    wf = _workflow(workflow)
    _check_key(wf, key)
    if "\x00" in text:
        raise TemplateError("The text contains a NUL character (often from a paste); remove it.")
    tool = is_tool_key(key)
    what, limit = (
        ("A tool description", TOOL_DESCRIPTION_CHARS) if tool else ("A prompt", PROMPT_CHARS)
    )
    if not text.strip():
        raise TemplateError(f"{what} can't be empty: write what the model should read.")
    if len(text) > limit:
        keep = " Keep it to what the tool does and when to use it." if tool else ""
        raise TemplateError(
            f"{what} can be at most {limit:,} characters; this one has {len(text):,}.{keep}"
        )
    if not tool:
        return validate_template(text, wf.prompt_keys)
    try:
        found = [(f, c, spec) for _text, f, spec, c in Formatter().parse(text) if f is not None]
    except ValueError:
        placeholders(text)  # raises the stray-brace message
        raise
    if found:
        field, conversion, spec = found[0]
        shown = field + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
        raise TemplateError(
            f"A tool description can't have placeholders, but this one has {{{shown}}}. "
            "The model reads it as it is: write {{ and }} for a literal brace."
        )
    return []


def _check_key(wf: Workflow, key: str) -> None:
    editable = defaults(wf)
    if key not in editable:
        raise KeyError(f"{wf.title} has no step or tool {key!r}; editable: {', '.join(editable)}")


class PromptVersions:
    def __init__(self, db: Database):
        self.db = db
        unique = "UNIQUE (workflow, prompt_key, version)"
        versions = table(
            "hs_prompt_versions", Version, unique, named=_COLUMN, id="TEXT PRIMARY KEY"
        )
        db.setup([versions, *SCHEMA])

    def versions(self, workflow: str, key: str) -> list[Version]:
        rows = self.db.select("hs_prompt_versions", "version", workflow=workflow, prompt_key=key)
        return [_version(row) for row in rows]

    def get(self, version_id: str) -> Version | None:
        return _version(self.db.one("hs_prompt_versions", id=version_id))

    def active(self, workflow: str, key: str) -> Version | None:
        rows = self.db.query(
            "SELECT v.* FROM hs_prompt_active a JOIN hs_prompt_versions v ON v.id = a.version_id "
            "WHERE a.workflow = ? AND a.prompt_key = ?",
            (workflow, key),
        )
        return _version(rows[0] if rows else None)

    def active_text(self, workflow: str, key: str) -> str | None:
        return getattr(self.active(workflow, key), "text", None)

    def current_text(self, workflow: str, key: str) -> str:
        text = self.active_text(workflow, key)
        return defaults(workflow)[key] if text is None else text

    def save(self, workflow: str, key: str, text: str, name: str = "", note: str = "") -> Version:
        """Store `text` as the next version of `key` (not activated) if it validates."""
        validate(workflow, key, text)
        name, note = one_line(name, NAME_CHARS), (note or "").strip()[:NOTE_CHARS]
        for _attempt in range(_SAVE_ATTEMPTS):
            version_id = uuid.uuid4().hex
            # The number is taken as the row is written; UNIQUE turns a lost race into no row.
            written = self.db.execute(
                "INSERT INTO hs_prompt_versions "
                "(id, workflow, prompt_key, version, name, note, text, created_at) "
                "SELECT ?, ?, ?, COALESCE(MAX(version), 0) + 1, ?, ?, ?, ? "
                "FROM hs_prompt_versions WHERE workflow = ? AND prompt_key = ? "
                "ON CONFLICT (workflow, prompt_key, version) DO NOTHING",
                (version_id, workflow, key, name, note, text, now(), workflow, key),
            )
            saved = self.get(version_id) if written else None
            if saved is not None:
                return saved
        raise RuntimeError(f"Could not save a new version of {key}: too many concurrent saves.")

    def activate(self, workflow: str, key: str, version_id: str) -> Version:
        written = self.db.execute(
            "INSERT INTO hs_prompt_active (workflow, prompt_key, version_id, activated_at) "
            "SELECT workflow, prompt_key, id, ? FROM hs_prompt_versions "
            "WHERE id = ? AND workflow = ? AND prompt_key = ? "
            "ON CONFLICT (workflow, prompt_key) DO UPDATE "
            "SET version_id = excluded.version_id, activated_at = excluded.activated_at",
            (now(), version_id, workflow, key),
        )
        version = self.get(version_id) if written else None
        if version is None:
            raise KeyError(f"No saved version {version_id!r} of {workflow}/{key}.")
        return version

    def use_default(self, workflow: str, key: str) -> None:
        self.db.execute(
            "DELETE FROM hs_prompt_active WHERE workflow = ? AND prompt_key = ?", (workflow, key)
        )

    def source(self) -> PromptSource:
        """The active versions, one lookup per model call and no cache, so an activation
        anywhere is used by the next call."""

        def prompts(workflow: str, key: str) -> str | None:
            text = self.active_text(workflow, key)
            return None if text is None else as_read(key, text)

        return prompts


def as_read(key: str, text: str) -> str:
    """A saved template as agents take it: a tool description with doubled braces made single."""
    if not is_tool_key(key):
        return text
    try:
        return fill_prompt(text, {})
    except TemplateError:  # saved before a rule changed: show it as written
        return text


def _version(row: dict[str, Any] | None) -> Version | None:
    fields = {column: field for field, column in _COLUMN.items()}
    return Version(**{fields.get(c, c): v for c, v in row.items()}) if row else None
