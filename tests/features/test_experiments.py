"""Prompt experiments against a loopback model that follows the system prompt it is sent
(tests/openai_stub.py, mode "prompted"): an edited prompt changes what happens."""

from __future__ import annotations

from pathlib import Path

import pytest

from support_agent.features.app_store import open_store
from support_agent.features.experiments import Arm, Experiment, check_arms, run_experiment
from support_agent.features.scenarios import load_scenario
from support_agent.models import ModelConfigError, get_model
from support_agent.workflows import get_workflow
from tests.openai_stub import OpenAIStub

ROOT = Path(__file__).resolve().parents[2]
TUTORIAL = load_scenario(ROOT / "scenarios" / "support-tutorial.yaml")
HUMAN = load_scenario(ROOT / "scenarios" / "support-human-request.yaml")
WARRANTY = "warranty_collector"
# Says nothing of record_warranty_status: a model that does what its prompt says never
# records the warranty, so the tutorial stays at its first step.
NO_TOOL = "You are a support agent. Greet the customer and ask how you can help."
FULL_PATH = ["warranty_collector", "issue_classifier", "resolution_specialist"]


@pytest.fixture
def stub(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("SUPPORT_AGENT_BASE_URL", raising=False)
    monkeypatch.setenv("SUPPORT_AGENT_MAX_RETRIES", "0")
    with OpenAIStub("prompted") as server:
        yield server


@pytest.fixture
def store():
    opened = open_store("memory://")
    yield opened
    opened.close()


def stub_model(stub):
    return get_model("openai:stub", base_url=stub.url)


def systems(stub) -> list[str]:
    """The system prompt of every agent request the stub answered (not the screening)."""
    prompts = []
    for request in stub.requests:
        first = (request["body"].get("messages") or [{}])[0]
        if first.get("role") == "system" and not first["content"].startswith("You screen"):
            prompts.append(first["content"])
    return prompts


def versions_experiment(store, stub, a_version, b_version) -> Experiment:
    model = stub_model(stub)
    arms = [
        Arm.for_version(store.prompts, "support", WARRANTY, v, "openai:stub", model)
        for v in (a_version, b_version)
    ]
    return run_experiment([TUTORIAL], *arms)


# --- Two versions of a prompt ---------------------------------------------------------------


def test_an_edited_prompt_fails_the_scenario_the_default_passes(store, stub):
    edited = store.prompts.save("support", WARRANTY, NO_TOOL, name="no tool named")
    experiment = versions_experiment(store, stub, None, edited)

    (row,) = experiment.comparisons
    assert row.a.passed and row.a.path == FULL_PATH
    assert not row.b.passed and row.b.path == ["warranty_collector"]
    assert "expected final step Resolution, got Warranty verification" in row.b.reason
    assert row.b.tools == [] and row.b.error == ""  # it ran; the prompt made the difference
    assert experiment.summary() == (
        "Default passes 1 of 1; v1 · no tool named passes 0 of 1 (1 scenario differs in result)"
    )
    assert experiment.regressions == [row]
    assert row.change() == "B fails where A passes; different path; 4 replies differ"
    first = row.differing_replies()[0]
    assert first == (
        1,
        "Hi, my phone screen is cracked",
        "Thanks for writing. Is your device under warranty?",
        "Thanks for writing. How can I help?",
    )
    # Both prompts reached the model: the default on A, the edit on B.
    sent = systems(stub)
    assert any("record_warranty_status" in s for s in sent)
    assert any(s == NO_TOOL for s in sent)
    assert experiment.version_ids == (None, edited.id)


def test_the_default_arm_reads_the_default_even_when_an_edit_is_active(store, stub):
    edited = store.prompts.save("support", WARRANTY, NO_TOOL, name="no tool named")
    store.prompts.activate("support", WARRANTY, edited.id)
    experiment = versions_experiment(store, stub, edited, None)
    (row,) = experiment.comparisons
    assert not row.a.passed and row.b.passed  # the other way round: B fixes it
    assert row.change().startswith("B passes where A fails")
    assert experiment.summary().startswith("v1 · no tool named passes 0 of 1; Default passes 1")
    assert not experiment.regressions


def test_an_arm_sets_only_its_own_prompt_and_reads_tool_descriptions_as_the_agents_do(store):
    active = store.prompts.save("support", "issue_classifier", "Classify: {warranty_status}")
    store.prompts.activate("support", "issue_classifier", active.id)
    tool = store.prompts.save("support", "tool:provide_solution", "Give a fix {{with braces}}")
    prompts = Arm.for_version(store.prompts, "support", "tool:provide_solution", tool).prompts()
    assert prompts("support", "tool:provide_solution") == "Give a fix {with braces}"
    assert prompts("support", "issue_classifier") == "Classify: {warranty_status}"  # active
    assert prompts("support", WARRANTY) is None  # the default
    assert prompts("handoffs", "tool:provide_solution") is None  # another workflow's key


# --- Two models --------------------------------------------------------------------------------


def test_the_offline_model_against_a_provider(stub):
    a = Arm("offline demo model", "offline")
    b = Arm("openai:stub", "openai:stub", chat_model=stub_model(stub))
    heard = []
    experiment = run_experiment(
        [TUTORIAL, HUMAN], a, b, on_start=lambda side, i, s: heard.append((side, i, s.name))
    )
    assert heard == [
        ("a", 0, TUTORIAL.name),
        ("a", 1, HUMAN.name),
        ("b", 0, TUTORIAL.name),
        ("b", 1, HUMAN.name),
    ]
    tutorial, human = experiment.comparisons
    assert tutorial.a.passed and tutorial.b.passed and not tutorial.result_differs
    assert tutorial.a.path == tutorial.b.path == FULL_PATH
    assert tutorial.differing_replies()  # same path, other words
    assert human.a.passed and not human.b.passed
    assert "escalate_to_human" in human.a.tools and "escalate_to_human" not in human.b.tools
    assert experiment.summary() == (
        "offline demo model passes 2 of 2; openai:stub passes 1 of 2 (1 scenario differs in result)"
    )


def test_arms_with_the_same_label_are_told_apart():
    experiment = Experiment({"label": "v2"}, {"label": "v2"}, [])
    assert experiment.summary() == (
        "A (v2) passes 0 of 0; B (v2) passes 0 of 0 (the same result on every scenario)"
    )


def test_a_provider_that_fails_gives_a_failing_arm_with_its_reason(stub):
    stub.mode = "500"
    b = Arm("openai:stub", "openai:stub", chat_model=stub_model(stub))
    experiment = run_experiment([TUTORIAL, HUMAN], Arm("offline", "offline"), b)
    assert experiment.passes("a") == 2 and experiment.passes("b") == 0
    for row in experiment.comparisons:
        assert "internal error (HTTP 500)" in row.b.error
        assert row.b.reason.startswith("turn 1 failed:")
        assert row.b.path == ["warranty_collector"]
    (problem,) = experiment.problems()
    assert problem.startswith("openai:stub could not finish 2 scenarios: ")
    assert "HTTP 500" in problem


def test_a_model_that_cannot_be_built_stops_before_anything_runs(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("SUPPORT_AGENT_BASE_URL", raising=False)
    started = []
    with pytest.raises(ModelConfigError, match="OPENAI_API_KEY"):
        run_experiment(
            [TUTORIAL],
            Arm("offline", "offline"),
            Arm("openai", "openai:gpt-4.1-mini"),
            on_start=lambda *a: started.append(a),
        )
    assert started == []


# --- Checked before running -------------------------------------------------------------------


def test_both_arms_answer_the_check_with_one_request(stub):
    model = stub_model(stub)
    # A version experiment: both arms share one model, which is asked once.
    a, b = Arm("v1", "openai:stub", chat_model=model), Arm("v2", "openai:stub", chat_model=model)
    assert check_arms(a, b) == []
    assert len(stub.requests) == 1
    assert check_arms(Arm("offline", "offline"), Arm("also", "offline")) == []  # in process


def test_a_server_that_is_not_there_is_named_with_its_arm(stub):
    dead = get_model("openai:stub", base_url="http://127.0.0.1:9/v1")
    (problem,) = check_arms(Arm("offline", "offline"), Arm("dead", "openai:stub", chat_model=dead))
    assert (problem.side, problem.label, problem.error.cause) == ("b", "dead", "provider_failed")
    assert problem.error.message.startswith("The model provider could not be reached")
    assert "Retry" not in problem.error.message  # the chat's advice is apart: `advice`


@pytest.mark.parametrize(("mode", "cause"), [("404", "unknown_model"), ("401", "key_rejected")])
def test_an_unknown_model_or_refused_key_is_named(stub, mode, cause):
    stub.mode = mode
    (problem,) = check_arms(Arm("s", "openai:stub", chat_model=stub_model(stub)), Arm("o"))
    assert problem.side == "a" and problem.error.cause == cause


def test_a_missing_key_is_named_without_a_request(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("SUPPORT_AGENT_BASE_URL", raising=False)
    (problem,) = check_arms(Arm("o"), Arm("openai", "openai:gpt-4.1-mini"))
    assert problem.error.cause == "missing_key" and "OPENAI_API_KEY" in problem.error.message


def test_a_server_that_drops_mid_run_gives_errors_not_failures(stub):
    stub.mode = "drop"
    b = Arm("openai:stub", "openai:stub", chat_model=stub_model(stub))
    experiment = run_experiment([TUTORIAL], Arm("offline", "offline"), b)
    (row,) = experiment.comparisons
    assert row.b.verdict == "error" and row.a.verdict == "passes"
    assert not row.result_differs and not experiment.regressions  # an error is no result
    assert row.change() == "B stopped by an error"
    assert experiment.summary() == (
        "offline passes 1 of 1; openai:stub passes 0 of 1, 1 stopped by an error "
        "(the same result on every scenario)"
    )
    assert all(b is None for _n, _said, _a, b in row.differing_replies())  # never reached


# --- Kept with the prompt versions -----------------------------------------------------------


def test_experiments_are_kept_and_found_by_version(store_url, stub):
    store = open_store(store_url)
    try:
        first = store.prompts.save("support", WARRANTY, NO_TOOL, name="no tool named")
        second = store.prompts.save("support", WARRANTY, "Ask about the warranty; then talk.")
        ran = versions_experiment(store, stub, None, first)
        kept = store.experiments.save(ran, "local")
        other = store.experiments.save(versions_experiment(store, stub, first, second), "local")
        assert kept.id and kept.created_at and kept.owner == "local"
    finally:
        store.close()

    again = open_store(store_url)  # read back the way another process would
    try:
        loaded = again.experiments.get(kept.id)
        assert loaded.comparisons == ran.comparisons  # every per-scenario result, as run
        assert loaded.summary() == ran.summary()
        assert loaded.a == ran.a and loaded.b["version_id"] == first.id
        assert loaded.b["model"] == "openai:stub"
        (row,) = loaded.comparisons
        assert get_workflow("support").current(row.b.state) == "warranty_collector"
        assert row.a.state["current_step"] == "resolution_specialist"
        assert row.a.state["warranty_status"] == "in_warranty"
        assert row.drawable(row.a)["transitions"][-1]["target"] == "resolution_specialist"
        assert [e.id for e in again.experiments.for_version(first.id)] == [other.id, kept.id]
        assert [e.id for e in again.experiments.for_version(second.id)] == [other.id]
        assert again.experiments.for_version("no-such-version") == []
        assert [e.id for e in again.experiments.recent()] == [other.id, kept.id]
    finally:
        again.close()
