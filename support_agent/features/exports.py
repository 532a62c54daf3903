"""A conversation as Markdown or JSON. The Markdown is opened in other people's viewers, so
nothing in it is live: every text's HTML is escaped and no image loads."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from typing import Any

from support_agent.core.declaration import Workflow, turn_of
from support_agent.core.state_view import ChatItem, facts, history_rows, transcript
from support_agent.features.tickets import HUMAN_AGENT, HUMAN_AGENT_TITLE


def as_data(
    workflow: Workflow,
    state: dict,
    *,
    thread_id: str,
    title: str,
    tickets: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """`tickets` (tool call id -> "T-1004") names each hand-over's ticket."""
    return {
        "thread_id": thread_id,
        "title": title,
        "workflow": workflow.name,
        workflow.state_key: workflow.current(state),
        "facts": facts(workflow, state),
        "turns": turn_of(state),
        "transitions": history_rows(workflow, state, tickets),
        "messages": [_entry(item) for item in transcript(state)],
    }


def _entry(item: ChatItem) -> dict[str, Any]:
    """A bubble: its role and text, its agent and tool uses when it has them."""
    tools = [{"name": t.name, "args": t.args, "result": t.result, "ok": t.ok} for t in item.tools]
    shown = {"agent": item.agent, "tools": tools}
    return {"role": item.role, "text": item.text} | {k: v for k, v in shown.items() if v}


def as_json(workflow: Workflow, state: dict, **about: Any) -> str:
    return json.dumps(as_data(workflow, state, **about), indent=2, ensure_ascii=False)


def as_markdown(workflow: Workflow, state: dict, **about: Any) -> str:
    data = as_data(workflow, state, **about)
    thread_id, title = data["thread_id"], data["title"]
    step = workflow.step(workflow.current(state)).title
    lines = [f"# {_line(title)}", "", f"- Workflow: {workflow.title}"]
    lines += [f"- Thread: {_code(thread_id)}", f"- Current step: {step}"]
    lines += [f"- Turns: {data['turns']}"]
    lines += [  # in words, as the app shows them; the JSON keeps the stored values
        f"- {fact.title}: "
        + (_line(fact.words(state.get(fact.key))) if state.get(fact.key) else "not recorded")
        for fact in workflow.facts
    ]
    lines += ["", "## Transition history", ""]
    if data["transitions"]:
        lines += ["| Turn | From | To | Tool | Reason |", "| --- | --- | --- | --- | --- |"]
        lines += [
            f"| {r['turn']} | {_cell(r['from'])} | {_cell(r['to'])} | {_code(r['tool'], cell=True)} "
            f"| {_cell(r['reason'])} |"
            for r in data["transitions"]
        ]
    else:
        lines.append("No transitions yet.")
    lines += ["", "## Conversation", ""]
    for item in data["messages"]:
        who = f"**{_speaker(workflow, item)}**"
        lines.append(f"{who}: {_text(item['text'])}" if item["text"] else who)
        for tool in item.get("tools", []):
            args = json.dumps(tool["args"], ensure_ascii=False)
            lines.append(f"  - tool {_code(tool['name'])} {_line(args)} → {_line(tool['result'])}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _text(text: object) -> str:
    """Someone else's text, inert: HTML shown as text; "![" as `&#33;[`, an entity that is
    never Markdown, so no image is fetched whatever backslashes come before it."""
    return html.escape(str(text), quote=False).replace("![", "&#33;[")


def _line(text: object) -> str:
    return _text(" ".join(str(text).split()))


def _cell(text: str) -> str:
    """One line; no "|" ends the cell (nor a "\\" before one, escaping the escape)."""
    return _line(text).replace("\\", "\\\\").replace("|", "\\|")


def _code(text: object, *, cell: bool = False) -> str:
    """`text` exactly, fenced by one backtick more than its longest run (CommonMark); in a
    cell a "|" is escaped even there (GitHub's tables read it first)."""
    text = " ".join(str(text).split())
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    span = f"{fence}{pad}{text}{pad}{fence}"
    return span.replace("|", "\\|") if cell else span


def _speaker(workflow: Workflow, item: dict) -> str:
    named = {
        "customer": "Customer",
        "summary": "Summary of earlier turns",
        "jump": "Started at a step",
    }
    if item["role"] in named:
        return named[item["role"]]
    agent = item.get("agent") or ""
    if agent == HUMAN_AGENT:
        return HUMAN_AGENT_TITLE
    return f"Agent ({workflow.step(agent).title})" if agent in workflow.step_names else "Agent"
