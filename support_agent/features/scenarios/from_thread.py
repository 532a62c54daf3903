"""A finished conversation as a scenario whose expectations are what happened, so the draft
passes until edited to say what *should* happen. A file is only replaced when asked to."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from langchain_core.messages import AIMessage

from support_agent.base.oneline import clip
from support_agent.core.declaration import Workflow, is_decision, turn_of
from support_agent.core.state_view import customer_turns
from support_agent.core.state_view import facts as state_facts
from support_agent.features.scenarios.file_format import (
    Expectations,
    ScenarioLoadError,
    dump_yaml,
    load_each,
    parse_scenario,
    parse_yaml,
)
from support_agent.features.scenarios.runner import path_taken

NAME_CHARS = 60
SLUG_CHARS = 60


@dataclass
class Draft:
    """YAML text to edit, and what to check by hand."""

    text: str
    name: str
    warnings: list[str] = field(default_factory=list)


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:SLUG_CHARS].rstrip("-") or "scenario"


def tools_called(state: dict) -> list[str]:
    """Each tool the agent called, once, in first-call order."""
    names = [
        call["name"]
        for m in state.get("messages") or []
        if isinstance(m, AIMessage)
        for call in m.tool_calls
    ]
    return list(dict.fromkeys(names))


def decisions(state: dict) -> list:
    answers: list = []
    for record in filter(is_decision, state.get("transitions") or []):
        if record["decision"] == "edit":
            answers.append({"edit": record.get("edited", "")})
        elif record["decision"] == "reject" and record.get("note"):
            answers.append({"reject": record["note"]})
        else:
            answers.append(record["decision"])
    return answers


def draft_from_state(
    workflow: Workflow,
    state: dict,
    *,
    turns: list[str] | None = None,
    name: str | None = None,
) -> Draft:
    """A scenario of what happened in `state`; `turns`: every customer message, when earlier
    ones were summarized away (the timeline still has them)."""
    if turns is None:
        turns = customer_turns(state.get("messages") or [])
    said = [str(t) for t in turns]
    if not said:
        raise ValueError("The conversation has no customer message yet: nothing to replay.")
    warnings: list[str] = []
    held = turn_of(state)
    if held > len(said):
        warnings.append(
            f"The conversation had {held} turns but only the last {len(said)} customer "
            "messages are still in it (earlier ones were summarized). The scenario replays "
            "those only, so check the path and facts before saving."
        )
    name = name or f"From the chat — {clip(said[0], NAME_CHARS)}"
    expect = Expectations(
        final_step=workflow.current(state),
        facts=state_facts(workflow, state),
        tools_called=tools_called(state),
        path=path_taken(workflow, state),
        handoff_limited=True if workflow.handoffs and state.get("handoff_limited") else None,
    )
    data: dict = {
        "name": name,
        "description": f"Saved from a chat conversation ({workflow.title}). Expectations are "
        "what happened then; edit them to say what should happen.",
        "workflow": workflow.name,
        "turns": said,
    }
    if answers := decisions(state):  # the person's decisions, replayed at each pause
        data["decisions"] = answers
    data["expect"] = expect.model_dump(exclude_defaults=True)
    parse_scenario(data)  # a draft is always a valid scenario
    return Draft(dump_yaml(data), name, warnings)


def save_scenario_text(text: str, directory: str | Path, *, overwrite: bool = False) -> Path:
    """Write valid `text` to `<directory>/<slug of its name>.yaml`; `ScenarioLoadError` for a
    bad one or a name another file has, `FileExistsError` unless `overwrite`."""
    scenario = parse_yaml(text)
    directory = Path(directory)
    path = directory / f"{slugify(scenario.name)}.yaml"
    if directory.is_dir():
        others, _errors = load_each([directory])
        for other in others:
            if other.name == scenario.name and other.source and other.source.name != path.name:
                raise ScenarioLoadError(
                    [f"name: {scenario.name!r} is already used by {other.source.name}"]
                )
    directory.mkdir(parents=True, exist_ok=True)
    body = text if text.endswith("\n") else text + "\n"
    with path.open("w" if overwrite else "x", encoding="utf-8") as out:
        out.write(body)
    return path
