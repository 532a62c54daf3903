"""Prompt experiments: the same scenarios on two arms (a model and the prompts it reads),
compared scenario by scenario and kept with both arms' prompt versions and models."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from itertools import zip_longest
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage
from pydantic import TypeAdapter

from support_agent.core.declaration import Workflow
from support_agent.core.errors import Error, describe
from support_agent.core.middleware.step_config import PromptSource
from support_agent.core.model_check import check_model
from support_agent.features.prompt_versions import PromptVersions, Version, as_read
from support_agent.features.scenarios import Scenario, ScenarioResult, run_scenario
from support_agent.features.thread_titles import plural
from support_agent.models import OFFLINE, ModelConfigError, resolve_model
from support_agent.store.records import Database, now
from support_agent.workflows import WORKFLOWS

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS hs_experiments (
        id TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        owner TEXT NOT NULL,
        a_version TEXT,
        b_version TEXT,
        a_model TEXT NOT NULL,
        b_model TEXT NOT NULL,
        summary TEXT NOT NULL,
        arms TEXT NOT NULL,
        results TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS hs_experiments_a_version ON hs_experiments (a_version)",
    "CREATE INDEX IF NOT EXISTS hs_experiments_b_version ON hs_experiments (b_version)",
)
DEFAULT_LABEL = "Default"


@dataclass(frozen=True)
class Arm:
    """One side: `text` (None: the default) for `workflow`/`key` (empty when only the model
    differs), every other prompt from `base`; `chat_model` if built, else `model` is built."""

    label: str
    model: str = OFFLINE
    workflow: str = ""
    key: str = ""
    version_id: str | None = None
    text: str | None = None
    base: PromptSource | None = field(default=None, compare=False, repr=False)
    chat_model: BaseChatModel | None = field(default=None, compare=False, repr=False)

    @classmethod
    def for_version(
        cls,
        versions: PromptVersions,
        workflow: str,
        key: str,
        version: Version | None,
        model: str = OFFLINE,
        chat_model: BaseChatModel | None = None,
    ) -> Arm:
        label, version_id, text = (
            (version.label, version.id, version.text) if version else (DEFAULT_LABEL, None, None)
        )
        return cls(label, model, workflow, key, version_id, text, versions.source(), chat_model)

    def prompts(self) -> PromptSource:
        base = self.base

        def source(workflow: str, key: str) -> str | None:
            if self.key and (workflow, key) == (self.workflow, self.key):
                return None if self.text is None else as_read(key, self.text)
            return base(workflow, key) if base else None

        return source

    def record(self) -> dict[str, Any]:
        """What is kept of this arm (never the model object, nor any key)."""
        return {k: getattr(self, k) for k in ("label", "model", "workflow", "key", "version_id")}


def picture(workflow: Workflow, state: dict) -> dict[str, Any]:
    keys = {workflow.state_key, "turn", "transitions", *workflow.prompt_keys}
    return {k: v for k, v in state.items() if k in keys and k != "messages"}


@dataclass(frozen=True)
class Side:
    passed: bool
    reason: str  # every failed expectation, "" when it passed
    path: list[str]
    tools: list[str]
    replies: list[str]  # the agent's words per turn run
    state: dict[str, Any]  # `picture` of the final state
    error: str = ""  # the model or store failure that stopped it, in words

    @property
    def verdict(self) -> str:
        return "error" if self.error else "passes" if self.passed else "fails"

    @classmethod
    def of(cls, result: ScenarioResult) -> Side:
        return cls(
            passed=result.passed,
            reason=result.reason,
            path=list(result.path),
            tools=list(result.tools_called),
            replies=list(result.replies),
            state=picture(result.workflow, result.final_state),
            error=result.error.message if result.error else "",
        )


@dataclass(frozen=True)
class Comparison:
    scenario: str
    workflow: str
    turns: list[str]  # the customer's messages
    a: Side
    b: Side

    @property
    def flow(self) -> Workflow | None:
        return WORKFLOWS.get(self.workflow)

    @property
    def result_differs(self) -> bool:
        return not self.stopped and self.a.passed != self.b.passed

    @property
    def stopped(self) -> bool:
        return bool(self.a.error or self.b.error)

    @property
    def path_differs(self) -> bool:
        return self.a.path != self.b.path

    def differing_replies(self) -> list[tuple[int, str, str | None, str | None]]:
        """(turn, customer's message, A's reply, B's reply) where they differ; None: not reached."""
        said = dict(enumerate(self.turns))
        pairs = enumerate(zip_longest(self.a.replies, self.b.replies))
        return [(index + 1, said.get(index, ""), a, b) for index, (a, b) in pairs if a != b]

    @property
    def differs(self) -> bool:
        return self.result_differs or self.path_differs or bool(self.differing_replies())

    def change(self) -> str:
        stopped = [side.upper() for side in "ab" if getattr(self, side).error]
        if stopped:  # what the other side did is no comparison
            return f"{' and '.join(stopped)} stopped by an error"
        parts = []
        if self.a.passed != self.b.passed:
            parts.append("B fails where A passes" if self.a.passed else "B passes where A fails")
        if self.path_differs:
            parts.append("different path")
        if replies := len(self.differing_replies()):
            parts.append(f"{replies} {'reply differs' if replies == 1 else 'replies differ'}")
        return "; ".join(parts) if parts else "same"

    def drawable(self, side: Side) -> dict[str, Any]:
        """`side`'s final state with the customer's turns, which a graph of agents draws from."""
        run = max(len(side.replies), 1)
        return {**side.state, "messages": [HumanMessage(t) for t in self.turns[:run]]}


@dataclass
class Experiment:
    a: dict[str, Any]  # `Arm.record()`
    b: dict[str, Any]
    comparisons: list[Comparison]
    id: str = ""
    created_at: str = ""
    owner: str = ""

    @property
    def total(self) -> int:
        return len(self.comparisons)

    def passes(self, side: str) -> int:
        return sum(getattr(c, side).passed for c in self.comparisons)

    def errors(self, side: str) -> list[str]:
        """The failures that stopped `side`'s scenarios, in order."""
        return [getattr(c, side).error for c in self.comparisons if getattr(c, side).error]

    @property
    def labels(self) -> tuple[str, str]:
        a, b = self.a["label"], self.b["label"]
        return (f"A ({a})", f"B ({b})") if a == b else (a, b)

    @property
    def regressions(self) -> list[Comparison]:
        return [c for c in self.comparisons if c.result_differs and c.a.passed]

    def summary(self) -> str:
        a, b = self.labels
        differ = sum(c.result_differs for c in self.comparisons)
        tail = f"{plural(differ, 'scenario')} {'differs' if differ == 1 else 'differ'} in result"
        tail = tail if differ else "the same result on every scenario"
        return f"{self._side_words('a', a)}; {self._side_words('b', b)} ({tail})"

    def _side_words(self, side: str, label: str) -> str:
        said = f"{label} passes {self.passes(side)} of {self.total}"
        stopped = len(self.errors(side))
        return f"{said}, {stopped} stopped by an error" if stopped else said

    def problems(self) -> list[str]:
        """Per arm whose model (or store) stopped scenarios: how many, and the first reason."""
        return [
            f"{label} could not finish {plural(len(failed), 'scenario')}: {failed[0]}"
            for side, label in zip("ab", self.labels, strict=True)
            if (failed := self.errors(side))
        ]

    @property
    def version_ids(self) -> tuple[str | None, str | None]:
        return self.a.get("version_id"), self.b.get("version_id")


_COMPARISONS = TypeAdapter(list[Comparison])  # kept as JSON, read back as the dataclasses


def _model(arm: Arm) -> BaseChatModel:
    return arm.chat_model if arm.chat_model is not None else resolve_model(arm.model)


@dataclass(frozen=True)
class ArmProblem:
    side: str  # "a" or "b"
    label: str
    error: Error


def check_arms(arm_a: Arm, arm_b: Arm) -> list[ArmProblem]:
    """Why each arm's model can't answer one short question (a shared model asked once)."""
    problems: list[ArmProblem] = []
    asked: dict[int, Error | None] = {}
    for side, arm in (("a", arm_a), ("b", arm_b)):
        try:
            model = _model(arm)
        except ModelConfigError as exc:
            problems.append(ArmProblem(side, arm.label, describe(exc)))
            continue
        if id(model) not in asked:
            asked[id(model)] = check_model(model)
        if (error := asked[id(model)]) is not None:
            problems.append(ArmProblem(side, arm.label, error))
    return problems


def run_experiment(
    scenarios: Iterable[Scenario],
    arm_a: Arm,
    arm_b: Arm,
    on_result: Callable[[str, int, ScenarioResult], None] | None = None,
    on_start: Callable[[str, int, Scenario], None] | None = None,
) -> Experiment:
    """Every scenario on A, then on B. Both models are built first (a bad setting raises
    `ModelConfigError` before anything runs); a provider failure fails that arm's scenarios."""
    scenarios = list(scenarios)
    models = {"a": _model(arm_a), "b": _model(arm_b)}
    results: dict[str, list[ScenarioResult]] = {"a": [], "b": []}
    for side, arm in (("a", arm_a), ("b", arm_b)):
        prompts = arm.prompts()
        for index, scenario in enumerate(scenarios):
            if on_start:
                on_start(side, index, scenario)
            result = run_scenario(scenario, models[side], prompts)
            results[side].append(result)
            if on_result:
                on_result(side, index, result)
    comparisons = [
        Comparison(s.name, s.workflow, s.texts, Side.of(a), Side.of(b))
        for s, a, b in zip(scenarios, results["a"], results["b"], strict=True)
    ]
    return Experiment(arm_a.record(), arm_b.record(), comparisons)


def _experiment(row: dict[str, Any]) -> Experiment:
    arms, compared = json.loads(row["arms"]), _COMPARISONS.validate_json(row["results"])
    return Experiment(arms["a"], arms["b"], compared, row["id"], row["created_at"], row["owner"])


class Experiments:
    def __init__(self, db: Database):
        self.db = db
        db.setup(SCHEMA)

    def save(self, experiment: Experiment, owner: str) -> Experiment:
        kept = replace(experiment, id=uuid.uuid4().hex, created_at=now(), owner=owner)
        a_version, b_version = kept.version_ids
        row = dict(id=kept.id, created_at=kept.created_at, owner=owner, a_version=a_version)
        row |= dict(b_version=b_version, a_model=kept.a["model"], b_model=kept.b["model"])
        arms = json.dumps({"a": kept.a, "b": kept.b})
        results = _COMPARISONS.dump_json(kept.comparisons).decode()
        self.db.insert(
            "hs_experiments", row | dict(summary=kept.summary(), arms=arms, results=results)
        )
        return kept

    def _select(self, where: str, *params: Any) -> list[Experiment]:
        return [
            _experiment(r) for r in self.db.query(f"SELECT * FROM hs_experiments {where}", params)
        ]

    def get(self, experiment_id: str) -> Experiment | None:
        return next(iter(self._select("WHERE id = ?", experiment_id)), None)

    def recent(self, limit: int = 20) -> list[Experiment]:
        return self._select("ORDER BY created_at DESC LIMIT ?", limit)

    def delete(self, experiment_id: str) -> None:
        self.db.execute("DELETE FROM hs_experiments WHERE id = ?", (experiment_id,))

    def for_version(self, version_id: str) -> list[Experiment]:
        where = "WHERE a_version = ? OR b_version = ? ORDER BY created_at DESC"
        return self._select(where, version_id, version_id)
