"""A conversation as Markdown or JSON, transition history included."""

from __future__ import annotations

import json
from typing import Any

from support_agent.history import facts, history_rows, transcript
from support_agent.tickets import HUMAN_AGENT, HUMAN_AGENT_TITLE
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
    lines += [  # in words, as the app shows them; the JSON keeps the stored values
        f"- {fact.title}: {fact.words(state.get(fact.key)) if state.get(fact.key) else 'not recorded'}"
        for fact in workflow.facts
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
        who = f"**{_speaker(workflow, item)}**"
        lines.append(f"{who}: {item['text']}" if item["text"] else who)
        for tool in item.get("tools", []):
            lines.append(
                f"  - tool `{tool['name']}` {json.dumps(tool['args'], ensure_ascii=False)} → {tool['result']}"
            )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _speaker(workflow: Workflow, item: dict) -> str:
    """Who wrote a message, as the chat names them."""
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
