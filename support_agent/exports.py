"""A conversation as Markdown or JSON, transition history included."""

from __future__ import annotations

import json
from typing import Any

from support_agent.history import facts, history_rows, transcript
from support_agent.workflow import Workflow


def as_data(workflow: Workflow, state: dict, *, thread_id: str, title: str) -> dict[str, Any]:
    items = []
    for item in transcript(state):
        entry: dict[str, Any] = {"role": item.role, "text": item.text}
        if item.agent:
            entry["agent"] = item.agent
        if item.tools:
            entry["tools"] = [
                {"name": t.name, "args": t.args, "result": t.result, "ok": t.ok} for t in item.tools
            ]
        items.append(entry)
    return {
        "thread_id": thread_id,
        "title": title,
        "workflow": workflow.name,
        workflow.state_key: workflow.current(state),
        "facts": facts(workflow, state),
        "turns": int(state.get("turn") or 0),
        "transitions": history_rows(workflow, state),
        "messages": items,
    }


def as_json(workflow: Workflow, state: dict, *, thread_id: str, title: str) -> str:
    data = as_data(workflow, state, thread_id=thread_id, title=title)
    return json.dumps(data, indent=2, ensure_ascii=False)


def as_markdown(workflow: Workflow, state: dict, *, thread_id: str, title: str) -> str:
    data = as_data(workflow, state, thread_id=thread_id, title=title)
    step = workflow.step(workflow.current(state)).title
    lines = [f"# {title}", "", f"- Workflow: {workflow.title}", f"- Thread: `{thread_id}`"]
    lines += [f"- Current step: {step}", f"- Turns: {data['turns']}"]
    lines += [
        f"- {key.replace('_', ' ').capitalize()}: {value or 'not recorded'}"
        for key, value in data["facts"].items()
    ]
    lines += ["", "## Transition history", ""]
    if data["transitions"]:
        lines += ["| Turn | From | To | Tool | Reason |", "| --- | --- | --- | --- | --- |"]
        lines += [
            f"| {r['turn']} | {r['from']} | {r['to']} | `{r['tool']}` | {r['reason']} |"
            for r in data["transitions"]
        ]
    else:
        lines.append("No transitions yet.")
    lines += ["", "## Conversation", ""]
    for item in data["messages"]:
        who = {"customer": "**Customer**", "summary": "**Summary of earlier turns**"}.get(
            item["role"], f"**Agent{' (' + item['agent'] + ')' if item.get('agent') else ''}**"
        )
        lines.append(f"{who}: {item['text']}" if item["text"] else who)
        for tool in item.get("tools", []):
            lines.append(
                f"  - tool `{tool['name']}` {json.dumps(tool['args'], ensure_ascii=False)} → {tool['result']}"
            )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
