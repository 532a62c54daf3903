"""Jump to a step: a new conversation started at any step with its facts preset."""

import re
import sqlite3
import typing
import uuid

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from streamlit.testing.v1 import AppTest

from support_agent.core.declaration import JUMP, Edge, is_jump
from support_agent.core.diagram import dot_source, last_move, path_of
from support_agent.core.engine import Error, ToolCall, TurnEnd, run_turn, thread_config
from support_agent.core.state_view import history_rows, transcript
from support_agent.core.timeline import Timeline
from support_agent.features.exports import as_markdown
from support_agent.features.scenarios.coverage import coverage
from support_agent.features.scenarios.file_format import Scenario
from support_agent.features.scenarios.runner import ScenarioResult
from support_agent.models import OfflineChatModel
from support_agent.ui import jump
from support_agent.ui.machine_panel import history_lines
from support_agent.workflows import WORKFLOWS
from support_agent.workflows.builders import build_graph
from support_agent.workflows.handoffs import HANDOFFS
from support_agent.workflows.returns import RETURNS
from support_agent.workflows.support import SUPPORT
from tests.helpers import (
    click,
    customer_bubbles,
    dot,
    engineer_details,
    jump_to,
    open_time_travel,
    send,
    shown_history,
    start,
)

OUT_OF_WARRANTY_HARDWARE = {"warranty_status": "out_of_warranty", "issue_type": "hardware"}


@pytest.fixture(autouse=True)
def fresh_store(monkeypatch, tmp_path):
    monkeypatch.setenv("HANDOFF_DB_URL", f"sqlite:///{tmp_path / 'app.db'}")
    monkeypatch.delenv("SUPPORT_AGENT_MODEL", raising=False)


# --- What is offered comes from the declarations -------------------------------------------


def _some_value(workflow, key):
    options = jump.choices(workflow, key)
    return options[-1] if options else "48213"


@pytest.mark.parametrize("name", list(WORKFLOWS))
def test_every_step_but_the_first_is_offered_with_the_facts_it_requires(name):
    workflow = WORKFLOWS[name]
    assert jump.targets(workflow) == [s for s in workflow.step_names if s != workflow.initial]
    hints = typing.get_type_hints(workflow.state_schema)
    for step in jump.targets(workflow):
        for key in workflow.step(step).requires:
            options = jump.choices(workflow, key)
            if typing.get_origin(hints[key]) is typing.Literal:
                assert options == typing.get_args(hints[key])
            else:
                assert options is None  # typed, not chosen


def test_the_choices_are_the_declared_values_in_words():
    assert jump.choices(SUPPORT, "warranty_status") == ("in_warranty", "out_of_warranty")
    assert jump.fact_words(SUPPORT, "warranty_status", "out_of_warranty") == "Out of warranty"
    assert jump.choices(RETURNS, "eligibility") == ("eligible", "not_eligible")
    assert jump.choices(RETURNS, "order_id") is None
    assert jump.targets(HANDOFFS) == ["support_agent"]
    assert HANDOFFS.step("support_agent").requires == ()


def test_a_seed_needs_every_required_fact_with_a_declared_value():
    with pytest.raises(ValueError, match="Issue type must be set"):
        jump.seed(SUPPORT, "resolution_specialist", {"warranty_status": "in_warranty"})
    with pytest.raises(ValueError, match="can't be 'broken'"):
        jump.seed(SUPPORT, "issue_classifier", {"warranty_status": "broken"})
    with pytest.raises(ValueError, match="no step named"):
        jump.seed(SUPPORT, "nowhere", {})
    with pytest.raises(ValueError, match="Order must be set"):
        jump.seed(RETURNS, "eligibility_check", {"order_id": "   "})


def test_the_seed_holds_the_step_the_facts_turn_zero_and_one_jump_record():
    values = jump.seed(
        SUPPORT, "resolution_specialist", {**OUT_OF_WARRANTY_HARDWARE, "ignored": "x"}
    )
    assert values["current_step"] == "resolution_specialist"
    assert values["turn"] == 0
    assert values["warranty_status"] == "out_of_warranty" and values["issue_type"] == "hardware"
    assert "ignored" not in values
    [record] = values["transitions"]
    assert is_jump(record) and record["id"].startswith("jump-")
    assert (record["turn"], record["source"], record["target"], record["tool"]) == (
        0,
        "warranty_collector",
        "resolution_specialist",
        JUMP,
    )
    assert record["reason"] == "jumped here for a walkthrough (Out of warranty, Hardware)"
    # Two seeds never share a record id (ids key the history).
    again = jump.seed(SUPPORT, "resolution_specialist", OUT_OF_WARRANTY_HARDWARE)
    assert again["transitions"][0]["id"] != record["id"]


# --- The conversation continues from the step, with the offline model ------------------------


def seeded(workflow, step, facts):
    graph = build_graph(workflow.name, OfflineChatModel(), InMemorySaver())
    thread = str(uuid.uuid4())
    graph.update_state(thread_config(thread), jump.seed(workflow, step, facts), as_node="__start__")
    return graph, thread


def turn(graph, workflow, thread, text):
    events = list(run_turn(graph, workflow, thread, text, first_turn=False, stream_tokens=False))
    assert isinstance(events[-1], TurnEnd), events[-1]
    return events, events[-1].state


def test_out_of_warranty_hardware_at_resolution_goes_to_a_person():
    graph, thread = seeded(SUPPORT, "resolution_specialist", OUT_OF_WARRANTY_HARDWARE)
    events, state = turn(graph, SUPPORT, thread, "My screen is cracked")
    assert [e.name for e in events if isinstance(e, ToolCall)] == ["escalate_to_human"]
    assert state["current_step"] == "resolution_specialist"
    assert state["turn"] == 1
    # The machine stays at Resolution; the hand-over is kept as an event of its own.
    assert [r["tool"] for r in state["transitions"]] == [JUMP, "escalate_to_human"]
    assert [r["target"] for r in state["transitions"]] == ["resolution_specialist"] * 2


def test_in_warranty_at_classification_moves_to_resolution():
    graph, thread = seeded(SUPPORT, "issue_classifier", {"warranty_status": "in_warranty"})
    _events, state = turn(graph, SUPPORT, thread, "my screen is cracked")
    assert state["current_step"] == "resolution_specialist"
    assert state["issue_type"] == "hardware"
    assert [(r["turn"], r["tool"]) for r in state["transitions"]] == [
        (0, JUMP),
        (1, "record_issue_type"),
    ]
    assert last_move(state) == ("issue_classifier", "resolution_specialist", "record_issue_type")


def test_the_agents_graph_starts_with_the_chosen_agent_active():
    graph, thread = seeded(HANDOFFS, "support_agent", {})
    _events, state = turn(graph, HANDOFFS, thread, "How much does the Business plan cost?")
    assert [(r["source"], r["target"], r["tool"]) for r in state["transitions"]] == [
        ("sales_agent", "support_agent", JUMP),
        ("support_agent", "sales_agent", "transfer_to_sales"),
    ]
    assert state["active_agent"] == "sales_agent"


def test_an_eligible_return_at_resolution_is_refunded():
    facts = {"order_id": "48213", "eligibility": "eligible"}
    graph, thread = seeded(RETURNS, "resolution", facts)
    events, state = turn(graph, RETURNS, thread, "A refund please")
    assert "issue_refund" in [e.name for e in events if isinstance(e, ToolCall)]
    assert state["resolution_choice"] == "refund" and state["order_id"] == "48213"


@pytest.mark.parametrize(
    ("name", "step"), [(n, s) for n, w in WORKFLOWS.items() for s in jump.targets(w)]
)
def test_every_step_of_every_workflow_can_be_started_at_and_answered(name, step):
    workflow = WORKFLOWS[name]
    facts = {key: _some_value(workflow, key) for key in workflow.step(step).requires}
    graph, thread = seeded(workflow, step, facts)
    events = list(run_turn(graph, workflow, thread, "hello", first_turn=False))
    assert not [e for e in events if isinstance(e, Error)]
    state = events[-1].state
    assert state["turn"] == 1 and is_jump(state["transitions"][0])
    assert all(state[key] == value for key, value in facts.items())


# --- How the jump reads: history, diagram, transcript, coverage, time travel -----------------


def jumped_state(**extra):
    return {
        **jump.seed(SUPPORT, "resolution_specialist", OUT_OF_WARRANTY_HARDWARE, record_id="jump-1"),
        **extra,
    }


def test_the_history_marks_the_jump():
    state = jumped_state()
    assert history_lines(SUPPORT, state) == [
        "**Turn 0** · Warranty verification → **Resolution**  \n"
        ":small[⤵ jumped here for a walkthrough \\(Out of warranty, Hardware\\)]"
    ]
    assert history_rows(SUPPORT, state)[0]["to"] == "Resolution"
    assert "| 0 | Warranty verification | Resolution | `jump` |" in as_markdown(
        SUPPORT, state, thread_id="t", title="t"
    )
    assert SUPPORT.tool_label(JUMP) == "jumped here"


def test_the_transcript_opens_with_a_note_not_a_customer_turn():
    [item] = transcript(jumped_state())
    assert item.role == "jump"
    assert item.text.startswith("Jumped to Resolution for a walkthrough, with Warranty: Out of")


def jump_edges(source: str) -> list[str]:
    return re.findall(r'^\s*(\w+ -> \w+) \[(?=.*class="?jump).*$', source, re.M)


def test_the_diagram_dots_the_jump_and_keeps_the_declared_machine():
    plain = dot_source(SUPPORT, {})
    source = dot_source(SUPPORT, jumped_state())
    assert jump_edges(source) == ["warranty_collector -> resolution_specialist"]
    line = next(x for x in source.splitlines() if re.search(r'class="?jump', x))
    assert "style=dotted" in line and "just-moved" in line and "constraint=false" in line
    declared = re.findall(r'tooltip="tool: (\w+)"', plain)
    assert re.findall(r'tooltip="tool: (\w+)"', source) == declared  # every move, no more
    assert "taken" not in source  # no declared move was made
    assert re.search(r"resolution_specialist \[.*penwidth=3", source)
    assert 'issue_classifier [label="Issue\\nclassification" color="#94a3b8"' in source

    moved = {**jumped_state(), "turn": 1}
    moved["transitions"] = [
        *moved["transitions"],
        {"id": "c1", "turn": 1, "source": "resolution_specialist",
         "target": "issue_classifier", "tool": "go_back_to_classification", "reason": ""},
    ]  # fmt: skip
    source = dot_source(SUPPORT, moved)
    line = next(x for x in source.splitlines() if re.search(r'class="?jump', x))
    assert "just-moved" not in line  # the latest turn's move is the one drawn as just made
    back = next(x for x in source.splitlines() if "tool: go_back_to_classification" in x)
    assert "just-moved" in back


def test_the_agents_diagram_dots_the_jump_and_waits_for_the_first_turn():
    state = jump.seed(HANDOFFS, "support_agent", {})
    source = dot_source(HANDOFFS, state)
    assert jump_edges(source) == ["sales_agent -> support_agent"]
    start_edge = next(x for x in source.splitlines() if "__start__ -> " in x)
    assert "taken" not in start_edge  # the note is no customer turn


def test_a_jump_covers_no_step_or_transition():
    scenario = Scenario(
        name="x", workflow="support", turns=["hi"], expect={"final_step": "warranty_collector"}
    )
    state = jumped_state()
    assert path_of(SUPPORT, state)[1] == {("warranty_collector", "resolution_specialist", JUMP)}
    report = coverage([ScenarioResult(scenario, final_state=state)])["support"]
    assert report.steps_reached == {"warranty_collector"}
    assert report.edges_reached == set()
    state["transitions"].append(
        {"id": "c1", "turn": 1, "source": "resolution_specialist",
         "target": "warranty_collector", "tool": "start_new_case", "reason": ""}
    )  # fmt: skip
    report = coverage([ScenarioResult(scenario, final_state=state)])["support"]
    assert report.edges_reached == {
        Edge("resolution_specialist", "warranty_collector", "start_new_case")
    }


def test_turn_one_rewinds_to_the_jumped_state():
    graph, thread = seeded(SUPPORT, "resolution_specialist", OUT_OF_WARRANTY_HARDWARE)
    turn(graph, SUPPORT, thread, "My screen is cracked")
    turn(graph, SUPPORT, thread, "How long will it take?")
    points = Timeline(graph, thread).turns()
    assert [p.number for p in points] == [1, 2]
    before = graph.get_state(thread_config(thread, points[0].before_id)).values
    assert before["current_step"] == "resolution_specialist" and before["turn"] == 0
    assert before["warranty_status"] == "out_of_warranty"
    assert not [m for m in before["messages"] if m.type == "human" and "summary" not in m.text]


# --- In the app ------------------------------------------------------------------------------


def sidebar_jump_boxes(at: AppTest) -> list[tuple[str, list[str]]]:
    return [(s.label, s.options) for s in at.sidebar.selectbox if s.key.startswith("jump.")]


def test_the_sidebar_offers_each_step_with_its_facts_in_words():
    at = start()
    assert sidebar_jump_boxes(at) == [
        ("Step", ["Issue classification", "Resolution"]),
        ("Warranty", ["In warranty", "Out of warranty"]),
        ("Issue type", ["Hardware", "Software"]),
    ]
    at.selectbox(key="jump.step.support").set_value("issue_classifier").run()
    assert sidebar_jump_boxes(at)[1:] == [("Warranty", ["In warranty", "Out of warranty"])]


def test_a_jump_starts_a_new_conversation_and_the_next_message_continues_there():
    at = start()
    send(at, "Hi, my phone screen is cracked")
    first = at.query_params["thread"]

    jump_to(at, "resolution_specialist", **OUT_OF_WARRANTY_HARDWARE)
    thread = at.query_params["thread"]
    assert thread != first
    assert customer_bubbles(at) == []
    assert re.search(r"^\s*resolution_specialist \[.*penwidth=3", dot(at), re.M)
    assert "**Warranty**: Out of warranty" in at.sidebar.markdown[1].value
    assert "new this turn" not in at.sidebar.markdown[1].value  # preset, not learned
    assert shown_history(at) == [
        "**Turn 0** · Warranty verification → **Resolution**  \n"
        ":small[⤵ jumped here for a walkthrough \\(Out of warranty, Hardware\\)]"
    ]
    workflow_box = next(s for s in at.sidebar.selectbox if s.label == "Workflow")
    assert workflow_box.disabled  # the conversation has its workflow
    open_time_travel(at)
    assert not [b for b in at.button if b.label == "Rewind here"]  # nothing to rewind yet

    send(at, "My screen is cracked")
    assert engineer_details(at)["current_step"] == "resolution_specialist"
    assert [r["tool"] for r in engineer_details(at)["transitions"]] == [JUMP, "escalate_to_human"]
    said = " ".join(m.value for c in at.chat_message for m in c.markdown)
    assert "repair specialist" in said  # handed over, as the out-of-warranty route does

    # The conversation left behind is as it was.
    again = start(thread=first)
    assert customer_bubbles(again) == ["Hi, my phone screen is cracked"]
    assert engineer_details(again)["transitions"] == []

    # Rewinding turn 1 lands on the jumped state, not an empty conversation.
    click(open_time_travel(at), "Rewind here")
    assert customer_bubbles(at) == []
    assert re.search(r"^\s*resolution_specialist \[.*penwidth=3", dot(at), re.M)
    assert "**Warranty**: Out of warranty" in at.sidebar.markdown[1].value
    send(at, "It's not hardware, it's software")  # a new branch from the jumped state
    assert [r["tool"] for r in engineer_details(at)["transitions"]] == [
        JUMP,
        "go_back_to_classification",
        "record_issue_type",
    ]
    assert engineer_details(at)["issue_type"] == "software"
    branch = next(s for s in at.selectbox if s.label == "Branch")
    assert len(branch.options) == 2  # the escalated branch is kept


def test_a_jump_to_classification_then_a_cracked_screen_moves_to_resolution():
    at = start()
    jump_to(at, "issue_classifier", warranty_status="in_warranty")
    send(at, "my screen is cracked")
    assert [(r["turn"], r["tool"]) for r in engineer_details(at)["transitions"]] == [
        (0, JUMP),
        (1, "record_issue_type"),
    ]
    assert re.search(r"^\s*resolution_specialist \[.*penwidth=3", dot(at), re.M)
    assert shown_history(at)[0] == (
        "**Turn 1** · Issue classification → **Resolution**  \n"
        ":small[the issue was classified as hardware]"
    )


def test_the_agents_workflow_jumps_to_an_agent_and_the_link_reopens_it():
    at = start()
    at.selectbox(key=next(s.key for s in at.sidebar.selectbox if s.label == "Workflow")).set_value(
        "handoffs"
    ).run()
    assert sidebar_jump_boxes(at) == [("Step", ["Support agent"])]  # no facts to preset
    jump_to(at, "support_agent")
    assert engineer_details(at)["active_agent"] == "support_agent"
    thread = at.query_params["thread"]

    again = start(thread=thread)  # a link to the jumped conversation, before any turn
    workflow_box = next(s for s in again.sidebar.selectbox if s.label == "Workflow")
    assert workflow_box.value == "handoffs" and workflow_box.disabled
    assert engineer_details(again)["active_agent"] == "support_agent"


def test_a_typed_fact_must_be_filled_before_starting():
    at = start()
    at.selectbox(key=next(s.key for s in at.sidebar.selectbox if s.label == "Workflow")).set_value(
        "returns"
    ).run()
    at.selectbox(key="jump.step.returns").set_value("eligibility_check").run()
    assert at.button(key="jump.start").disabled
    jump_to(at, "eligibility_check", order_id="48213")
    assert "**Order**: 48213" in at.sidebar.markdown[1].value
    assert engineer_details(at)["current_step"] == "eligibility_check"


def test_the_threads_page_lists_the_walkthrough():
    at = start()
    jump_to(at, "resolution_specialist", **OUT_OF_WARRANTY_HARDWARE)
    at.switch_page("app_pages/threads.py").run()
    assert not at.exception
    titles = [m.value for m in at.main.markdown if m.value.startswith("**")]
    assert titles[0].startswith("**Walkthrough: Resolution · Out of warranty · Hardware**")


def test_the_presenter_view_offers_the_jump_beside_the_chat():
    at = start(view="presenter")
    assert not sidebar_jump_boxes(at)
    jump_to(at, "resolution_specialist", **OUT_OF_WARRANTY_HARDWARE)
    assert "Now at **Resolution**" in " ".join(m.value for m in at.main.markdown)


def test_a_store_that_fails_starts_nothing_and_says_so(monkeypatch):
    at = start()
    send(at, "Hi, my phone screen is cracked")
    first = at.query_params["thread"]

    class Down:
        """The reader graph, over a store that fails to write."""

        def __init__(self, graph):
            self.graph = graph

        def __getattr__(self, name):
            return getattr(self.graph, name)

        def with_config(self, **_kw):
            return self

        def update_state(self, *_a, **_kw):
            raise sqlite3.OperationalError("disk I/O error")

    reader = jump.runtime.reader_graph
    monkeypatch.setattr(jump.runtime, "reader_graph", lambda name: Down(reader(name)))
    at.button(key="jump.start").click().run()
    assert not at.exception, at.exception
    assert at.query_params["thread"] == first
    assert customer_bubbles(at) == ["Hi, my phone screen is cracked"]
    assert any("Nothing was started" in e.value for e in at.sidebar.error)


# --- In a real browser -------------------------------------------------------------------------


@pytest.mark.browser
def test_a_jump_in_a_real_browser_closes_its_popover_and_dots_the_diagram(tmp_path):
    from playwright import sync_api

    from tests.browser import (
        CHROMIUM,
        CHROMIUM_ARGS,
        active_svg_node,
        idle,
        open_chat,
        streamlit_server,
    )

    expect = sync_api.expect
    env = {"HANDOFF_DB_URL": f"sqlite:///{tmp_path / 'e2e.db'}", "SUPPORT_AGENT_MODEL": "offline"}
    with streamlit_server(env) as url, sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        open_chat(page, url)
        idle(page)
        sidebar = page.get_by_test_id("stSidebar")
        sidebar.get_by_role("button", name="Jump to a step").click()
        popover = page.get_by_test_id("stPopoverBody")
        expect(popover).to_be_visible()
        popover.get_by_test_id("stSelectbox").filter(has_text="Warranty").click()
        page.get_by_role("option", name="Out of warranty").click()
        idle(page)
        popover.get_by_role("button", name="Start here").click()
        idle(page)

        expect(popover).to_be_hidden()  # it would cover the diagram being shown
        assert active_svg_node(page) == "resolution_specialist"
        chart = page.get_by_test_id("stGraphVizChart").locator("svg")
        expect(chart.locator("g.edge.jump")).to_have_count(1)
        expect(sidebar).to_contain_text("jumped here for a walkthrough (Out of warranty, Hardware)")
        note = page.get_by_test_id("stMainBlockContainer").get_by_test_id("stAlert")
        expect(note.filter(has_text="Jumped to Resolution")).to_have_count(1)  # not a bubble
        expect(page.get_by_test_id("stChatMessage")).to_have_count(0)
        assert "thread=" in page.url

        box = page.get_by_test_id("stChatInputTextArea")
        box.fill("My screen is cracked")
        box.press("Enter")
        expect(page.get_by_test_id("stChatMessage")).to_have_count(2, timeout=30_000)
        expect(page.get_by_test_id("stChatMessage").last).to_contain_text("repair specialist")
        browser.close()
