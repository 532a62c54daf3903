"""How often the offline model does the right thing with real customer phrasing.

The utterances in tests/data/support_utterances.csv were written for this
project without looking at the model's cues. Each row is one customer
message at a given step; the model is bound to that step's tools, as the
middleware would bind it.
"""

import csv
from pathlib import Path

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from support_agent.models import OfflineChatModel
from support_agent.workflows.support import SUPPORT

TABLE = Path(__file__).parents[1] / "data" / "support_utterances.csv"
TARGET = 0.95


def _recorded(warranty: str, issue: str) -> list:
    calls = [("record_warranty_status", {"status": warranty})]
    if issue:
        calls.append(("record_issue_type", {"issue_type": issue}))
    messages: list = [HumanMessage("Hello, I need help with my device")]
    for i, (name, args) in enumerate(calls):
        messages.append(AIMessage("", tool_calls=[{"name": name, "args": args, "id": f"c{i}"}]))
        messages.append(ToolMessage("recorded", tool_call_id=f"c{i}"))
    return messages


def predict(kind: str, facts: str, text: str) -> str:
    model = OfflineChatModel(rules=SUPPORT.offline_rules)
    if kind == "warranty":
        step, history = "warranty_collector", [AIMessage("Is your device under warranty?")]
    elif kind == "issue":
        step = "issue_classifier"
        history = _recorded("in_warranty", "") + [AIMessage("Could you describe the issue?")]
    else:
        step = "resolution_specialist"
        history = _recorded(*facts.split("/")) + [AIMessage("Here is what to do.")]
    reply = model.bind_tools(SUPPORT.step(step).tools).invoke(history + [HumanMessage(text)])
    if not reply.tool_calls:
        return "ask" if kind != "resolution" else "reply"
    call = reply.tool_calls[0]
    if kind == "warranty":
        return call["args"]["status"]
    if kind == "issue":
        return call["args"]["issue_type"]
    return call["name"]


def test_table_is_big_and_balanced():
    rows = list(csv.DictReader(TABLE.open(encoding="utf-8")))
    assert len(rows) >= 80
    assert {r["kind"] for r in rows} == {"warranty", "issue", "resolution"}
    assert {r["expected"] for r in rows if r["kind"] == "warranty"} == {
        "in_warranty",
        "out_of_warranty",
        "ask",
    }


def test_offline_model_accuracy():
    rows = list(csv.DictReader(TABLE.open(encoding="utf-8")))
    misses = []
    for row in rows:
        got = predict(row["kind"], row["facts"], row["text"])
        if got != row["expected"]:
            misses.append(f"{row['kind']:<10} {row['expected']:>26} <- got {got:<26} {row['text']}")
    accuracy = 1 - len(misses) / len(rows)
    print(f"accuracy {accuracy:.1%} on {len(rows)} utterances")
    assert accuracy >= TARGET, "misclassified:\n" + "\n".join(misses)
