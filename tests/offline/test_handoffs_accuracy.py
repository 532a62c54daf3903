"""How often the handoffs graph ends up with the right agent for real customer phrasing.

The utterances in tests/data/handoffs_utterances.csv were written for this
project before the offline model's cues. Each row is one customer message on
a thread where `facts` is the active agent; `expected` is the agent that
should answer it. The whole graph runs (offline model), so a row passes only
if the right agent answers and a transfer is recorded exactly when the agent
changes.
"""

import csv
import uuid
from collections import Counter
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage, HumanMessage
from langgraph.checkpoint.memory import InMemorySaver

from support_agent import build_handoffs_graph
from support_agent.workflows.handoffs import HANDOFFS

TABLE = Path(__file__).parents[1] / "data" / "handoffs_utterances.csv"
TARGET = 0.95


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    with TABLE.open(encoding="utf-8", newline="") as table:
        return list(csv.DictReader(table))


def predict(graph, active: str, text: str) -> tuple[str, int]:
    """(the agent that answered, how many transfers the turn made)."""
    config = {"configurable": {"thread_id": str(uuid.uuid4())}}
    state = graph.invoke({"messages": [HumanMessage(text)], "active_agent": active}, config)
    final = [m for m in state["messages"] if isinstance(m, AIMessage)][-1]
    return final.name or "", len(state.get("transitions") or [])


def test_table_is_big_and_balanced(rows):
    assert len(rows) >= 60
    assert {r["kind"] for r in rows} == {"handoff"}
    agents = set(HANDOFFS.step_names)
    assert {r["facts"] for r in rows} == agents and {r["expected"] for r in rows} == agents
    pairs = Counter((r["facts"], r["expected"]) for r in rows)
    assert len(pairs) == 4 and min(pairs.values()) >= 10, pairs


def test_handoffs_accuracy(rows):
    graph = build_handoffs_graph("offline", InMemorySaver())
    misses = []
    for row in rows:
        got, moves = predict(graph, row["facts"], row["text"])
        should_move = int(row["expected"] != row["facts"])
        if got != row["expected"] or moves != should_move:
            misses.append(
                f"{row['facts']:>13} -> {row['expected']:<13} got {got:<13} "
                f"({moves} transfer(s))  {row['text']}"
            )
    accuracy = 1 - len(misses) / len(rows)
    print(f"accuracy {accuracy:.1%} on {len(rows)} utterances")
    assert accuracy >= TARGET, "misrouted:\n" + "\n".join(misses)
