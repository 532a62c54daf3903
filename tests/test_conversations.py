"""Unscripted conversations the offline agent must hold (tests/conversations/*.yaml).

Each file is run through the real graph of its workflow (offline model,
in-memory checkpointer). Besides the per-turn and final expectations written
in the file, every conversation must keep the dialogue policy: no assistant
message twice in a row, at most one escalation per case unless the customer
asks again, and a readable reply at the end of every turn.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
import yaml
from langchain_core.messages import AIMessage, HumanMessage
from langgraph.checkpoint.memory import InMemorySaver

from support_agent.core.builders import build_graph
from support_agent.workflows import get_workflow

HERE = Path(__file__).parent / "conversations"
FILES = sorted(HERE.glob("*.yaml"))
HUMAN_TOOL = "escalate_to_human"


def test_suite_is_large_and_covers_both_workflows():
    workflows = [yaml.safe_load(p.read_text(encoding="utf-8"))["workflow"] for p in FILES]
    assert len(FILES) >= 40
    assert {"support", "handoffs"} <= set(workflows)


def _turn_messages(state: dict) -> list:
    messages = state["messages"]
    last_human = max(i for i, m in enumerate(messages) if isinstance(m, HumanMessage))
    return messages[last_human + 1 :]


# A sentence ends at . ! ? before a space, or at a line break.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_SMALL_WORDS = set(
    [
        "a",
        "an",
        "the",
        "this",
        "that",
        "it",
        "its",
        "is",
        "are",
        "be",
        "of",
        "to",
        "in",
        "on",
        "for",
        "with",
        "and",
        "or",
        "your",
        "you",
    ]
)


def _meaning(sentence: str) -> frozenset[str]:
    words = (w.removesuffix("s") for w in re.findall(r"[a-z0-9]+", sentence.lower()))
    return frozenset(w for w in words if w not in _SMALL_WORDS)


def repeated_sentences(texts: list[str]) -> list[str]:
    """Sentences of one reply that add no word to a sentence said before them in it."""
    said: list[frozenset[str]] = []
    repeated = []
    for text in texts:
        for sentence in _SENTENCE_END.split(text):
            words = _meaning(sentence)
            if len(words) >= 2 and any(words <= earlier for earlier in said):
                repeated.append(sentence)
            said.append(words)
    return repeated


def _turn_problems(turn: dict, here: list, where: str) -> list[str]:
    """What the file asks of this turn, and the reply's own checks."""
    problems = []
    calls = [c["name"] for m in here if isinstance(m, AIMessage) for c in m.tool_calls]
    plain = [m for m in here if isinstance(m, AIMessage) and not m.tool_calls and m.text]
    if not plain:
        problems.append(f"{where}: no reply the customer can read")
    problems += [
        f"{where}: expected {t}, called {calls}" for t in turn.get("calls") or [] if t not in calls
    ]
    problems += [
        f"{where}: {t} must not be called, called {calls}"
        for t in turn.get("not_calls") or []
        if t in calls
    ]
    if "act" in turn:
        act = (plain[-1].response_metadata or {}).get("act") if plain else None
        if act != turn["act"]:
            reply = plain[-1].text[:80] if plain else ""
            problems.append(f"{where}: expected act {turn['act']}, got {act}: {reply!r}")
    # Everything the agent wrote this turn is one reply (said with a tool call or not).
    texts = [m.text for m in here if isinstance(m, AIMessage) and m.text]
    said = "\n".join(texts)
    for pattern in turn.get("says") or []:
        if not re.search(pattern, said, re.IGNORECASE):
            problems.append(f"{where}: the reply does not say {pattern!r}: {said[:120]!r}")
    for pattern in turn.get("not_says") or []:
        if re.search(pattern, said, re.IGNORECASE):
            problems.append(f"{where}: the reply must not say {pattern!r}: {said[:120]!r}")
    # No sentence twice in one reply.
    problems += [f"{where}: said twice in one reply: {s!r}" for s in repeated_sentences(texts)]
    return problems


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_conversation(path: Path):
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    workflow = get_workflow(spec["workflow"])
    graph = build_graph(workflow.name, "offline", InMemorySaver())
    config = {"configurable": {"thread_id": str(uuid.uuid4())}}
    problems: list[str] = []
    replies: list[str] = []
    escalations_since_move = 0
    state: dict = {}
    for number, turn in enumerate(spec["turns"], 1):
        state = graph.invoke({"messages": [HumanMessage(turn["say"])]}, config)
        here = _turn_messages(state)
        where = f"turn {number} ({turn['say'][:40]!r})"
        problems += _turn_problems(turn, here, where)
        for message in here:
            if not isinstance(message, AIMessage) or message.tool_calls or not message.text:
                continue
            if replies and message.text == replies[-1]:
                problems.append(f"{where}: the same message twice in a row: {message.text[:60]!r}")
            replies.append(message.text)
        for name in [c["name"] for m in here if isinstance(m, AIMessage) for c in m.tool_calls]:
            if name in workflow.moves:
                escalations_since_move = 0
            elif name == HUMAN_TOOL:
                escalations_since_move += 1
                if escalations_since_move > 1 and HUMAN_TOOL not in (turn.get("calls") or []):
                    problems.append(f"{where}: a second escalation for the same case")
    expect = spec.get("expect") or {}
    if "final_step" in expect:
        step = workflow.current(state)
        if step != expect["final_step"]:
            problems.append(f"final step {step}, expected {expect['final_step']}")
    for fact, value in (expect.get("facts") or {}).items():
        if state.get(fact) != value:
            problems.append(f"fact {fact} = {state.get(fact)!r}, expected {value!r}")
    assert not problems, "\n".join(problems)


def test_a_sentence_said_twice_in_one_reply_is_found():
    reply = [
        "Good news: this hardware issue is covered by your warranty.",
        "This is covered by your warranty. Book a repair.",
    ]
    assert repeated_sentences(reply) == ["This is covered by your warranty."]
    assert repeated_sentences(["Restart it.", "Book a repair at the centre."]) == []
