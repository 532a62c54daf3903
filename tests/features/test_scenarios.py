"""Scenario files: loading and validation, the runner, coverage, the CLI, saving a conversation."""

import io
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from langchain_core.messages import AIMessage, HumanMessage
from langgraph.checkpoint.memory import InMemorySaver

from support_agent.core.declaration import Edge, is_handover
from support_agent.core.engine import Error, TurnEnd, decide, new_thread_id, run_turn
from support_agent.core.timeline import Timeline
from support_agent.features.scenarios import (
    Scenario,
    ScenarioLoadError,
    coverage,
    load_each,
    load_paths,
    load_scenario,
    parse_yaml,
    run_many,
    run_scenario,
)
from support_agent.features.scenarios import runner as runner_module
from support_agent.features.scenarios.file_format import dump_yaml, parse_scenario
from support_agent.features.scenarios.from_thread import (
    draft_from_state,
    save_scenario_text,
    slugify,
)
from support_agent.scenario_cli import main
from support_agent.workflows import WORKFLOWS, get_workflow
from support_agent.workflows.builders import build_graph

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "scenarios"
SHIPPED_FILES = sorted(SHIPPED.glob("*.yaml"))


@pytest.fixture(autouse=True)
def offline_default(monkeypatch):
    monkeypatch.delenv("SUPPORT_AGENT_MODEL", raising=False)
    monkeypatch.delenv("SUPPORT_AGENT_BASE_URL", raising=False)


@pytest.fixture(scope="module")
def shipped_results():
    return run_many(load_paths([SHIPPED]), model="offline")


def software_fix() -> dict:
    """A valid scenario as data (a copy of a shipped one), to break one field at a time."""
    return yaml.safe_load((SHIPPED / "support-software-fix.yaml").read_text())


def write(tmp_path: Path, data: dict | str, name: str = "case.yaml") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False))
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(ScenarioLoadError) as err:
        load_scenario(path)
    assert all(p.startswith(f"{path}: ") for p in err.value.problems), err.value.problems
    return [p.removeprefix(f"{path}: ") for p in err.value.problems]


# --- Loading and validation ----------------------------------------------------------


def test_a_valid_file_loads_with_its_source():
    scenario = load_scenario(SHIPPED / "support-software-fix.yaml")
    assert scenario.workflow == "support"
    assert scenario.texts[0] == "My app keeps crashing when I open it"
    assert scenario.expect.final_step == "resolution_specialist"
    assert scenario.source == SHIPPED / "support-software-fix.yaml"
    written = dump_yaml(scenario.model_dump(exclude_defaults=True))
    assert parse_yaml(written).model_dump() == scenario.model_dump()  # round-trips


def _set(data: dict, dotted: str, value) -> dict:
    *parents, last = dotted.split(".")
    here = data
    for key in parents:
        here = here.setdefault(key, {})
    if value is _DELETE:
        del here[last]
    else:
        here[last] = value
    return data


_DELETE = object()


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        (
            "expect.final_step",
            "resolution",
            "expect.final_step: 'resolution' is not a step of workflow support",
        ),
        (
            "expect.path",
            ["warranty_collector", "issue_clasifier"],
            "expect.path[1]: 'issue_clasifier' is not a step",
        ),
        (
            "expect.path",
            ["issue_classifier", "resolution_specialist"],
            "expect.path[0]: a path starts at the initial step 'warranty_collector'",
        ),
        (
            "expect.path",
            ["warranty_collector", "resolution_specialist"],
            "expect.path[1]: no declared transition from 'warranty_collector' to 'resolution_specialist'",
        ),
        ("expect.path", [], "expect.path: empty"),
        (
            "expect.tools_called",
            ["provide_solution", "escalate"],
            "expect.tools_called[1]: 'escalate' is not a tool of workflow support",
        ),
        (
            "expect.tools_not_called",
            ["transfer_to_sales"],
            "expect.tools_not_called[0]: 'transfer_to_sales' is not a tool of workflow support",
        ),
        (
            "expect.tools_not_called",
            ["provide_solution"],
            "expect.tools_not_called: provide_solution also listed in tools_called",
        ),
        (
            "expect.facts",
            {"warranty": "in_warranty"},
            "expect.facts.warranty: not a fact of workflow support",
        ),
        (
            "expect.facts",
            {"issue_type": "hardwear"},
            "expect.facts.issue_type: 'hardwear' is not a value it can take (values: hardware, software",
        ),
        (
            "expect.facts",
            {"issue_type": True},
            "expect.facts.issue_type: expected text, got True (put it in quotes)",
        ),
        (
            "expect.handoff_limited",
            True,
            "expect.handoff_limited: workflow support has no transfer limit",
        ),
        ("max_transfers", 1, "max_transfers: workflow support has no transfer limit"),
        (
            "expect.tool_called",
            ["provide_solution"],
            "expect.tool_called: unknown field (check the spelling)",
        ),
        ("workflow", "suport", "workflow: unknown workflow 'suport'; known: support, handoffs"),
        ("turns", [], "turns: List should have at least 1 item"),
        ("turns", ["hello", "  "], "turns[1]: empty message"),
        ("turns", _DELETE, "turns: required field is missing"),
        ("name", _DELETE, "name: required field is missing"),
        ("workflow", _DELETE, "workflow: required field is missing"),
        ("expect", _DELETE, "expect: required field is missing"),
    ],
)
def test_a_bad_field_is_a_load_error_naming_file_and_field(tmp_path, field, value, expected):
    path = write(tmp_path, _set(software_fix(), field, value))
    found = problems(path)
    assert any(p.startswith(expected) for p in found), found


def test_path_and_final_step_must_agree(tmp_path):
    data = _set(software_fix(), "expect.final_step", "issue_classifier")
    found = problems(write(tmp_path, data))
    assert found == [
        "expect.path: ends at 'resolution_specialist' but expect.final_step is 'issue_classifier'"
    ]


def test_handoffs_names_are_checked_against_the_handoffs_declaration(tmp_path):
    data = {
        "name": "x",
        "workflow": "handoffs",
        "turns": ["hi"],
        "expect": {
            "final_step": "resolution_specialist",
            "facts": {"warranty_status": "in_warranty"},
            "tools_called": ["provide_solution"],
        },
    }
    found = problems(write(tmp_path, data))
    assert [p.split(":")[0] for p in found] == [
        "expect.final_step",
        "expect.facts.warranty_status",
        "expect.tools_called[0]",
    ]
    assert "(steps: sales_agent, support_agent)" in found[0]


def test_every_problem_of_a_file_is_reported_at_once(tmp_path):
    data = software_fix()
    data["expect"].update(final_step="resolution", tools_called=["escalate"])
    assert len(problems(write(tmp_path, data))) == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name: [unclosed\n", "not valid YAML (line 2, column 1)"),
        ("name: x\n  turns: - a\n", "not valid YAML (line 2"),
        ("- just\n- a list\n", "expected a mapping with name, workflow, turns and expect"),
        ("", "expected a mapping"),
    ],
)
def test_bad_yaml_is_a_load_error(tmp_path, text, expected):
    path = write(tmp_path, text)
    assert problems(path)[0].startswith(expected)


def test_loading_a_directory_reports_every_bad_file_and_duplicate_names(tmp_path):
    write(tmp_path, software_fix(), "a.yaml")
    write(tmp_path, software_fix(), "b.yaml")  # same name as a.yaml
    write(tmp_path, "name: [unclosed\n", "c.yaml")
    write(tmp_path, "not a scenario", "notes.txt")  # not a scenario file: ignored
    scenarios, errors = load_each([tmp_path])
    assert [s.source.name for s in scenarios] == ["a.yaml"]
    assert [e.problems[0].split(":")[0] for e in errors] == [
        str(tmp_path / "b.yaml"),
        str(tmp_path / "c.yaml"),
    ]
    assert "is already used by" in errors[0].problems[0]
    with pytest.raises(ScenarioLoadError) as err:
        load_paths([tmp_path])
    assert len(err.value.problems) == 2
    assert problems(tmp_path / "missing.yaml")[0].startswith("can't read it")


# --- The shipped scenarios -----------------------------------------------------------


def test_at_least_fifteen_scenarios_ship_for_both_workflows():
    scenarios = load_paths([SHIPPED])
    assert len(scenarios) >= 15
    assert {s.workflow for s in scenarios} == set(WORKFLOWS)


@pytest.mark.parametrize("path", SHIPPED_FILES, ids=lambda p: p.stem)
def test_every_shipped_scenario_passes_on_the_offline_model(path):
    result = run_scenario(load_scenario(path), model="offline")
    assert result.passed, result.reason
    assert result.turns_run == len(result.scenario.turns)
    assert result.final_state["messages"]
    assert result.path[0] == result.workflow.initial


def test_the_loop_scenario_reaches_the_transfer_limit():
    result = run_scenario(load_scenario(SHIPPED / "handoffs-loop-guard.yaml"), model="offline")
    assert result.final_state["handoff_limited"] is True
    assert result.final_state.get("transitions", []) == []
    assert result.tools_called == ["transfer_to_support"]  # tried, refused by the guard


# --- A wrong expectation really fails ------------------------------------------------


def run_with(tmp_path, **expect) -> list[str]:
    data = software_fix()
    data["expect"].update(expect)
    result = run_scenario(load_scenario(write(tmp_path, data)), model="offline")
    assert not result.passed
    return result.failures


@pytest.mark.parametrize(
    ("expect", "reason"),
    [
        (
            {"final_step": "issue_classifier", "path": ["warranty_collector", "issue_classifier"]},
            "expected final step Issue classification, got Resolution",
        ),
        (
            {"facts": {"warranty_status": "out_of_warranty"}},
            "expected warranty_status = out_of_warranty, got in_warranty",
        ),
        (
            {"facts": {"issue_type": None}},
            "expected issue_type = not recorded, got software",
        ),
        (
            {"tools_called": ["escalate_to_human"], "tools_not_called": []},
            "expected escalate_to_human to be called; tools called: record_warranty_status, "
            "record_issue_type, provide_solution",
        ),
        (
            {"tools_not_called": ["provide_solution"], "tools_called": []},
            "expected provide_solution not to be called, but it was called once",
        ),
        (
            {
                "path": [
                    "warranty_collector",
                    "issue_classifier",
                    "resolution_specialist",
                    "issue_classifier",
                    "resolution_specialist",
                ]
            },
            "expected path Warranty verification → Issue classification → Resolution → Issue "
            "classification → Resolution, got Warranty verification → Issue classification → "
            "Resolution",
        ),
    ],
    ids=["final_step", "facts", "fact-not-recorded", "tools_called", "tools_not_called", "path"],
)
def test_a_wrong_expectation_fails_with_its_reason(tmp_path, expect, reason):
    failures = run_with(tmp_path, **expect)
    assert reason in failures, failures


def test_every_failure_is_collected(tmp_path):
    failures = run_with(
        tmp_path,
        final_step="warranty_collector",
        path=["warranty_collector"],
        facts={"warranty_status": "out_of_warranty", "issue_type": "hardware"},
        tools_called=["escalate_to_human"],
        tools_not_called=["provide_solution"],
    )
    assert len(failures) == 6, failures
    assert failures[0] == "expected final step Warranty verification, got Resolution"


def test_wrong_handoffs_expectations_fail_with_their_reasons(tmp_path):
    data = yaml.safe_load((SHIPPED / "handoffs-loop-guard.yaml").read_text())
    del data["max_transfers"]  # the default limit lets the login question through
    result = run_scenario(load_scenario(write(tmp_path, data)), model="offline")
    assert result.failures == [
        "expected active agent Sales agent, got Support agent",
        "expected path Sales agent, got Sales agent → Support agent",
        "expected the transfer limit to be reached in the last turn, but it was not",
    ]

    data["expect"] = {"handoff_limited": False}
    data["max_transfers"] = 0
    result = run_scenario(load_scenario(write(tmp_path, data)), model="offline")
    assert result.failures == ["expected no transfer to be refused by the limit, but one was"]


def test_the_prompt_source_is_used_for_every_step_the_run_reaches():
    asked = []

    def prompts(workflow: str, key: str) -> str | None:
        asked.append((workflow, key))
        return None  # the defaults

    result = run_scenario(load_scenario(SHIPPED / "support-tutorial.yaml"), "offline", prompts)
    assert result.passed, result.reason
    steps = {key for _, key in asked if not key.startswith("tool:")}
    assert steps == set(get_workflow("support").step_names)


def test_an_error_event_fails_the_scenario_with_its_message(monkeypatch, tmp_path):
    calls = []

    def failing_turn(graph, workflow, thread_id, text, **options):
        calls.append(text)
        if len(calls) == 2:
            yield Error("provider", "The model provider could not be reached (ConnectError).")
            return
        yield from run_turn(graph, workflow, thread_id, text, **options)

    monkeypatch.setattr(runner_module, "run_turn", failing_turn)
    result = run_scenario(load_scenario(SHIPPED / "support-software-fix.yaml"), model="offline")
    assert result.failures == [
        "turn 2 failed: The model provider could not be reached (ConnectError)."
    ]
    assert result.turns_run == 1
    assert len(calls) == 2


# --- Coverage ------------------------------------------------------------------------


def test_the_shipped_set_covers_every_step_and_transition(shipped_results):
    report = coverage(shipped_results)
    assert set(report) == set(WORKFLOWS)
    for name, cov in report.items():
        workflow = get_workflow(name)
        assert cov.steps_reached == set(workflow.step_names)
        assert cov.edges_reached == set(workflow.edges())
        assert cov.complete and cov.summary().endswith("(complete)")


def test_a_partial_set_reports_what_no_scenario_reached():
    shipped = [SHIPPED / "support-tutorial.yaml", SHIPPED / "handoffs-pricing-stays.yaml"]
    results = run_many(load_paths(shipped), model="offline")
    report = coverage(results)
    support, handoffs = report["support"], report["handoffs"]
    assert support.steps_missed == []
    assert support.edges_missed == [
        Edge("issue_classifier", "warranty_collector", "go_back_to_warranty"),
        Edge("resolution_specialist", "warranty_collector", "go_back_to_warranty"),
        Edge("resolution_specialist", "issue_classifier", "go_back_to_classification"),
        Edge("resolution_specialist", "warranty_collector", "start_new_case"),
    ]
    assert "not reached: issue_classifier → warranty_collector via go_back_to_warranty" in (
        support.summary()
    )
    assert handoffs.steps_missed == ["support_agent"]
    assert [e.tool for e in handoffs.edges_missed] == ["transfer_to_support", "transfer_to_sales"]


# --- The CLI -------------------------------------------------------------------------


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_cli_passes_on_the_shipped_set():
    code, out, err = cli("run", str(SHIPPED), "--model", "offline")
    assert code == 0, out + err
    assert f"Running {len(SHIPPED_FILES)} scenarios" in out
    assert out.count("  pass") == len(SHIPPED_FILES)
    assert "FAIL" not in out
    assert f"{len(SHIPPED_FILES)} passed, 0 failed" in out
    assert "Customer support (state machine): 3/3 steps, 6/6 transitions" in out
    assert "Sales ↔ support handoffs: 2/2 steps, 2/2 transitions" in out


def test_cli_exits_1_and_prints_every_reason_when_a_scenario_fails(tmp_path):
    data = software_fix()
    data["expect"].update(final_step="issue_classifier", tools_called=["escalate_to_human"])
    data["expect"].update(tools_not_called=[])
    del data["expect"]["path"]
    failing = write(tmp_path, data)
    code, out, _ = cli("run", str(failing), str(SHIPPED / "support-tutorial.yaml"))
    assert code == 1
    assert "1 passed, 1 failed" in out
    row = next(line for line in out.splitlines() if line.startswith(data["name"]))
    assert "FAIL    expected final step Issue classification, got Resolution" in row
    assert "expected escalate_to_human to be called" in out
    assert "not reached:" in out  # a partial set: coverage says what is missing


def test_cli_exits_2_on_a_load_error_naming_file_and_problem(tmp_path):
    data = _set(software_fix(), "expect.final_step", "resolution")
    bad = write(tmp_path, data, "typo.yaml")
    code, out, err = cli("run", str(SHIPPED), str(bad))
    assert code == 2
    assert f"{bad}: expect.final_step: 'resolution' is not a step" in err
    assert out == ""  # nothing ran


def test_cli_exits_2_with_no_scenarios_or_an_unusable_model(tmp_path, monkeypatch):
    code, _, err = cli("run", str(tmp_path))
    assert code == 2 and "No scenario files" in err
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    code, _, err = cli("run", str(SHIPPED / "support-tutorial.yaml"), "--model", "openai:gpt-4.1")
    assert code == 2 and "No API key for openai" in err


def test_cli_as_a_module_in_a_subprocess():
    done = subprocess.run(
        [sys.executable, "-m", "support_agent", "scenarios", "run", "scenarios/"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(ROOT)},
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(SHIPPED_FILES)} passed, 0 failed" in done.stdout


# --- A conversation turned into a scenario -------------------------------------------


def converse(workflow_name: str, *texts: str) -> tuple[dict, object, str]:
    workflow = get_workflow(workflow_name)
    graph = build_graph(workflow_name, "offline", InMemorySaver())
    thread_id = new_thread_id()
    state: dict = {}
    for text in texts:
        events = list(run_turn(graph, workflow, thread_id, text))
        assert isinstance(events[-1], TurnEnd), events[-1]
        state = events[-1].state
    return state, graph, thread_id


@pytest.mark.parametrize(
    ("workflow", "texts"),
    [
        (
            "support",
            [
                "my screen is cracked",
                "yes, under warranty",
                "sorry, it's actually a software problem, an app keeps crashing",
                "I tried all of that and it still crashes",
            ],
        ),
        ("handoffs", ["Hi, I can't log in", "How much is the Premium plan?", "Thanks!"]),
    ],
)
def test_a_conversation_becomes_a_scenario_that_passes(workflow, texts):
    state, _, _ = converse(workflow, *texts)
    draft = draft_from_state(get_workflow(workflow), state)
    assert draft.warnings == []
    scenario = parse_yaml(draft.text)
    assert scenario.texts == texts
    assert scenario.expect.final_step == get_workflow(workflow).current(state)
    assert scenario.expect.path == [get_workflow(workflow).initial] + [
        t["target"]
        for t in state["transitions"]
        if not is_handover(t)  # the machine stays
    ]
    result = run_scenario(scenario, model="offline")
    assert result.passed, result.reason


def test_a_support_draft_records_facts_and_tools():
    state, _, _ = converse("support", "The charging port is broken", "nope, expired in March")
    expect = parse_yaml(draft_from_state(get_workflow("support"), state).text).expect
    assert expect.facts == {"warranty_status": "out_of_warranty", "issue_type": "hardware"}
    assert expect.tools_called == [
        "record_warranty_status",
        "record_issue_type",
        "escalate_to_human",
    ]
    assert expect.path == ["warranty_collector", "issue_classifier", "resolution_specialist"]


def test_summaries_never_become_turns():
    summary = HumanMessage(
        'Here is a summary of the conversation so far:\n- "Hi, my phone screen is cracked"',
        additional_kwargs={"lc_source": "summarization"},
    )
    state = {
        "messages": [summary, HumanMessage("What should I do?"), AIMessage("Book a repair.")],
        "turn": 3,
    }
    draft = draft_from_state(get_workflow("support"), state)
    assert parse_yaml(draft.text).texts == ["What should I do?"]
    assert "had 3 turns but only the last 1" in draft.warnings[0]
    with pytest.raises(ValueError, match="no customer message"):
        draft_from_state(get_workflow("support"), {"messages": [summary]})


def test_a_summarized_conversation_replays_from_the_timeline():
    texts = ["Hi, my phone screen is cracked", "Yes, it's still under warranty"]
    texts += ["What should I do next? Where do I take it, and what do I need to bring?"] * 40
    texts += ["Actually, I made a mistake - my device is out of warranty", "What should I do?"]
    state, graph, thread_id = converse("support", *texts)
    assert any(m.additional_kwargs.get("lc_source") == "summarization" for m in state["messages"])
    workflow = get_workflow("support")
    assert draft_from_state(workflow, state).warnings  # the state alone lost early turns

    every = [p.text for p in Timeline(graph, thread_id).turns()]
    draft = draft_from_state(workflow, state, turns=every)
    assert draft.warnings == []
    scenario = parse_yaml(draft.text)
    assert scenario.texts == texts
    result = run_scenario(scenario, model="offline")
    assert result.passed, result.reason


def test_saving_writes_a_new_file_and_overwrites_only_when_asked(tmp_path):
    state, _, _ = converse("support", "My battery is swollen", "yes it's covered")
    text = draft_from_state(get_workflow("support"), state, name="Swollen battery!").text
    target = tmp_path / "scenarios"
    path = save_scenario_text(text, target)
    assert path == target / "swollen-battery.yaml"
    assert load_scenario(path).name == "Swollen battery!"

    edited = text.replace("description: Saved", "description: Edited")
    with pytest.raises(FileExistsError):
        save_scenario_text(edited, target)
    assert "Edited" not in path.read_text()
    save_scenario_text(edited, target, overwrite=True)
    assert "description: Edited" in path.read_text()


def test_saving_an_invalid_scenario_writes_nothing(tmp_path):
    state, _, _ = converse("support", "My battery is swollen")
    text = draft_from_state(get_workflow("support"), state, name="Bad one").text
    with pytest.raises(ScenarioLoadError) as err:
        save_scenario_text(
            text.replace("final_step: warranty_collector", "final_step: nowhere"), tmp_path
        )
    assert err.value.problems[0].startswith("expect.final_step: 'nowhere' is not a step")
    with pytest.raises(ScenarioLoadError):
        save_scenario_text("name: [oops\n", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_saving_refuses_a_name_another_file_uses(tmp_path):
    write(tmp_path, software_fix(), "hand-written.yaml")
    text = (SHIPPED / "support-software-fix.yaml").read_text()
    with pytest.raises(ScenarioLoadError, match="already used by hand-written.yaml"):
        save_scenario_text(text, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["hand-written.yaml"]


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Cracked screen!", "cracked-screen"),
        ("Handoffs — login: sales → support", "handoffs-login-sales-support"),
        ("Éclair über café", "eclair-uber-cafe"),
        ("../../etc/passwd", "etc-passwd"),
        ("!!!", "scenario"),
        ("x" * 200, "x" * 60),
    ],
)
def test_slugs_are_safe_file_names(name, slug):
    assert slugify(name) == slug


def test_the_cli_reports_progress_as_each_scenario_finishes():
    code, _out, err = cli("run", str(SHIPPED), "--model", "offline")
    assert code == 0
    lines = [line for line in err.splitlines() if line.strip().startswith("[")]
    assert len(lines) == len(SHIPPED_FILES) and lines[-1].strip().startswith(
        f"[{len(SHIPPED_FILES)}/{len(SHIPPED_FILES)}] pass"
    )


# --- A person's decisions (approvals) ------------------------------------------------------

REFUND_TURNS = [
    "Hi, I want to return my headphones",
    "Order 482913",
    "It came last week and I never opened it",
    "A refund please",
]


def refund(decisions: list, turns: list[str] = REFUND_TURNS) -> Scenario:
    return parse_scenario(
        {
            "name": "refund with decisions",
            "workflow": "returns",
            "turns": turns,
            "decisions": decisions,
            "expect": {"facts": {"resolution_choice": "refund"}},
        }
    )


def test_decisions_answer_each_pause_in_order():
    assert run_scenario(refund(["approve"]), model="offline").passed
    rejected = run_scenario(refund([{"reject": "photos first"}]), model="offline")
    assert rejected.reason == "expected resolution_choice = refund, got nothing recorded"
    decided = [r for r in rejected.final_state["transitions"] if r.get("decision")]
    assert [(r["decision"], r["note"]) for r in decided] == [("reject", "photos first")]


def test_a_pause_with_no_decision_left_and_a_decision_never_needed_both_fail():
    short = run_scenario(refund(["reject"], REFUND_TURNS + ["Please refund it"]), "offline")
    assert short.reason == (
        "turn 5 waited for approval (Refund this order?) but no decision is left in decisions"
    )
    extra = run_scenario(refund(["approve", "approve"]), model="offline")
    assert extra.reason == "1 of the decisions were never needed: no turn waited for them"


@pytest.mark.parametrize(
    ("decisions", "expected"),
    [
        (["maybe"], "decisions[0]"),
        ([{"reject": "a", "edit": "b"}], "decisions[0]: one of reject or edit, with its text"),
        ([{"edit": "  "}], "decisions[0]: edit needs the new text"),
        ([{"approve": "x"}], "decisions[0]"),
    ],
)
def test_a_malformed_decision_is_a_load_error(tmp_path, decisions, expected):
    data = {**software_fix(), "decisions": decisions}
    found = problems(write(tmp_path, data))
    assert any(p.startswith(expected) for p in found), found


def test_a_chat_with_decisions_becomes_a_scenario_that_replays_them():
    workflow = get_workflow("returns")
    graph = build_graph(workflow, "offline", InMemorySaver())
    thread = new_thread_id()
    for text in REFUND_TURNS:
        end = list(run_turn(graph, workflow, thread, text, approvals=True))[-1]
    end = list(decide(graph, workflow, thread, end.waiting, "reject", "photos first"))[-1]
    end = list(run_turn(graph, workflow, thread, "Please refund it", approvals=True))[-1]
    end = list(decide(graph, workflow, thread, end.waiting, "approve"))[-1]
    scenario = parse_yaml(draft_from_state(workflow, end.state).text)
    assert scenario.decisions == [{"reject": "photos first"}, "approve"]
    assert scenario.expect.path == ["order_lookup", "eligibility_check", "resolution"]
    result = run_scenario(scenario, model="offline")
    assert result.passed, result.reason
