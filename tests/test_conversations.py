"""Unscripted conversations the offline agent must hold (tests/conversations/*.yaml).

Each file is a scenario (the format the Scenarios page and the command line run),
with checks of its own on some turns. It runs through the scenario runner on the
offline model, and besides what the file says, every conversation must keep the
dialogue policy: no message twice in a row, at most one escalation per case
unless the customer asks again, and a reply the customer can read in every turn.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from support_agent.features.scenarios import load_scenario, run_scenario
from support_agent.features.scenarios.runner import ScenarioResult

HERE = Path(__file__).parent / "conversations"
FILES = sorted(HERE.glob("*.yaml"))
HUMAN_TOOL = "escalate_to_human"


def test_suite_is_large_and_covers_both_workflows():
    workflows = {load_scenario(p).workflow for p in FILES}
    assert len(FILES) >= 40
    assert {"support", "handoffs"} <= workflows


def policy_breaches(result: ScenarioResult) -> list[str]:
    """Where a conversation broke the dialogue policy, whatever its file checks."""
    breaches: list[str] = []
    words: list[str] = []
    escalations_since_move = 0
    moves = result.workflow.moves
    for number, (turn, done) in enumerate(
        zip(result.scenario.turns, result.turns_done, strict=True), start=1
    ):
        where = f"turn {number} ({turn.say[:40]!r})"
        if not done.answered:
            breaches.append(f"{where}: no reply the customer can read")
        for said in done.words:
            if words and said == words[-1]:
                breaches.append(f"{where}: the same message twice in a row: {said[:60]!r}")
            words.append(said)
        for name in done.calls:
            if name in moves:
                escalations_since_move = 0
            elif name == HUMAN_TOOL:
                escalations_since_move += 1
                if escalations_since_move > 1 and HUMAN_TOOL not in turn.calls:
                    breaches.append(f"{where}: a second escalation for the same case")
    return breaches


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_conversation(path: Path):
    result = run_scenario(load_scenario(path), model="offline")
    assert result.turns_run == len(result.scenario.turns), result.reason
    assert not result.failures + policy_breaches(result), "\n".join(
        result.failures + policy_breaches(result)
    )
