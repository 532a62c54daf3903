"""Helpers the tests share: AppTest drivers, scripted models, the tutorial's turns."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, ClassVar

from hypothesis import HealthCheck, settings
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langgraph.checkpoint.memory import InMemorySaver
from pydantic import Field
from streamlit.testing.v1 import AppTest

from support_agent.core.declaration import is_handover
from support_agent.core.engine import (
    Error,
    TurnEnd,
    decide,
    new_thread_id,
    run_turn,
    thread_config,
    waiting_approval,
)
from support_agent.features.app_store import open_store
from support_agent.offline.model import OfflineChatModel
from support_agent.ui import keys
from support_agent.ui.jump import choices
from support_agent.workflows import WORKFLOWS
from support_agent.workflows.builders import build_graph
from support_agent.workflows.human import PERSON as HAND_OVER_NODE
from support_agent.workflows.support import SUPPORT


def start(**query) -> AppTest:
    at = AppTest.from_file("../app.py", default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def use_server(at: AppTest, url: str) -> AppTest:
    """Pick the sidebar's OpenAI-compatible server at `url`."""
    at.selectbox(key="model.label").set_value("OpenAI-compatible server").run()
    at.sidebar.text_input(key="model.url.OpenAI-compatible server").set_value(url).run()
    return at


def send(at: AppTest, text: str) -> AppTest:
    at.chat_input[0].set_value(text).run()
    assert not at.exception, at.exception
    return at


def dot(at: AppTest) -> str:
    charts = at.get("graphviz_chart")
    assert len(charts) == 1
    return charts[0].proto.spec


def active_node(source: str) -> str:
    active = [s for s in SUPPORT.step_names if "penwidth=3" in node_attrs(source, s)]
    assert len(active) == 1
    return active[0]


def traversed(source: str) -> set[str]:
    """Moves drawn as taken: the path so far, and the one just made."""
    return {tool for tool, attrs in edges(source).items() if re.search(r'class="?taken', attrs)}


def engineer_details(at: AppTest, where=None) -> dict:
    """The identifiers behind the panel's words (its "Details for engineers")."""
    found = [m.value for m in (where or at.sidebar).markdown if m.value.startswith("- `")]
    assert len(found) == 1
    values = dict(re.findall(r"^- `(\w+)` = `([^`]*)`$", found[0], re.M))
    moves = re.findall(r"^- turn (\d+): `(\w+)` → `(\w+)` · `(\w+)`$", found[0], re.M)
    values["transitions"] = [
        {"turn": int(turn), "source": source, "target": target, "tool": tool}
        for turn, source, target, tool in moves
    ]
    return values


def shown_history(at: AppTest, where=None) -> list[str]:
    """The transition history as people read it, newest first."""
    blocks = [m.value for m in (where or at.sidebar).markdown if m.value.startswith("**Turn ")]
    return [line for block in blocks for line in block.split("\n\n")]


def customer_bubbles(at: AppTest) -> list[str]:
    return [m.markdown[0].value for m in at.chat_message if m.name == "user"]


def open_time_travel(at: AppTest) -> AppTest:
    """Open the chat's Time travel panel, as a click on it does (its rows are drawn only open)."""
    at.session_state[keys.TIMELINE_OPEN] = True
    return at.run()


def click(at: AppTest, label: str, nth: int = 0) -> AppTest:
    buttons = [b for b in at.button if b.label == label]
    assert buttons, f"no button {label!r}: {[b.label for b in at.button]}"
    buttons[nth].click().run()
    assert not at.exception, at.exception
    return at


class Paused:
    """A conversation of `workflow` driven to its gate with approvals on."""

    def __init__(self, workflow: str, checkpointer=None, thread_id: str | None = None):
        self.workflow = WORKFLOWS[workflow]
        self.graph = build_graph(workflow, "offline", checkpointer or InMemorySaver())
        self.thread_id = thread_id or new_thread_id()

    def say(self, text: str, *, approvals: bool = True) -> list:
        return list(
            run_turn(
                self.graph, self.workflow, self.thread_id, text, stream_tokens=False,
                approvals=approvals,
            )
        )  # fmt: skip

    def to_the_gate(self) -> TurnEnd:
        turns, _tool = TO_THE_GATE[self.workflow.name]
        for text in turns:
            events = self.say(text)
        assert isinstance(events[-1], TurnEnd)
        return events[-1]

    def decide(self, decision: str, text: str = "") -> list:
        request = waiting_approval(self.graph, self.workflow, self.thread_id)
        assert request is not None
        return list(
            decide(self.graph, self.workflow, self.thread_id, request, decision, text,
                   stream_tokens=False)
        )  # fmt: skip

    @property
    def state(self) -> dict:
        return dict(self.graph.get_state(thread_config(self.thread_id)).values)


class FlakyModel(OfflineChatModel):
    """The offline model standing in for a remote provider whose connection fails on
    chosen calls (1-based)."""

    in_process: ClassVar[bool] = False
    fail_on: frozenset[int] = frozenset()
    # Shared with the copies a graph makes (each graph gives the model its rules), so
    # calls are counted across the graphs of one face.
    calls: list[int] = Field(default_factory=lambda: [0])

    def _maybe_fail(self) -> None:
        self.calls[0] += 1
        if self.calls[0] in self.fail_on:
            raise ConnectionError("connection reset by peer")

    def _generate(self, *args, **kwargs):
        self._maybe_fail()
        return super()._generate(*args, **kwargs)

    def _stream(self, *args, **kwargs):
        self._maybe_fail()
        yield from super()._stream(*args, **kwargs)


def customer_said(graph, thread_id) -> list[str]:
    state = graph.get_state(thread_config(thread_id)).values
    return [m.content for m in state["messages"] if isinstance(m, HumanMessage)]


class SpyModel(OfflineChatModel):
    """The offline model, recording what each tool-calling model call was told."""

    seen: list[dict[str, Any]] = Field(default_factory=list)

    def _record(self, messages, kwargs) -> None:
        bound = kwargs.get("tools") or []
        tools = {t["function"]["name"]: t["function"]["description"] for t in bound}
        if not tools:  # a summarization call, not a step's
            return
        first = messages[0] if messages else None
        system = first.text if first is not None and first.type == "system" else None
        self.seen.append({"system": system, "tools": tools})

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        self._record(messages, kwargs)
        return super()._generate(messages, stop, run_manager, **kwargs)

    def _stream(self, messages, stop=None, run_manager=None, **kwargs):
        self._record(messages, kwargs)
        yield from super()._stream(messages, stop, run_manager, **kwargs)


def drive(name: str, texts: list[str]) -> None:
    workflow = WORKFLOWS[name]
    graph = build_graph(name, "offline", InMemorySaver())
    thread = new_thread_id()
    for text in texts:
        events = list(run_turn(graph, workflow, thread, text))
        end = events[-1]
        assert isinstance(end, TurnEnd) or (isinstance(end, Error) and end.kind == "input"), end
        if isinstance(end, TurnEnd):
            check_state(workflow, end.state)


SETTINGS = settings(
    max_examples=40,
    deadline=None,  # nothing here is about time
    derandomize=True,  # the same examples on every run
    suppress_health_check=[HealthCheck.too_slow],
)


class ScriptedModel(BaseChatModel):
    """Returns `script` one message per call (then a plain reply); records what it was offered."""

    script: list[AIMessage]
    offered: list[list[str]] = []

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any):
        return self.bind(tools=[t.name for t in tools], **kwargs)

    def _generate(
        self, messages: list[BaseMessage], stop=None, run_manager=None, **kwargs: Any
    ) -> ChatResult:
        self.offered.append(list(kwargs.get("tools") or []))
        message = self.script.pop(0) if self.script else AIMessage(FALLBACK)
        return ChatResult(generations=[ChatGeneration(message=message)])


def call(name: str, **args: Any) -> AIMessage:
    return AIMessage("", tool_calls=[{"name": name, "args": args, "id": f"call_{name}"}])


TUTORIAL = [
    "Hi, my phone screen is cracked",
    "Yes, it's still under warranty",
    "The screen is physically cracked from dropping it",
    "What should I do?",
]


def tickets_in(url: str) -> list:
    store = open_store(url)
    try:
        return store.tickets.all()
    finally:
        store.close()


def cards(at: AppTest) -> list[str]:
    """The ticket cards shown in chat bubbles."""
    return [
        m.value
        for bubble in at.chat_message
        for m in bubble.markdown
        if m.value.startswith("🎫 **Ticket ")
    ]


def visitor(name: str) -> AppTest:
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.session_state["identity.owner"] = name
    return at.run()


def node_attrs(source: str, node: str) -> str:
    match = re.search(rf"^\s*{node} \[(.*)\]$", source, re.M)
    assert match, f"{node} missing from DOT"
    return match.group(1)


def edges(source: str) -> dict[str, str]:
    """Each drawn move's tool (from its hover text) -> its DOT attributes."""
    found = {}
    for attrs in re.findall(r"^\s*\w+ -> \w+ \[(.*)\]$", source, re.M):
        tool = re.search(r'tooltip="tool: (\w+)"', attrs)
        if tool:
            found[tool.group(1)] = attrs
    return found


PERSON = "I want to talk to a real person please"

TO_THE_GATE = {
    "support": (["My phone is under warranty", PERSON], "escalate_to_human"),
    "handoffs": (["I can't log in to my account", PERSON], "escalate_to_human"),
    "returns": (
        ["I want to return order 123456", "It arrived last week and is unused", "Refund please"],
        "issue_refund",
    ),
}


def check_state(workflow, state: dict) -> None:
    step = workflow.current(state)
    assert step in workflow.step_names
    edges = {(e.source, e.target, e.tool) for e in workflow.edges()}
    for move in state.get("transitions") or []:
        if is_handover(move):  # the case went to a person; the machine stayed
            continue
        assert (move["source"], move["target"], move["tool"]) in edges, move
    assert workflow.missing_requirements(step, state) == []
    calls = {c["id"] for m in state["messages"] if isinstance(m, AIMessage) for c in m.tool_calls}
    results = {m.tool_call_id for m in state["messages"] if isinstance(m, ToolMessage)}
    assert calls <= results


FALLBACK = "Sorry, could you say that again?"


def history(at: AppTest, where=None) -> list[tuple[int, str, str]]:
    """(turn, "from → to" in step titles, tool) for each move, oldest first."""
    titles = {s.name: s.title for w in WORKFLOWS.values() for s in w.steps}
    return [
        (r["turn"], f"{titles[r['source']]} → {titles[r['target']]}", r["tool"])
        for r in engineer_details(at, where)["transitions"]
        if not (r["tool"] == HAND_OVER_NODE.tool and r["source"] == r["target"])  # a hand-over
    ]


def jump_to(at: AppTest, step: str, **facts) -> AppTest:
    workflow = WORKFLOWS[at.session_state["chat.workflow"]]
    at.selectbox(key=f"jump.step.{workflow.name}").set_value(step).run()
    for key, value in facts.items():
        if choices(workflow, key) is None:
            at.text_input(key=f"jump.fact.{workflow.name}.{key}").set_value(value).run()
        else:
            at.selectbox(key=f"jump.fact.{workflow.name}.{key}").set_value(value).run()
    at.button(key="jump.start").click().run()
    assert not at.exception, at.exception
    return at
