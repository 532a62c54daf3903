"""Prompt versions: validation, numbering, activation, and the next turn reading them.

The storage tests run twice: on SQLite and on a real PostgreSQL server.
"""

from dataclasses import replace
from typing import Any

import pytest
from langchain_core.messages import HumanMessage

from support_agent import build_handoffs_graph, build_support_agent
from support_agent.core.engine import new_thread_id, thread_config
from support_agent.core.prompting import TemplateError, fill_prompt
from support_agent.features.app_store import open_store
from support_agent.features.prompt_versions import (
    TOOL_DESCRIPTION_CHARS,
    defaults,
    step_placeholders,
    unified_diff,
    validate,
)
from support_agent.workflows import WORKFLOWS
from support_agent.workflows.handoffs import HANDOFFS
from support_agent.workflows.human import escalate_to_human
from support_agent.workflows.support import SUPPORT, record_warranty_status
from tests.helpers import TUTORIAL, SpyModel

SALES_PROMPT = HANDOFFS.step("sales_agent").prompt
ISSUE_CLASSIFIER_PROMPT = SUPPORT.step("issue_classifier").prompt
WARRANTY_COLLECTOR_PROMPT = SUPPORT.step("warranty_collector").prompt

WARRANTY = "warranty_collector"
WARRANTY_TOOL = "tool:record_warranty_status"


@pytest.fixture
def store(store_url):
    opened = open_store(store_url)
    yield opened
    opened.close()


def rows(store) -> int:
    return int(store.db.query("SELECT COUNT(*) AS n FROM hs_prompt_versions")[0]["n"])


# --- What is editable, and what a template may name -------------------------------------


def test_defaults_are_every_step_prompt_and_every_tool_description():
    support = defaults("support")
    assert list(support)[:3] == ["warranty_collector", "issue_classifier", "resolution_specialist"]
    assert support[WARRANTY] == WARRANTY_COLLECTOR_PROMPT
    assert support[WARRANTY_TOOL] == record_warranty_status.description
    assert {k for k in support if k.startswith("tool:")} == {
        f"tool:{t.name}" for t in WORKFLOWS["support"].all_tools
    }
    assert list(defaults("handoffs")) == [
        "sales_agent",
        "support_agent",
        "tool:transfer_to_support",
        "tool:escalate_to_human",
        "tool:transfer_to_sales",
    ]


def test_step_prompts_may_name_the_workflows_own_scalar_state_keys():
    assert step_placeholders("support") == ["current_step", "issue_type", "turn", "warranty_status"]
    assert step_placeholders("handoffs") == ["active_agent", "handoff_limited", "turn"]


@pytest.mark.parametrize("workflow", list(WORKFLOWS))
def test_every_default_passes_its_own_validation(workflow):
    for key, text in defaults(workflow).items():
        validate(workflow, key, text)


def test_a_default_tool_description_with_braces_reads_back_unchanged():
    braced = record_warranty_status.model_copy(update={"description": 'Takes {"status": "x"}'})
    support = WORKFLOWS["support"]
    first = replace(support.steps[0], tools=(braced, *support.steps[0].tools[1:]))
    workflow = replace(support, steps=(first, *support.steps[1:]))
    template = defaults(workflow)[WARRANTY_TOOL]
    assert template == 'Takes {{"status": "x"}}'
    validate(workflow, WARRANTY_TOOL, template)
    assert fill_prompt(template, {}) == braced.description


# --- Refused templates write nothing ---------------------------------------------------------

BAD = [
    (WARRANTY, "Hello {customer_name}", "Unknown placeholder {customer_name}"),
    (WARRANTY, "Use a { on its own", "Stray brace"),
    (WARRANTY, "Closing } alone", "Stray brace"),
    (WARRANTY, "Status {warranty_status.__class__}", "plain name"),
    (WARRANTY, "Status {a.b}", "plain name"),
    (WARRANTY, "First fact {a[0]}", "plain name"),
    (WARRANTY, "Status {warranty_status!r}", "format option"),
    (WARRANTY, "", "can't be empty"),
    (WARRANTY, "  \n\t ", "can't be empty"),
    (WARRANTY_TOOL, "Record {warranty_status} now", "can't have placeholders"),
    (WARRANTY_TOOL, "Takes {a.b}", "can't have placeholders, but this one has {a.b}"),
    (WARRANTY_TOOL, "Takes {a!r}", "can't have placeholders, but this one has {a!r}"),
    (WARRANTY_TOOL, "A { brace", "Stray brace"),
    (WARRANTY_TOOL, "   ", "can't be empty"),
    (WARRANTY_TOOL, "x" * (TOOL_DESCRIPTION_CHARS + 1), "at most 1,000 characters"),
]


@pytest.mark.parametrize(("key", "text", "words"), BAD, ids=[f"{k}:{t[:24]!r}" for k, t, _ in BAD])
def test_a_bad_template_is_refused_clearly_and_writes_nothing(store, key, text, words):
    versions = store.prompts
    first = versions.save("support", key, "Good text, v1", name="v1")
    with pytest.raises(TemplateError) as err:
        versions.save("support", key, text, name="bad", note="should not be kept")
    assert words in str(err.value)
    assert rows(store) == 1
    assert [v.name for v in versions.versions("support", key)] == ["v1"]
    assert versions.active_text("support", key) is None
    assert versions.save("support", key, "Good text, v2").number == first.number + 1 == 2


def test_unknown_placeholder_message_lists_the_allowed_ones(store):
    with pytest.raises(TemplateError) as err:
        store.prompts.save("support", "issue_classifier", "Hi {name}")
    assert "{warranty_status}" in str(err.value) and "{issue_type}" in str(err.value)


def test_a_tool_description_may_hold_literal_braces_doubled(store):
    versions = store.prompts
    v = versions.save("support", WARRANTY_TOOL, 'Record it as {{"status": "in_warranty"}}.')
    versions.activate("support", WARRANTY_TOOL, v.id)
    source = versions.source()
    assert source("support", WARRANTY_TOOL) == 'Record it as {"status": "in_warranty"}.'
    assert versions.active_text("support", WARRANTY_TOOL) == v.text  # as typed, for the editor


def test_unknown_keys_and_workflows_are_refused(store):
    with pytest.raises(KeyError, match="no step or tool"):
        store.prompts.save("support", "sales_agent", "Hello")
    with pytest.raises(KeyError, match="no step or tool"):
        store.prompts.save("support", "tool:transfer_to_sales", "Hello")
    with pytest.raises(KeyError, match="Unknown workflow"):
        store.prompts.save("nope", WARRANTY, "Hello")
    assert rows(store) == 0


# --- Versions and activation ---------------------------------------------------------------


def test_versions_number_1_2_3_per_key_and_workflow(store):
    versions = store.prompts
    saved = [
        versions.save("support", WARRANTY, f"Prompt {i}", name=f"  try\n {i} ", note=f"note {i}")
        for i in (1, 2, 3)
    ]
    assert [v.number for v in saved] == [1, 2, 3]
    assert [v.label for v in saved] == ["v1 · try 1", "v2 · try 2", "v3 · try 3"]
    assert versions.versions("support", WARRANTY) == saved
    assert [v.note for v in saved] == ["note 1", "note 2", "note 3"]
    assert saved[0].created_at <= saved[1].created_at <= saved[2].created_at
    # Another key, and the same step name in another workflow, count from 1.
    assert versions.save("support", "issue_classifier", "Other").number == 1
    assert versions.save("support", WARRANTY_TOOL, "Records the warranty.").number == 1
    assert versions.save("handoffs", "sales_agent", "Sell.").number == 1
    assert versions.save("support", WARRANTY, "Prompt 4").label == "v4"  # unnamed
    assert versions.get(saved[1].id) == saved[1]


def test_activation_switches_the_active_text_and_use_default_returns_to_none(store):
    versions = store.prompts
    v1 = versions.save("support", WARRANTY, "First")
    v2 = versions.save("support", WARRANTY, "Second")
    assert versions.active_text("support", WARRANTY) is None  # saving doesn't activate
    assert versions.current_text("support", WARRANTY) == WARRANTY_COLLECTOR_PROMPT

    assert versions.activate("support", WARRANTY, v2.id) == v2
    assert versions.active_text("support", WARRANTY) == "Second"
    assert versions.active("support", WARRANTY) == v2
    versions.activate("support", WARRANTY, v1.id)
    assert versions.active_text("support", WARRANTY) == "First"
    assert versions.active_text("support", "issue_classifier") is None  # per key
    assert versions.active_text("handoffs", WARRANTY) is None  # per workflow

    versions.use_default("support", WARRANTY)
    assert versions.active_text("support", WARRANTY) is None
    assert versions.active("support", WARRANTY) is None
    assert len(versions.versions("support", WARRANTY)) == 2  # versions are kept


def test_a_version_of_another_key_cannot_be_activated(store):
    versions = store.prompts
    other = versions.save("support", "issue_classifier", "Classify")
    mine = versions.save("support", WARRANTY, "Mine")
    versions.activate("support", WARRANTY, mine.id)
    with pytest.raises(KeyError):
        versions.activate("support", WARRANTY, other.id)
    with pytest.raises(KeyError):
        versions.activate("support", WARRANTY, "no-such-id")
    assert versions.active_text("support", WARRANTY) == "Mine"


def test_the_source_sees_an_activation_made_by_another_process_at_once(store, store_url):
    source = store.prompts.source()
    assert source("support", WARRANTY) is None
    other = open_store(store_url)  # e.g. another app server on the same database
    try:
        v = other.prompts.save("support", WARRANTY, "From elsewhere")
        other.prompts.activate("support", WARRANTY, v.id)
        assert source("support", WARRANTY) == "From elsewhere"
        other.prompts.use_default("support", WARRANTY)
        assert source("support", WARRANTY) is None
    finally:
        other.close()


def test_diff_between_versions_and_the_default():
    diff = unified_diff("line one\nline two", "line one\nline 2", "Default", "v1 · x")
    assert diff.splitlines() == [
        "--- Default",
        "+++ v1 · x",
        "@@ -1,2 +1,2 @@",
        " line one",
        "-line two",
        "+line 2",
    ]
    assert unified_diff("same", "same", "a", "b") == ""


# --- Activation affects the next turn ------------------------------------------------------


def turn(graph, thread_id: str, text: str, spy: SpyModel) -> list[dict[str, Any]]:
    """Run one customer turn; return the spy's records of it."""
    before = len(spy.seen)
    graph.invoke({"messages": [HumanMessage(text)]}, thread_config(thread_id))
    return spy.seen[before:]


def test_activation_affects_the_next_support_turn(store):
    spy, versions = SpyModel(), store.prompts
    graph = build_support_agent(spy, store.checkpointer, prompts=versions.source())
    thread = new_thread_id()

    first = turn(graph, thread, TUTORIAL[0], spy)
    assert first[0]["system"] == WARRANTY_COLLECTOR_PROMPT
    assert first[0]["tools"] == {
        "record_warranty_status": record_warranty_status.description,
        "escalate_to_human": escalate_to_human.description,
    }

    prompt = versions.save("support", WARRANTY, "EDITED warranty prompt, turn {turn}.", "edit")
    tool = versions.save("support", WARRANTY_TOOL, "EDITED: records {{warranty}} status.")
    versions.activate("support", WARRANTY, prompt.id)
    versions.activate("support", WARRANTY_TOOL, tool.id)

    second = turn(graph, thread, TUTORIAL[1], spy)  # same graph instance, no rebuild
    assert second[0]["system"] == "EDITED warranty prompt, turn 2."
    assert second[0]["tools"] == {
        "record_warranty_status": "EDITED: records {warranty} status.",
        "escalate_to_human": escalate_to_human.description,
    }
    # The machine moved on within the turn; that step still reads its default.
    assert second[1]["system"] == ISSUE_CLASSIFIER_PROMPT.replace(
        "{warranty_status}", "in_warranty"
    )
    state = graph.get_state(thread_config(thread)).values
    assert state["current_step"] == "resolution_specialist"  # the edit changed no behaviour

    versions.use_default("support", WARRANTY)
    again = turn(graph, new_thread_id(), TUTORIAL[0], spy)
    assert again[0]["system"] == WARRANTY_COLLECTOR_PROMPT
    assert again[0]["tools"] == {
        "record_warranty_status": "EDITED: records {warranty} status.",
        "escalate_to_human": escalate_to_human.description,
    }


def test_activation_affects_the_next_handoffs_turn(store):
    spy, versions = SpyModel(), store.prompts
    graph = build_handoffs_graph(spy, store.checkpointer, prompts=versions.source())
    thread = new_thread_id()
    question = "How much does the Business plan cost for 12 users?"

    assert turn(graph, thread, question, spy)[0]["system"] == SALES_PROMPT
    v = versions.save("handoffs", "sales_agent", "EDITED sales, agent {active_agent}, turn {turn}")
    d = versions.save("handoffs", "tool:transfer_to_support", "EDITED transfer description")
    versions.activate("handoffs", "sales_agent", v.id)
    versions.activate("handoffs", "tool:transfer_to_support", d.id)

    second = turn(graph, thread, "And for 20 users?", spy)[0]
    assert second["system"] == "EDITED sales, agent unknown, turn 2"  # not yet recorded
    assert second["tools"] == {
        "transfer_to_support": "EDITED transfer description",
        "escalate_to_human": escalate_to_human.description,
    }

    versions.use_default("handoffs", "sales_agent")
    assert turn(graph, thread, "Any discount?", spy)[0]["system"] == SALES_PROMPT
