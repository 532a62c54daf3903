"""The shape of a workflow declaration: one `Workflow` that the builders, middleware, diagram,
scenario runner and docs all read. It is checked when created (`declaration_checks`), so a
mistake fails at import with the workflow and the field named.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, NotRequired, get_origin, get_type_hints

from langchain.agents import AgentState
from langchain.tools import ToolRuntime
from langchain_core.messages import ToolMessage
from langchain_core.tools import BaseTool
from langgraph.types import Command
from typing_extensions import TypedDict

from support_agent.core.declaration_checks import WorkflowError as WorkflowError
from support_agent.core.declaration_checks import check
from support_agent.core.prompting import fill_prompt
from support_agent.offline.dialogue import WITHDREW_HAND_OVERS
from support_agent.offline.policy import OfflineRules
from support_agent.offline.rule_files import Move as Move


class TransitionRecord(TypedDict):
    id: str  # the tool call that made the move
    turn: int
    source: str
    target: str
    tool: str
    reason: str
    decision: NotRequired[str]  # a person's decision on a gated tool (see is_decision)
    edited: NotRequired[str]  # the text they gave the editable argument, with "edit"
    note: NotRequired[str]  # their note to the customer, with "reject"


def append_new(
    left: list[TransitionRecord] | None, right: list[TransitionRecord] | None
) -> list[TransitionRecord]:
    """Append records not seen yet, by id: a subgraph hands its whole state back, so the same
    records can arrive twice (`operator.add` would duplicate them)."""
    left = list(left or [])
    seen = {r.get("id") for r in left}
    return left + [r for r in right or [] if r.get("id") not in seen]


# In state, not messages, so the history survives summarization.
TransitionLog = Annotated[list[TransitionRecord], append_new]


class HandOverStatus(TypedDict):
    status: str  # STANDING or WITHDRAWN
    because: str  # why it was withdrawn ("" while it stands)
    # The customer asked for a person themselves: no correction withdraws that.
    requested: NotRequired[bool]


STANDING, WITHDRAWN = "standing", "withdrawn"


# By the escalation's tool call id (what its ticket is keyed by), the newer winning: a
# hand-over and the correction withdrawing another may be written in one step.
HandOvers = Annotated[dict[str, HandOverStatus], operator.or_]


class StepState(AgentState):
    """The step middleware's keys, in every workflow's state (and a graph of agents' too)."""

    turn: NotRequired[int]  # customer turns, counted once per turn
    transitions: NotRequired[TransitionLog]
    # Each hand-over that ran, and whether a correction (`Move.withdraws`) withdrew it.
    hand_overs: NotRequired[HandOvers]


def turn_of(state: Mapping[str, Any]) -> int:
    return int(state.get("turn") or 0)


# A walkthrough started at a step (`ui.jump`) records how it got there: not a move, no tool made it.
JUMP = "jump"
JUMP_ID_PREFIX = "jump-"
JUMP_LABEL = "jumped here"


def _id(record: dict) -> str:
    return str(record.get("id") or "")


def is_jump(record: dict) -> bool:
    return record.get("tool") == JUMP and _id(record).startswith(JUMP_ID_PREFIX)


# A person's decision on a gated tool, kept at the step that waited (source = target). A
# customer who writes while it waits withdraws the action (WITHDRAW: a rejection; nothing runs).
APPROVAL_ID_PREFIX = "approval-"
WITHDRAW = "withdraw"
DECISIONS = ("approve", "edit", "reject", WITHDRAW)
DECIDED = {"approve": "approved", "edit": "approved", "reject": "rejected"}


def is_decision(record: dict) -> bool:
    return record.get("decision") in DECISIONS and _id(record).startswith(APPROVAL_ID_PREFIX)


# A hand-over to a person, kept at the step it was raised at; its id ends with the tool
# call's, which keys its ticket.
HANDOVER_ID_PREFIX = "handover-"


def is_handover(record: dict) -> bool:
    return _id(record).startswith(HANDOVER_ID_PREFIX)


def handover_call(record: dict) -> str:
    return _id(record).removeprefix(HANDOVER_ID_PREFIX)


def is_move(record: dict) -> bool:
    """A move a tool made: not a jump, a decision or a hand-over."""
    return not is_jump(record) and not is_decision(record) and not is_handover(record)


@dataclass(frozen=True)
class Step:
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
class Fact:
    key: str
    title: str
    values: dict[str, str] = field(default_factory=dict)  # stored value -> words

    def words(self, value: Any) -> str:
        if value is None:
            return "not yet known"
        return self.values.get(str(value), str(value))


@dataclass(frozen=True)
class RunContext:
    """LangGraph's runtime context: whether gated tools wait for a person, and the
    answer's `time.monotonic()` deadline (None: no limit)."""

    approvals: bool = False
    deadline: float | None = None
    # The customer wrote during a pause: end the run once the rejection is in.
    withdraw: bool = False
    # A scenario's transfer limit, on LangGraph's server where the graph can't be rebuilt.
    max_transfers: int | None = None


@dataclass(frozen=True)
class Approval:
    """A tool that waits for a person's decision when approvals are on. `request` names
    the call as asked for, not done ("refund requested"); `editable` names the text argument
    the person may rewrite ("" when only yes or no fits)."""

    tool: str
    question: str
    request: str
    editable: str = ""


@dataclass(frozen=True)
class HandOver:
    """The tool that hands a conversation to a person, drawn as a node (`title`)."""

    tool: str
    title: str = "Person"


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    tool: str


def decision_reason(
    workflow: Workflow, tool: str, decision: str, *, note: str = "", edited: str = ""
) -> str:
    """A person's decision in the history's words: the question and the answer."""
    approval = workflow.approval(tool)
    asked = approval.question if approval else workflow.tool_label(tool)
    if decision == WITHDRAW:
        return f"{asked} Withdrawn by the customer, who wrote again before a person decided"
    if decision == "edit":
        what = approval.editable if approval else "it"
        return f"{asked} Approved by a person, with the {what} changed to “{edited}”"
    said = f"{asked} {DECIDED[decision].capitalize()} by a person"
    return f"{said}: {note}" if note else said


def tool_answer(runtime: ToolRuntime, text: str, *, refused: bool = False, **facts) -> Command:
    """A result that doesn't move the machine; a refused call records no facts."""
    message = ToolMessage(
        content=text, tool_call_id=runtime.tool_call_id, status="error" if refused else "success"
    )
    return Command(update={"messages": [message], **({} if refused else facts)})


@dataclass(frozen=True)
class Handoffs:
    """What makes a workflow a graph of agents: each step an agent node, a turn following
    transfers until one answers. `note` ({source}, {reason}) tells the receiving agent."""

    max_transfers: int  # transfers allowed in one customer turn (the loop guard)
    note: str


HANDOFF_NOTE_KEYS = ("source", "reason")


@dataclass(frozen=True)
class Workflow:
    """Everything about one workflow, declared once. Without `handoffs` it is one agent
    whose prompt and tools change with `state_key`; with it, each step is an agent node."""

    name: str
    title: str
    state_key: str  # the state key that names the current step ("current_step")
    initial: str
    steps: tuple[Step, ...]
    moves: dict[str, Move]  # tool name -> where it moves the machine
    state_schema: type  # an `AgentState` subclass declaring the workflow's keys
    offline_rules: OfflineRules  # what the offline model does at each step
    facts: tuple[Fact, ...] = ()  # state keys shown as "recorded facts"
    # What the tools that don't move the machine did, in words.
    tool_labels: dict[str, str] = field(default_factory=dict)
    starters: tuple[tuple[str, str], ...] = ()  # (label, customer text)
    handoffs: Handoffs | None = None
    approvals: tuple[Approval, ...] = ()
    hand_over: HandOver | None = None
    rank: int = 100  # place in the workflow picker, lowest first

    def __post_init__(self) -> None:
        check(
            self, jump=JUMP, note_keys=HANDOFF_NOTE_KEYS, step_keys=tuple(StepState.__annotations__)
        )

    @property
    def graph_endpoints(self) -> bool:
        return self.handoffs is not None

    @property
    def prompt_keys(self) -> list[str]:
        """State keys a prompt may name: the schema's own, minus lists and dicts."""
        framework = set(get_type_hints(AgentState))
        hints = get_type_hints(StepState) | get_type_hints(self.state_schema)
        return sorted(
            name
            for name, hint in hints.items()
            if name not in framework and get_origin(hint) not in (list, dict)
        )

    def step(self, name: str) -> Step:
        if found := next((s for s in self.steps if s.name == name), None):
            return found
        raise KeyError(f"{self.title} has no step named {name!r}")

    @property
    def fact_keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.facts)

    def handover_record(self, state: dict, call_id: str, reason: str, step: str = "") -> dict:
        here = step or self.current(state)
        return TransitionRecord(
            id=HANDOVER_ID_PREFIX + call_id,
            turn=turn_of(state),
            source=here,
            target=here,
            tool=self.hand_over.tool if self.hand_over else "",
            reason=reason,
        )

    def approval(self, tool: str) -> Approval | None:
        return next((a for a in self.approvals if a.tool == tool), None)

    def request_label(self, tool: str) -> str:
        """A gated call that has not run, in words ("refund requested"); else its label."""
        approval = self.approval(tool)
        return approval.request if approval else self.tool_label(tool)

    def tool_label(self, tool: str) -> str:
        if tool in self.moves:
            return self.moves[tool].label
        if tool in self.tool_labels:
            return self.tool_labels[tool]
        return JUMP_LABEL if tool == JUMP else tool.replace("_", " ")

    @property
    def step_names(self) -> list[str]:
        return [s.name for s in self.steps]

    @property
    def all_tools(self) -> list[BaseTool]:
        return list({t.name: t for s in self.steps for t in s.tools}.values())

    def edges(self) -> list[Edge]:
        return [
            Edge(s.name, self.moves[t.name].target, t.name)
            for s in self.steps
            for t in s.tools
            if t.name in self.moves
        ]

    def current(self, state: dict) -> str:
        return state.get(self.state_key) or self.initial

    def reachable_from(self, start: str) -> set[str]:
        seen, edges = {start}, self.edges()
        while grown := {e.target for e in edges if e.source in seen} - seen:
            seen |= grown
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
        """The `Command` a moving tool returns: facts, step, history. A tool called from a step
        that does not offer it changes nothing and tells the model so."""
        state = runtime.state or {}
        source = self.current(state)
        target = self.moves[tool].target
        if reason is None:
            words = {f.key: f.words(facts.get(f.key)).lower() for f in self.facts}
            reason = self.moves[tool].because.format_map(words)
        if tool not in self.step(source).tool_names:
            return tool_answer(
                runtime, f"{tool} is not available at step {source}; nothing changed.", refused=True
            )
        record = TransitionRecord(
            id=runtime.tool_call_id,
            turn=turn_of(state),
            source=source,
            target=target,
            tool=tool,
            reason=reason,
        )
        withdrawn = self.withdrawn_by(tool, state, reason)
        result = ToolMessage(content=message, tool_call_id=runtime.tool_call_id)
        if withdrawn:
            # In words for any model; by call id for the offline one.
            result.content = f"{message} {self.withdrawal_words(state, withdrawn)}"
            result.additional_kwargs[WITHDREW_HAND_OVERS] = list(withdrawn)
        return Command(
            update={
                "messages": [result],
                self.state_key: target,
                "transitions": [record],
                **({"hand_overs": withdrawn} if withdrawn else {}),
                **facts,
            }
        )

    def withdrawn_by(self, tool: str, state: dict, because: str) -> dict[str, HandOverStatus]:
        """The standing hand-overs a correcting move (`Move.withdraws`) withdraws: those
        raised since the machine last left the move's target, when the fact was recorded."""
        move = self.moves.get(tool)
        if move is None or not move.withdraws:
            return {}
        standing = {
            call for call, entry in (state.get("hand_overs") or {}).items()
            if entry.get("status") == STANDING and not entry.get("requested")
        }  # fmt: skip
        records = list(state.get("transitions") or [])
        left = [i for i, r in enumerate(records) if is_move(r) and r["source"] == move.target]
        since = records[left[-1] + 1 :] if left else records
        return {
            handover_call(r): HandOverStatus(status=WITHDRAWN, because=because)
            for r in since
            if is_handover(r) and handover_call(r) in standing
        }

    def withdrawal_words(self, state: dict, withdrawn: Mapping[str, HandOverStatus]) -> str:
        records = {handover_call(r): r for r in state.get("transitions") or [] if is_handover(r)}
        reasons = [str(records[c].get("reason") or "") for c in withdrawn if c in records]
        named = "; ".join(f"“{r}”" for r in reasons if r)
        which = "The earlier hand-over to a person" + (f" ({named})" if named else "")
        return (
            f"{which} is withdrawn: it rested on what the customer just corrected, "
            "so its ticket is closed and no one will contact them about it."
        )
