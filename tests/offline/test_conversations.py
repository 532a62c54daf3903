"""Unscripted conversations the offline agent must hold (tests/conversations/*.yaml).

Each file is a scenario (the format the Scenarios page and the command line run),
with checks of its own on some turns. It runs through the scenario runner on the
offline model, and besides what the file says, every conversation must keep the
dialogue policy: no message twice in a row, at most one escalation per case
unless the customer asks again, and a reply the customer can read in every turn.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from support_agent.features.scenarios import load_scenario, run_scenario
from support_agent.features.scenarios.runner import ScenarioResult

HERE = Path(__file__).parents[1] / "conversations"
FILES = sorted(HERE.glob("*.yaml"))
HUMAN_TOOL = "escalate_to_human"


def test_suite_is_large_and_covers_both_workflows():
    workflows = {load_scenario(p).workflow for p in FILES}
    assert len(FILES) >= 40
    assert {"support", "handoffs"} <= workflows


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


_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")  # what `fill_template` leaves when a value is missing


def policy_breaches(result: ScenarioResult) -> list[str]:
    """Where a conversation broke the dialogue policy, whatever its file checks: no
    message twice in a row, no sentence twice in one reply, no template name left in a
    reply, a readable reply every turn, one escalation per case unless asked again."""
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
        breaches += [
            f"{where}: said twice in one reply: {s!r}" for s in repeated_sentences(done.words)
        ]
        for said in done.words:
            if words and said == words[-1]:
                breaches.append(f"{where}: the same message twice in a row: {said[:60]!r}")
            if left := _PLACEHOLDER.findall(said):
                breaches.append(f"{where}: a template's name left unfilled: {left}")
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


def test_a_sentence_said_twice_in_one_reply_is_found():
    reply = [
        "Good news: this hardware issue is covered by your warranty.",
        "This is covered by your warranty. Book a repair.",
    ]
    assert repeated_sentences(reply) == ["This is covered by your warranty."]
    assert repeated_sentences(["Restart it.", "Book a repair at the centre."]) == []


def test_a_turn_checks_what_its_reply_says(tmp_path):
    path = tmp_path / "says.yaml"
    path.write_text(
        "name: says\nworkflow: handoffs\nturns:\n"
        "  - {say: \"I can't log in\", says: ['support'], not_says: ['price']}\n"
        "  - {say: 'thanks', says: ['no such words here']}\n"
        "expect: {final_step: support_agent}\n"
    )
    result = run_scenario(load_scenario(path), model="offline")
    assert len(result.failures) == 1 and "does not say “no such words here”" in result.failures[0]
