"""Property test: any customer text, in any order, keeps the state machine sound.

Hypothesis drives both workflows (offline model) with random Unicode turns,
mixed with phrases that move the machine, and checks after every turn: no
exception escapes `run_turn`, the step is a declared one, every move follows a
declared edge, the step's required facts are recorded, and every tool call
has its result.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from langchain_core.messages import AIMessage, ToolMessage
from langgraph.checkpoint.memory import InMemorySaver

from support_agent.core.builders import build_graph
from support_agent.core.engine import Error, TurnEnd, new_thread_id, run_turn
from support_agent.workflows import WORKFLOWS

MOVING = [
    "my screen is cracked", "yes", "no, it expired", "the app keeps crashing",
    "actually it's out of warranty", "it didn't help", "I want a human", "how much is it?",
    "my other laptop's battery is swollen too", "How much does the Business plan cost?",
    "I can't log in", "thanks", "sí", "ok",
]  # fmt: skip
turns = st.lists(st.one_of(st.text(max_size=120), st.sampled_from(MOVING)), min_size=1, max_size=6)


def _check(workflow, state: dict) -> None:
    step = workflow.current(state)
    assert step in workflow.step_names
    edges = {(e.source, e.target, e.tool) for e in workflow.edges()}
    for move in state.get("transitions") or []:
        assert (move["source"], move["target"], move["tool"]) in edges, move
    assert workflow.missing_requirements(step, state) == []
    calls = {c["id"] for m in state["messages"] if isinstance(m, AIMessage) for c in m.tool_calls}
    results = {m.tool_call_id for m in state["messages"] if isinstance(m, ToolMessage)}
    assert calls <= results


def _drive(name: str, texts: list[str]) -> None:
    workflow = WORKFLOWS[name]
    graph = build_graph(name, "offline", InMemorySaver())
    thread = new_thread_id()
    for text in texts:
        events = list(run_turn(graph, workflow, thread, text))
        end = events[-1]
        assert isinstance(end, TurnEnd) or (isinstance(end, Error) and end.kind == "input"), end
        if isinstance(end, TurnEnd):
            _check(workflow, end.state)


SETTINGS = settings(
    max_examples=40,
    deadline=None,  # nothing here is about time
    derandomize=True,  # the same examples on every run
    suppress_health_check=[HealthCheck.too_slow],
)


@SETTINGS
@given(turns)
def test_the_support_machine_stays_sound(texts):
    _drive("support", texts)


@SETTINGS
@given(turns)
def test_the_handoffs_graph_stays_sound(texts):
    _drive("handoffs", texts)
