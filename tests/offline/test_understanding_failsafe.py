"""Fail safe: when the offline model is not sure, it asks rather than guesses.

A wrong-direction reading (a clear "yes" recorded as "no", hardware as software,
sales as support) sends the customer down the wrong path; asking again costs one
turn. The goal: at most 1% of clear answers read the wrong way, per decision, on
the held-out split and on every register. The phrasings below are our own, not
rows of the held-out files.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from support_agent.offline.understanding import decide
from support_agent.offline.understanding.decisions import OPPOSITE
from support_agent.workflows import WORKFLOWS

AGENT = {
    "warranty": WORKFLOWS["support"].offline_rules.classifiers["warranty"],
    "issue": WORKFLOWS["support"].offline_rules.classifiers["issue"],
    "routing": WORKFLOWS["handoffs"].offline_rules.classifiers["topic"],
}
DATA = Path(__file__).parents[1] / "data"


def _rows(path: Path, decision: str) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8") as f:
        return [
            (r["text"], r["label"])
            for r in csv.DictReader(f)
            if r.get("decision", decision) == decision
        ]


REPORTS = [(p, name) for name in AGENT for p in [DATA / "heldout" / "test" / f"{name}.csv"]] + [
    (p, name) for p in sorted((DATA / "registers").glob("*.csv")) for name in AGENT
]


@pytest.mark.parametrize("path, name", REPORTS, ids=lambda v: getattr(v, "stem", v))
def test_at_most_one_clear_answer_in_a_hundred_is_read_the_wrong_way(path, name):
    rows = [(t, e) for t, e in _rows(path, name) if e in OPPOSITE]
    wrong = [t for t, e in rows if AGENT[name].classify(t).label == OPPOSITE[e]]
    assert rows
    # A register holds ~38 clear rows: one wrong reading there is 2.6%, so the
    # registers are held to the goal together (bench/understanding.py), each to one.
    allowed = 0.01 * len(rows) if len(rows) >= 100 else 1
    assert len(wrong) <= allowed, f"{path.name} {name}: {wrong}"


@pytest.mark.parametrize(
    "text",
    [
        "no lol i only got it in april",
        "yep, had it since 2022",
        "yes. bought it three years ago",
    ],
)
def test_an_opening_yes_or_no_the_rest_contradicts_is_asked_about(text):
    assert decide("warranty", text).label == "unclear"


@pytest.mark.parametrize(
    "text, label",
    [
        ("haha yes i just bought this one", "in_warranty"),
        ("it's brand new", "in_warranty"),
        ("no, the twelve months were up ages ago", "out_of_warranty"),
        ("nope, my year of cover was up in february", "out_of_warranty"),
        ("nope, it's from 2021", "out_of_warranty"),
        ("yes, got it in may", "in_warranty"),
    ],
)
def test_an_opening_yes_or_no_the_rest_agrees_with_is_recorded(text, label):
    assert decide("warranty", text).label == label


@pytest.mark.parametrize("text", ["my touchpad is stuck", "the powerbutton is jammed"])
def test_part_names_written_as_one_word_count_as_parts(text):
    assert decide("issue", text).label == "hardware"


@pytest.mark.parametrize(
    "text",
    [
        "you billed me again for the plan I cancelled",
        "charged for the headset we sent back last month",
        "there's another $45 charge on my card this week",
        "i paid for the pro tier and still get the free limits",
        "where is the parcel I already paid for",
    ],
)
def test_billing_mistakes_and_paid_orders_go_to_support(text):
    assert AGENT["routing"].classify(text).label == "support"


@pytest.mark.parametrize(
    "text",
    [
        "will I be billed again when the plan renews?",
        "I bought the basic plan and still want more seats",
    ],
)
def test_billing_questions_about_a_purchase_are_not_read_as_mistakes(text):
    assert AGENT["routing"].classify(text).label != "support"
