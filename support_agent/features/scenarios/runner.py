"""Running a scenario: its turns through the engine's `run_turn` on a fresh in-memory thread
(or elsewhere, `turns=`: the server), then every expectation checked, each failure in words.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from langchain_core.language_models import BaseChatModel
from langgraph.checkpoint.memory import InMemorySaver

from support_agent.core.declaration import WITHDRAW, Workflow, is_decision, is_handover
from support_agent.core.engine import (
    ApprovalRequest,
    Error,
    ToolCall,
    TurnEnd,
    decide,
    new_thread_id,
    run_turn,
)
from support_agent.core.middleware.step_config import PromptSource
from support_agent.features.scenarios.file_format import Scenario
from support_agent.models import resolve_model
from support_agent.offline.policy import last_customer_index
from support_agent.workflows.builders import build_graph, screening_model


@dataclass(frozen=True)
class TurnDone:
    """What the agent did in one turn (`act`: its last reply's kind, if the model says)."""

    calls: list[str]
    words: list[str]
    act: str | None
    answered: bool  # a message without tool calls: words the customer reads as the answer

    @classmethod
    def of(cls, state: dict) -> TurnDone:
        messages = state.get("messages") or []
        last = last_customer_index(messages)
        start = last + 1 if last >= 0 else len(messages)
        ai = [m for m in messages[start:] if m.type == "ai"]
        plain = [m for m in ai if m.text.strip() and not m.tool_calls]
        return cls(
            calls=[c["name"] for m in ai for c in m.tool_calls],
            words=[m.text.strip() for m in ai if m.text.strip()],
            act=(plain[-1].response_metadata or {}).get("act") if plain else None,
            answered=bool(plain),
        )


@dataclass
class ScenarioResult:
    scenario: Scenario
    failures: list[str] = field(default_factory=list)
    final_state: dict[str, Any] = field(default_factory=dict)
    tools_called: list[str] = field(default_factory=list)  # in call order, repeats kept
    path: list[str] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)  # per turn ("" when only tools were called)
    turns_done: list[TurnDone] = field(default_factory=list)
    turns_run: int = 0
    duration: float = 0.0  # seconds
    error: Error | None = None  # the turn that could not run (a provider down, a key missing)

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def name(self) -> str:
        return self.scenario.name

    @property
    def workflow(self) -> Workflow:
        return self.scenario.spec

    @property
    def reason(self) -> str:
        return "; ".join(self.failures)


def path_taken(workflow: Workflow, state: dict) -> list[str]:
    moves = [r for r in state.get("transitions") or [] if not is_decision(r) and not is_handover(r)]
    return [workflow.initial, *(r["target"] for r in moves)]


class ScenarioTurns(Protocol):
    """Where one scenario's turns run: its own fresh thread, told as the engine's events."""

    def send(self, text: str, *, approvals: bool, stream_tokens: bool) -> Iterable[Any]: ...

    def decide(
        self, request: ApprovalRequest, decision: str, text: str, *, stream_tokens: bool
    ) -> Iterable[Any]: ...

    def close(self) -> None: ...


@dataclass
class InProcessTurns:
    graph: Any
    workflow: Workflow
    thread_id: str = field(default_factory=new_thread_id)

    @classmethod
    def fresh(
        cls, scenario: Scenario, model: BaseChatModel, prompts: PromptSource | None = None
    ) -> InProcessTurns:
        graph = build_graph(
            scenario.workflow,
            model,
            InMemorySaver(),
            prompts=prompts,
            max_transfers=scenario.max_transfers,
            screen_with=screening_model(model),
        )
        return cls(graph, scenario.spec)

    def send(self, text: str, **options: Any) -> Iterable[Any]:
        return run_turn(self.graph, self.workflow, self.thread_id, text, **options)

    def decide(self, request: ApprovalRequest, decision: str, text: str, **options: Any):
        return decide(self.graph, self.workflow, self.thread_id, request, decision, text, **options)

    def close(self) -> None:
        """Nothing to clear: the checkpointer goes with the graph."""


def run_scenario(
    scenario: Scenario,
    model: BaseChatModel | str | None = None,
    prompts: PromptSource | None = None,
    turns: Callable[[Scenario], ScenarioTurns] | None = None,
) -> ScenarioResult:
    """`model=None`: the configured default; with `turns`, that place's model and prompts."""
    workflow = scenario.spec
    result = ScenarioResult(scenario)
    started = time.perf_counter()
    if turns is None:
        talk: ScenarioTurns = InProcessTurns.fresh(scenario, resolve_model(model), prompts)
    else:
        talk = turns(scenario)
    answers = scenario.answers  # a person's decisions, taken in order at each pause
    try:
        for number, text in enumerate(scenario.texts, start=1):
            events = talk.send(text, approvals=bool(scenario.decisions), stream_tokens=False)
            while (waiting := _follow(result, number, events)) is not None:
                if not answers:
                    result.failures.append(
                        f"turn {number} waited for approval ({waiting.question}) but no "
                        "decision is left in decisions"
                    )
                    break
                decision, said = answers.pop(0)
                if decision == WITHDRAW:  # left waiting: the next turn's message withdraws it
                    break
                events = talk.decide(waiting, decision, said, stream_tokens=False)
            if result.failures:
                break
            result.turns_run = number
    finally:
        talk.close()
    if answers and not result.failures:
        result.failures.append(
            f"{len(answers)} of the decisions were never needed: no turn waited for them"
        )
    result.path = path_taken(workflow, result.final_state)
    if not result.failures:
        result.failures = check(scenario, result)
    result.duration = time.perf_counter() - started
    return result


def _follow(result: ScenarioResult, number: int, events: Iterable) -> ApprovalRequest | None:
    """Note turn `number`'s events; what it waits for a person to decide, if so."""
    for event in events:
        if isinstance(event, ToolCall):
            result.tools_called.append(event.name)
        elif isinstance(event, TurnEnd):
            result.final_state = event.state
            done = TurnDone.of(event.state)
            result.turns_done[number - 1 :] = [done]  # a decision finishes the same turn
            if event.waiting is not None:
                return event.waiting
            result.replies.append("\n\n".join(done.words))
        elif isinstance(event, Error):
            result.error = event
            result.failures.append(f"turn {number} failed: {event.message}")
    return None


def _steps(workflow: Workflow, steps: list[str]) -> str:
    """Steps by title: every name here passed the scenario's checks or was taken."""
    return " → ".join(workflow.step(s).title for s in steps)


def _tools(names: Iterable[str]) -> str:
    names = list(dict.fromkeys(names))
    return ", ".join(names) if names else "none"


def check(scenario: Scenario, result: ScenarioResult) -> list[str]:
    workflow, expect, state = scenario.spec, scenario.expect, result.final_state
    failures: list[str] = []
    what = "active agent" if workflow.handoffs else "final step"
    step, called = workflow.current(state), result.tools_called
    if expect.final_step not in (None, step):
        wanted, got = (workflow.step(s).title for s in (expect.final_step, step))
        failures.append(f"expected {what} {wanted}, got {got}")
    for key, wanted in expect.facts.items():
        if (actual := state.get(key)) != wanted:
            failures.append(
                f"expected {key} = {wanted if wanted is not None else 'not recorded'}, "
                f"got {actual if actual is not None else 'nothing recorded'}"
            )
    failures += [
        f"expected {name} to be called; tools called: {_tools(called)}"
        for name in expect.tools_called
        if name not in called
    ]
    for name in expect.tools_not_called:
        if times := called.count(name):
            failures.append(
                f"expected {name} not to be called, but it was called "
                f"{'once' if times == 1 else f'{times} times'}"
            )
    if expect.path not in (None, result.path):
        failures.append(
            f"expected path {_steps(workflow, expect.path)}, got {_steps(workflow, result.path)}"
        )
    failures += _turn_failures(scenario, result)
    if expect.handoff_limited not in (None, bool(state.get("handoff_limited"))):
        failures.append(
            "expected the transfer limit to be reached in the last turn, but it was not"
            if expect.handoff_limited
            else "expected no transfer to be refused by the limit, but one was"
        )
    tripped = [
        m.response_metadata["guardrail"]
        for m in state.get("messages") or []
        if m.type == "ai" and m.response_metadata.get("guardrail")
    ]
    if expect.guardrails_tripped not in (None, tripped):
        failures.append(
            f"expected guardrails tripped {expect.guardrails_tripped or 'by no turn'}, "
            f"got {tripped or 'none'}"
        )
    return failures


def _turn_failures(scenario: Scenario, result: ScenarioResult) -> list[str]:
    failures = []
    for number, (turn, done) in enumerate(
        zip(scenario.turns, result.turns_done, strict=True), start=1
    ):
        where = f"turn {number} (“{turn.say[:40]}”)"
        failures += [
            f"{where}: expected {name} to be called; called: {_tools(done.calls)}"
            for name in turn.calls
            if name not in done.calls
        ]
        failures += [f"{where}: expected {name} not to be called" for name in turn.not_calls
                     if name in done.calls]  # fmt: skip
        reply = "\n".join(done.words)  # everything the agent wrote in the turn
        failures += [f"{where}: the reply does not say “{p}”: “{reply[:120]}”" for p in turn.says
                     if not re.search(p, reply, re.IGNORECASE)]  # fmt: skip
        failures += [f"{where}: the reply must not say “{p}”: “{reply[:120]}”"
                     for p in turn.not_says if re.search(p, reply, re.IGNORECASE)]  # fmt: skip
        if turn.act is not None and done.act != turn.act:
            said = done.words[-1][:80] if done.words else ""
            failures.append(
                f"{where}: expected a reply of kind {turn.act}, got {done.act}: “{said}”"
            )
    return failures


def run_many(
    scenarios: Iterable[Scenario],
    model: BaseChatModel | str | None = None,
    on_result: Callable[[ScenarioResult], None] | None = None,
    turns: Callable[[Scenario], ScenarioTurns] | None = None,
) -> list[ScenarioResult]:
    model = resolve_model(model) if turns is None else model
    results = []
    for scenario in scenarios:
        results.append(run_scenario(scenario, model, turns=turns))
        if on_result:
            on_result(results[-1])
    return results
