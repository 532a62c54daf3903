"""The shape of a workflow declaration.

A workflow module fills one `Workflow`: its steps (prompt, tools, required
state), which step each tool moves to and in what words, its state schema, the
rules the offline model follows, and (for a graph of agents) its handoff
settings. The graph builders, the step middleware, the diagram, the scenario
runner and the docs all read this object; nothing restates it. It is checked
when it is created (`support_agent.core.declaration_checks`, one layer below: it reads the
declaration it is given and imports nothing of this module), so a mistake fails at
import with the workflow and the field named.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, NotRequired, get_origin, get_type_hints

from langchain.agents import AgentState
from langchain.tools import ToolRuntime
from langchain_core.messages import ToolMessage
from langchain_core.tools import BaseTool
from langgraph.types import Command
from typing_extensions import TypedDict

from support_agent.core.declaration_checks import (
    WorkflowError as WorkflowError,  # raised by a declaration
)
from support_agent.core.declaration_checks import check
from support_agent.core.prompting import fill_prompt
from support_agent.offline.dialogue import WITHDREW_HAND_OVERS
from support_agent.offline.policy import OfflineRules


class TransitionRecord(TypedDict):
    """One move of the state machine, as kept in the graph state."""

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


class HandOverStatus(TypedDict):
    """Whether a hand-over to a person still stands, and if not, why."""

    status: str  # STANDING or WITHDRAWN
    because: str  # why it was withdrawn ("" while it stands)
    # The customer asked for a person themselves: no correction withdraws that.
    requested: NotRequired[bool]


STANDING, WITHDRAWN = "standing", "withdrawn"


def merge_hand_overs(
    left: dict[str, HandOverStatus] | None, right: dict[str, HandOverStatus] | None
) -> dict[str, HandOverStatus]:
    """Entries by tool call id, the newer winning: a hand-over and a correction that
    withdraws another may be written in the same step without clashing."""
    return {**(left or {}), **(right or {})}


# By the escalation's tool call id (what its ticket is keyed by).
HandOvers = Annotated[dict[str, HandOverStatus], merge_hand_overs]


class StepState(AgentState):
    """What the step middleware keeps in every workflow's state (its `state_schema`).

    A workflow's state class derives from this rather than restating the keys; a
    graph of agents (`handoffs.py`) needs them in its own graph state too.
    """

    turn: NotRequired[int]  # customer turns, counted once per turn
    transitions: NotRequired[TransitionLog]
    # Each hand-over to a person that ran, and whether it still stands: a correction
    # (`Move.withdraws`) withdraws the ones that rested on what it corrected, and the
    # service closes their tickets after the turn.
    hand_overs: NotRequired[HandOvers]


def turn_of(state: Mapping[str, Any]) -> int:
    """The customer turn `state` is at (0 before the first)."""
    return int(state.get("turn") or 0)


# A conversation started at a step for a walkthrough (`support_agent.ui.jump`)
# records how it got there as one record with this `tool` and an id starting
# with JUMP_ID_PREFIX. It is not a move of the machine: no tool made it, and it
# covers no declared transition.
JUMP = "jump"
JUMP_ID_PREFIX = "jump-"
JUMP_LABEL = "jumped here"


def is_jump(record: dict) -> bool:
    """Whether a transition record marks a jump rather than a move a tool made."""
    return record.get("tool") == JUMP and str(record.get("id") or "").startswith(JUMP_ID_PREFIX)


# A person's decision on a gated tool (`Approval`) is kept in the history as one
# record at the step where the conversation waited (source = target), with its
# `decision` and an id starting with APPROVAL_ID_PREFIX. Like a jump, it is not a
# move of the machine. A customer who writes while the action waits withdraws it
# (WITHDRAW: answered as a rejection, nothing runs, the new message is answered).
APPROVAL_ID_PREFIX = "approval-"
WITHDRAW = "withdraw"
DECISIONS = ("approve", "edit", "reject", WITHDRAW)
DECIDED = {"approve": "approved", "edit": "approved", "reject": "rejected"}


def is_decision(record: dict) -> bool:
    """Whether a transition record is a person's decision rather than a move."""
    return record.get("decision") in DECISIONS and str(record.get("id") or "").startswith(
        APPROVAL_ID_PREFIX
    )


# A hand-over to a person (`HandOver`, the tool every workflow offers) is kept in
# the history as one record at the step it was raised at (source = target: the
# machine stays where it was), with an id of HANDOVER_ID_PREFIX + the tool call's
# id, so the ticket that call opened can be found from it. Not a move either.
HANDOVER_ID_PREFIX = "handover-"


def is_handover(record: dict) -> bool:
    """Whether a transition record is a hand-over to a person rather than a move."""
    return str(record.get("id") or "").startswith(HANDOVER_ID_PREFIX)


def handover_call(record: dict) -> str:
    """The tool call id behind a hand-over record (what its ticket is keyed by)."""
    return str(record.get("id") or "").removeprefix(HANDOVER_ID_PREFIX)


def is_move(record: dict) -> bool:
    """Whether a transition record is a move a tool made (not a jump, a decision or a
    hand-over)."""
    return not is_jump(record) and not is_decision(record) and not is_handover(record)


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
    # A correction: the hand-overs to a person raised since the machine last left
    # `target` rested on what is being corrected, so the move withdraws them.
    withdraws: bool = False


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
class RunContext:
    """What a run is told besides its input (LangGraph's runtime context): whether
    the tools a workflow gates wait for a person's approval, and when the answer
    must be done (`time.monotonic()`; `models.deadline`), None for no such limit."""

    approvals: bool = False
    deadline: float | None = None
    # The pause is answered because the customer wrote again: end the run once the
    # rejection is in, so the new message is what the agent answers next.
    withdraw: bool = False
    # A graph of agents' transfer limit for this run only (a scenario's), where the
    # graph can't be rebuilt with it: on LangGraph's server. None: the graph's own.
    max_transfers: int | None = None


@dataclass(frozen=True)
class Approval:
    """A tool that waits for a person's decision before it runs, when the
    workflow's approvals are switched on (they are off by default).

    `question` is what the person is asked ("Hand this case over to a person?");
    `request` names the action as asked for, not done ("refund requested"): the
    words of a call that waits, was rejected or withdrawn (the tool's label says
    what a call that ran did); `editable` names the tool's text argument the
    person may rewrite before approving (the hand-over's reason), or is empty
    when only yes or no fits.
    """

    tool: str
    question: str
    request: str
    editable: str = ""


@dataclass(frozen=True)
class HandOver:
    """The tool that hands a conversation to a person, and how the diagram names
    that person: a node of its own (`title`), lit with the ticket a hand-over opened.
    """

    tool: str
    title: str = "Person"


@dataclass(frozen=True)
class Edge:
    """A transition: calling `tool` at `source` moves the machine to `target`."""

    source: str
    target: str
    tool: str


def decision_reason(
    workflow: Workflow, tool: str, decision: str, *, note: str = "", edited: str = ""
) -> str:
    """A person's decision in the history's words: the question they were asked and
    their answer ("Refund this order? Rejected by a person: the box was opened")."""
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
    """A tool result that doesn't move the machine (it may record facts; a refused
    call records none and is marked an error for the model)."""
    message = ToolMessage(
        content=text, tool_call_id=runtime.tool_call_id, status="error" if refused else "success"
    )
    return Command(update={"messages": [message], **({} if refused else facts)})


@dataclass(frozen=True)
class Handoffs:
    """What makes a workflow a graph of agents (the sales <-> support seed).

    Each step is an agent, a node of the graph; a turn starts at the active
    agent, follows transfers to the agent they name, and ends when an agent
    answers without transferring. `note` is added to the system prompt of an
    agent that has just received the conversation ({source}, {reason}).
    """

    max_transfers: int  # transfers allowed in one customer turn (the loop guard)
    note: str


HANDOFF_NOTE_KEYS = ("source", "reason")


@dataclass(frozen=True)
class Workflow:
    """Everything about one workflow, declared once and checked when created.

    Without `handoffs`, the workflow is one agent whose prompt and tools change
    with `state_key` (the tutorial's state machine); with it, each step is an
    agent node and transfers route between them. `support_agent.workflows.builders`
    picks the builder from that, and nothing else reads a workflow's kind.
    """

    name: str
    title: str
    state_key: str  # the state key that names the current step ("current_step")
    initial: str
    steps: tuple[Step, ...]
    moves: dict[str, Move]  # tool name -> where it moves the machine
    state_schema: type  # an `AgentState` subclass declaring the workflow's keys
    offline_rules: OfflineRules  # what the offline model does at each step
    facts: tuple[Fact, ...] = ()  # state keys shown as "recorded facts"
    # What the tools that don't move the machine did, in words (moves carry their own).
    tool_labels: dict[str, str] = field(default_factory=dict)
    starters: tuple[tuple[str, str], ...] = ()  # (label, customer text)
    handoffs: Handoffs | None = None
    # Tools a person approves, edits or rejects first, when approvals are on.
    approvals: tuple[Approval, ...] = ()
    # The hand-over to a person, if the workflow offers one (drawn as its own node).
    hand_over: HandOver | None = None
    rank: int = 100  # place in the workflow picker, lowest first

    def __post_init__(self) -> None:
        check(
            self, jump=JUMP, note_keys=HANDOFF_NOTE_KEYS, step_keys=tuple(StepState.__annotations__)
        )

    @property
    def graph_endpoints(self) -> bool:
        """A graph of agents starts each turn at START and ends it at END (drawn so)."""
        return self.handoffs is not None

    @property
    def prompt_keys(self) -> list[str]:
        """The state keys a prompt may name, sorted: those the schema adds to
        LangChain's `AgentState`, minus list-valued ones (`transitions` would paste
        a Python list into the prompt)."""
        framework = set(get_type_hints(AgentState))
        hints = get_type_hints(StepState) | get_type_hints(self.state_schema)
        return sorted(
            name
            for name, hint in hints.items()
            if name not in framework and get_origin(hint) not in (list, dict)
        )

    def step(self, name: str) -> Step:
        for s in self.steps:
            if s.name == name:
                return s
        raise KeyError(f"{self.title} has no step named {name!r}")

    @property
    def fact_keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.facts)

    def handover_record(self, state: dict, call_id: str, reason: str, step: str = "") -> dict:
        """The history record of a hand-over raised at `step` (the current one by default)."""
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
        """How `tool` is put to a person, if it needs their approval."""
        return next((a for a in self.approvals if a.tool == tool), None)

    def request_label(self, tool: str) -> str:
        """A gated call that has not run, in words ("refund requested"); else its label."""
        approval = self.approval(tool)
        return approval.request if approval else self.tool_label(tool)

    def tool_label(self, tool: str) -> str:
        """What a tool call did, in words ("warranty recorded")."""
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
            # Said in the tool's result, so any model (not only the offline one) knows
            # the person will not take the case up, and can tell the customer.
            result.content = f"{message} {self.withdrawal_words(state, withdrawn)}"
            # Named by call id too, so the offline model can say so without reading words.
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
        """The hand-overs that calling `tool` now withdraws: for a correcting move
        (`Move.withdraws`), those still standing that were raised since the machine
        last left the move's target step, when the corrected fact was recorded."""
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
        """The withdrawal in words, for the model: which hand-over, and why."""
        records = {handover_call(r): r for r in state.get("transitions") or [] if is_handover(r)}
        reasons = [str(records[c].get("reason") or "") for c in withdrawn if c in records]
        named = "; ".join(f"“{r}”" for r in reasons if r)
        which = "The earlier hand-over to a person" + (f" ({named})" if named else "")
        return (
            f"{which} is withdrawn: it rested on what the customer just corrected, "
            "so its ticket is closed and no one will contact them about it."
        )
