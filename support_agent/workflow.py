"""The shape of a workflow declaration.

A workflow module fills one `Workflow`: its steps (prompt, tools, required
state), which step each tool moves to, and the intent rules the offline model
follows. The step middleware, the diagram, the scenario runner and the docs
all read this object; nothing restates it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from langchain.tools import ToolRuntime
from langchain_core.messages import ToolMessage
from langchain_core.tools import BaseTool
from langgraph.types import Command
from typing_extensions import TypedDict

from support_agent.prompting import fill_prompt


class TransitionRecord(TypedDict):
    """One move of the state machine, as kept in the graph state."""

    id: str  # the tool call that made the move
    turn: int
    source: str
    target: str
    tool: str
    reason: str


def append_new(
    left: list[TransitionRecord] | None, right: list[TransitionRecord] | None
) -> list[TransitionRecord]:
    """Append records not seen yet (by id).

    A subgraph node hands its whole output state to the parent graph, so the
    same records can arrive twice; plain `operator.add` would duplicate them.
    """
    left = list(left or [])
    seen = {r.get("id") for r in left}
    return left + [r for r in right or [] if r.get("id") not in seen]


# Reducer-backed so tools append; the list survives summarization because it
# lives in state, not in messages.
TransitionLog = Annotated[list[TransitionRecord], append_new]


@dataclass(frozen=True)
class Step:
    """One node of the state machine: what the agent is told and may do there."""

    name: str
    title: str
    prompt: str
    tools: tuple[BaseTool, ...]
    requires: tuple[str, ...] = ()
    description: str = ""

    @property
    def tool_names(self) -> list[str]:
        return [t.name for t in self.tools]


@dataclass(frozen=True)
class Move:
    """Where calling a tool takes the machine, and how people are told about it.

    `label` names the edge on the diagram ("warranty recorded"); `because` is
    the reason kept in the history, filled with the move's facts in words
    ("the issue was classified as {issue_type}" -> "... as Hardware").
    """

    target: str
    label: str
    because: str = ""


@dataclass(frozen=True)
class Fact:
    """A state key shown as a recorded fact, with its values in words."""

    key: str
    title: str
    values: dict[str, str] = field(default_factory=dict)  # stored value -> words

    def words(self, value: Any) -> str:
        if value is None:
            return "not yet known"
        return self.values.get(str(value), str(value))


@dataclass(frozen=True)
class Edge:
    """A transition: calling `tool` at `source` moves the machine to `target`."""

    source: str
    target: str
    tool: str


@dataclass(frozen=True)
class Workflow:
    """Everything about one workflow, declared once."""

    name: str
    title: str
    state_key: str  # "current_step" or "active_agent"
    initial: str
    steps: tuple[Step, ...]
    moves: dict[str, Move]  # tool name -> where it moves the machine
    facts: tuple[Fact, ...] = ()  # state keys shown as "recorded facts"
    # What the tools that don't move the machine did, in words (moves carry their own).
    tool_labels: dict[str, str] = field(default_factory=dict)
    offline_rules: Any = None  # support_agent.models.policy.OfflineRules
    starters: tuple[tuple[str, str], ...] = ()  # (label, customer text)
    # A graph of agents (sales <-> support) starts at START and ends each turn at
    # END; the diagram draws both. A single-agent state machine has neither.
    graph_endpoints: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def step(self, name: str) -> Step:
        for s in self.steps:
            if s.name == name:
                return s
        raise KeyError(f"{self.title} has no step named {name!r}")

    @property
    def fact_keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.facts)

    def fact(self, key: str) -> Fact:
        for f in self.facts:
            if f.key == key:
                return f
        raise KeyError(f"{self.title} has no fact named {key!r}")

    def tool_label(self, tool: str) -> str:
        """What a tool call did, in words ("warranty recorded")."""
        if tool in self.moves:
            return self.moves[tool].label
        return self.tool_labels.get(tool, tool.replace("_", " "))

    @property
    def step_names(self) -> list[str]:
        return [s.name for s in self.steps]

    @property
    def all_tools(self) -> list[BaseTool]:
        seen: dict[str, BaseTool] = {}
        for s in self.steps:
            for t in s.tools:
                seen.setdefault(t.name, t)
        return list(seen.values())

    def edges(self) -> list[Edge]:
        """Every declared transition, in step order (go-back edges included)."""
        return [
            Edge(s.name, self.moves[t.name].target, t.name)
            for s in self.steps
            for t in s.tools
            if t.name in self.moves
        ]

    def transitions(self) -> list[dict[str, str]]:
        """The transitions as plain data: `{"from", "to", "tool"}`."""
        return [{"from": e.source, "to": e.target, "tool": e.tool} for e in self.edges()]

    def current(self, state: dict) -> str:
        return state.get(self.state_key) or self.initial

    def reachable_from(self, start: str) -> set[str]:
        seen, todo = {start}, [start]
        while todo:
            here = todo.pop()
            for e in self.edges():
                if e.source == here and e.target not in seen:
                    seen.add(e.target)
                    todo.append(e.target)
        return seen

    def render_prompt(self, step: str, state: dict, template: str | None = None) -> str:
        return fill_prompt(template if template is not None else self.step(step).prompt, state)

    def missing_requirements(self, step: str, state: dict) -> list[str]:
        return [key for key in self.step(step).requires if state.get(key) is None]

    def move(
        self,
        runtime: ToolRuntime,
        tool: str,
        message: str,
        reason: str | None = None,
        **facts: Any,
    ) -> Command:
        """The `Command` a moving tool returns: record facts, step, history.

        Without a `reason`, the move's declared `because` is filled with the
        facts in words. A tool called from a step that does not offer it (a
        model can name any registered tool) changes nothing and tells the model so.
        """
        state = runtime.state or {}
        source = self.current(state)
        target = self.moves[tool].target
        if reason is None:
            words = {f.key: f.words(facts.get(f.key)).lower() for f in self.facts}
            reason = self.moves[tool].because.format_map(words)
        if tool not in self.step(source).tool_names:
            return Command(
                update={
                    "messages": [
                        ToolMessage(
                            content=f"{tool} is not available at step {source}; nothing changed.",
                            tool_call_id=runtime.tool_call_id,
                            status="error",
                        )
                    ]
                }
            )
        record = TransitionRecord(
            id=runtime.tool_call_id,
            turn=int(state.get("turn") or 0),
            source=source,
            target=target,
            tool=tool,
            reason=reason,
        )
        return Command(
            update={
                "messages": [ToolMessage(content=message, tool_call_id=runtime.tool_call_id)],
                self.state_key: target,
                "transitions": [record],
                **facts,
            }
        )
