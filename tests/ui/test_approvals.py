"""Human approval: gated tools pause for a person, who approves, edits or rejects.

Engine level first (every workflow, the recorded decision, what a paused
conversation refuses, restarts and PostgreSQL), then the chat page and the
Tickets page in AppTest. The browser test is in test_browser_approvals.py.
"""

import pytest
from langchain_core.messages import ToolMessage
from streamlit.testing.v1 import AppTest

from support_agent.core.agent_graph import moves_this_turn
from support_agent.core.declaration import is_decision, is_handover
from support_agent.core.diagram import dot_source, path_of
from support_agent.core.engine import (
    Error,
    ToolCall,
    Transition,
    TurnEnd,
    decide,
    waiting_approval,
)
from support_agent.core.errors import Kind
from support_agent.core.state_view import transcript
from support_agent.features.app_store import open_store
from support_agent.features.scenarios.file_format import parse_yaml
from support_agent.features.scenarios.from_thread import decisions as decisions_of
from support_agent.features.scenarios.runner import path_taken, run_scenario
from support_agent.service.conversation import Conversation
from support_agent.workflows import WORKFLOWS
from tests.helpers import TO_THE_GATE, Paused, cards, click, send, start, tickets_in, visitor

PERSON = "I want to talk to a real person please"
# Per workflow: turns that reach a gated tool, and the tool.


def results(state: dict, tool: str) -> list[ToolMessage]:
    return [m for m in state["messages"] if isinstance(m, ToolMessage) and m.name == tool]


def replies(events: list) -> str:
    return " ".join(e.text for e in events if hasattr(e, "text") and not hasattr(e, "kind"))


# --- Engine level ------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(WORKFLOWS))
def test_with_approvals_off_the_gated_tool_runs_at_once(name):
    talk = Paused(name)
    turns, tool = TO_THE_GATE[name]
    for text in turns:
        events = talk.say(text, approvals=False)
    assert events[-1].waiting is None
    assert [m.status for m in results(talk.state, tool)] == ["success"]


@pytest.mark.parametrize("name", list(WORKFLOWS))
def test_a_gated_tool_waits_and_an_approval_runs_it_and_is_recorded(name):
    talk = Paused(name)
    end = talk.to_the_gate()
    tool = TO_THE_GATE[name][1]
    assert end.waiting is not None and end.waiting.tool == tool
    assert end.waiting.question == talk.workflow.approval(tool).question
    assert results(talk.state, tool) == []  # not run yet
    step, turn = talk.workflow.current(talk.state), len(TO_THE_GATE[name][0])

    events = talk.decide("approve")
    assert isinstance(events[-1], TurnEnd) and events[-1].waiting is None
    [decision] = [e for e in events if isinstance(e, Transition) and is_decision(e.record)]
    assert decision.record["decision"] == "approve"
    # An approved hand-over then runs, and is kept as a hand-over after the decision.
    handed = [e for e in events if isinstance(e, Transition) and is_handover(e.record)]
    assert len(handed) == (tool == "escalate_to_human")
    assert (decision.source, decision.target, decision.turn) == (step, step, turn)
    assert not [e for e in events if isinstance(e, ToolCall)]  # shown once, before the pause
    state = talk.state
    assert [m.status for m in results(state, tool)] == ["success"]
    assert last_decision(state)["reason"] == (
        f"{talk.workflow.approval(tool).question} Approved by a person"
    )
    # The decision is history, not a move: paths, coverage and transfer counts ignore it.
    assert path_taken(talk.workflow, state)[-1] == step
    assert (step, step, tool) not in path_of(talk.workflow, state)[1]
    assert waiting_approval(talk.graph, talk.workflow, talk.thread_id) is None


def test_a_graph_of_agents_does_not_count_a_decision_as_a_transfer():
    talk = Paused("handoffs")
    talk.to_the_gate()
    talk.decide("approve")
    state = talk.state
    assert [r for r in state["transitions"] if is_decision(r)][0]["turn"] == state["turn"]
    assert len(moves_this_turn(state)) == 0


def test_an_edited_reason_is_what_the_tool_runs_with_and_what_the_ticket_says(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'a.db'}")
    try:
        talk = Paused("support", store.checkpointer)
        talk.to_the_gate()
        events = talk.decide("edit", "Wants a quote for a paid repair")
        state = events[-1].state
        assert "Wants a quote for a paid repair" in results(state, "escalate_to_human")[0].text
        record = last_decision(state)
        assert (
            record["decision"] == "edit" and record["edited"] == "Wants a quote for a paid repair"
        )
        # The hand-over that ran is kept with the person's words, as its ticket is.
        assert state["transitions"][-1]["reason"] == "Wants a quote for a paid repair"
        assert is_handover(state["transitions"][-1])
        assert "with the reason changed to “Wants a quote for a paid repair”" in record["reason"]
        [ticket] = store.tickets.open_for_turn(talk.workflow, talk.thread_id, "local", state)
        assert ticket.reason == "Wants a quote for a paid repair"
    finally:
        store.close()


def test_an_edit_that_changes_nothing_is_an_approval_and_an_empty_one_is_refused():
    talk = Paused("support")
    end = talk.to_the_gate()
    refused = talk.decide("edit", "   ")
    assert isinstance(refused[-1], Error) and refused[-1].kind == Kind.INPUT
    assert waiting_approval(talk.graph, talk.workflow, talk.thread_id) == end.waiting
    talk.decide("edit", end.waiting.editable_value)
    assert last_decision(talk.state)["decision"] == "approve"


def test_a_rejection_runs_nothing_opens_no_ticket_and_the_agent_says_so(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'a.db'}")
    try:
        talk = Paused("returns", store.checkpointer)
        talk.to_the_gate()
        events = talk.decide("reject", "The box was opened; ask for photos first")
        state = events[-1].state
        [result] = results(state, "issue_refund")
        assert result.status == "error"  # LangChain's rejection: the refund never ran
        assert state.get("resolution_choice") is None
        said = replies(events)
        assert "decided not to go ahead" in said and "ask for photos first" in said
        assert state["transitions"][-1]["reason"] == (
            "Refund this order? Rejected by a person: The box was opened; ask for photos first"
        )
        assert store.tickets.open_for_turn(talk.workflow, talk.thread_id, "local", state) == []
        # The transcript marks the call as not done and shows the decision under it.
        [use] = [u for item in transcript(state) for u in item.tools if u.name == "issue_refund"]
        assert use.rejected and use.decision["decision"] == "reject"
        # Earlier words don't ask for the refund again; a new request pauses again.
        assert talk.say("ok thanks")[-1].waiting is None
        again = talk.say("Please refund it")
        assert again[-1].waiting is not None and again[-1].waiting.id != events[0].record["id"]
    finally:
        store.close()


@pytest.mark.parametrize("name", list(TO_THE_GATE))
def test_a_new_message_withdraws_the_waiting_action_and_is_answered(name, tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'w.db'}")
    try:
        talk = Paused(name, store.checkpointer)
        _turns, tool = TO_THE_GATE[name]
        flow = talk.workflow
        end = talk.to_the_gate()
        store.approvals.paused(talk.thread_id, end.waiting.id, name, "?", "local")
        conversation = Conversation(store, talk.graph, flow, talk.thread_id)
        events = list(conversation.send("Hello? Is anyone there?", approvals=True))
        # First the withdrawal, kept as a decision where the conversation waited...
        withdrawn = events[0]
        assert isinstance(withdrawn, Transition) and is_decision(withdrawn.record)
        assert withdrawn.record["decision"] == "withdraw" and withdrawn.tool == tool
        assert withdrawn.reason.endswith("Withdrawn by the customer, who wrote again before a "
                                         "person decided")  # fmt: skip
        state = events[-1].state
        assert dict(withdrawn.record) in state["transitions"]
        # ...nothing ran: the call's result is LangChain's rejection, and no ticket...
        [result] = results(state, tool)
        assert result.status == "error"
        assert store.tickets.open_for_turn(flow, talk.thread_id, "local", state) == []
        # ...then the turn goes on: the new message is the customer's, and answered.
        assert isinstance(events[-1], TurnEnd) and events[-1].waiting is None
        customer = [m for m in state["messages"] if m.type == "human"]
        assert customer[-1].text == "Hello? Is anyone there?"
        assert state["messages"][-1].type == "ai" and replies(events)
        assert store.approvals.waiting() == []  # the queue (and the Tickets page) forget it
        [use] = [u for item in transcript(state) for u in item.tools if u.name == tool]
        assert use.rejected and use.decision["decision"] == "withdraw"
        # A decision taken on the withdrawn pause afterwards changes nothing.
        stale = list(decide(talk.graph, flow, talk.thread_id, end.waiting, "approve"))
        assert isinstance(stale[-1], Error) and stale[-1].kind == Kind.STATE
        assert results(talk.state, tool) == [result]
    finally:
        store.close()


def test_a_stale_or_unallowed_decision_is_refused():
    talk = Paused("support")
    end = talk.to_the_gate()
    talk.decide("approve")
    stale = list(decide(talk.graph, talk.workflow, talk.thread_id, end.waiting, "reject"))
    assert isinstance(stale[-1], Error) and stale[-1].kind == Kind.STATE
    assert last_decision(talk.state)["decision"] == "approve"  # the first decision stands
    not_allowed = Paused("returns")
    gate = not_allowed.to_the_gate()
    wrong = list(decide(not_allowed.graph, not_allowed.workflow, not_allowed.thread_id,
                        gate.waiting, "edit", "x"))  # fmt: skip
    assert isinstance(wrong[-1], Error) and wrong[-1].kind == Kind.INPUT  # a refund has no text


def test_the_diagram_draws_the_pause_and_each_decision():
    talk = Paused("support")
    talk.to_the_gate()
    state = talk.state
    [waiting] = loops(dot_source(talk.workflow, state, waiting="escalate_to_human"))
    assert waiting.startswith("issue_classifier -> issue_classifier")
    assert 'class="approval waiting"' in waiting and "style=dashed" in waiting
    assert loops(dot_source(talk.workflow, state)) == []  # not waiting: nothing drawn
    talk.decide("reject", "not needed")
    [rejected] = loops(dot_source(talk.workflow, talk.state))
    assert rejected.startswith('issue_classifier -> issue_classifier [label="✋ rejected"')
    assert 'class="approval rejected"' in rejected
    assert 'tooltip="Hand this case over to a person? Rejected by a person: not needed"' in rejected


def loops(dot: str) -> list[str]:
    """The DOT lines of edges from a step to itself: a person's decisions or a pause."""
    lines = [line.strip() for line in dot.splitlines()]
    return [line for line in lines if (parts := line.split(" -> ", 1))[1:]
            and parts[1].split(" ", 1)[0] == parts[0]]  # fmt: skip


def test_a_pause_survives_a_restart_and_is_decided_after_it(store_url):
    store = open_store(store_url)
    talk = Paused("support", store.checkpointer)
    talk.to_the_gate()
    store.approvals.set("support", True, "local")
    store.close()

    reopened = open_store(store_url)
    try:
        assert reopened.approvals.is_on("support") and not reopened.approvals.is_on("returns")
        again = Paused("support", reopened.checkpointer, thread_id=talk.thread_id)
        request = waiting_approval(again.graph, again.workflow, again.thread_id)
        assert request is not None and request.tool == "escalate_to_human"
        events = again.decide("approve")
        assert isinstance(events[-1], TurnEnd)
        assert [m.status for m in results(again.state, "escalate_to_human")] == ["success"]
    finally:
        reopened.close()


def test_the_waiting_queue_lists_paused_conversations_by_owner(store_url):
    one, two = open_store(store_url), open_store(store_url)  # two app servers, one database
    try:
        one.approvals.paused("t1", "r1", "support", "Hand this case over?", "browser:alice")
        two.approvals.paused("t2", "r2", "returns", "Refund this order?", "browser:bob")
        assert [w.thread_id for w in two.approvals.waiting()] == ["t1", "t2"]
        assert [w.thread_id for w in one.approvals.waiting("browser:bob")] == ["t2"]
        two.approvals.decided("t1")
        assert [w.thread_id for w in one.approvals.waiting()] == ["t2"]
        one.approvals.set("returns", True, "local")
        assert two.approvals.is_on("returns")
    finally:
        one.close()
        two.close()


# --- The app (AppTest) ----------------------------------------------------------------


def switch_on(at: AppTest, workflow: str = "support") -> AppTest:
    at.toggle(key=f"approvals.{workflow}").set_value(True).run()
    assert not at.exception, at.exception
    return at


def approval_card(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if m.value.endswith(" — waiting for a person**")]


def test_the_setting_is_off_by_default_and_only_an_operator_changes_it(app_url):  # noqa: F811
    at = start()
    toggle = at.toggle(key="approvals.support")
    assert toggle.value is False and not toggle.disabled
    switch_on(at)
    store = open_store(app_url)
    try:
        assert store.approvals.is_on("support") and not store.approvals.is_on("returns")
    finally:
        store.close()
    guest = visitor("browser:guest")
    assert guest.toggle(key="approvals.support").value is True  # everyone's setting
    assert guest.toggle(key="approvals.support").disabled


def test_the_chat_pauses_and_an_approval_with_a_new_reason_finishes_the_turn(app_url):  # noqa: F811
    at = switch_on(start())
    send(at, "My phone is under warranty")
    send(at, PERSON)
    assert approval_card(at) == ["✋ **Hand\\-over to a person requested — waiting for a person**"]
    assert not at.chat_input[0].disabled  # the customer may still write (and withdraw it)
    assert any(m.value.startswith("⏸️ Waiting at **Issue classification**") for m in at.markdown)
    assert 'class="approval waiting"' in at.get("graphviz_chart")[0].proto.spec
    assert tickets_in(app_url) == []  # nothing handed over yet

    at.text_area(key=next(k for k in at.session_state if k.startswith("chat.approval.text."))
                 ).set_value("Screen cracked again after a repair")  # fmt: skip
    click(at, "Approve")
    assert approval_card(at) == [] and not at.chat_input[0].disabled
    [ticket] = tickets_in(app_url)
    assert ticket.reason == "Screen cracked again after a repair"
    assert cards(at) == ["🎫 **Ticket T-1001** · :orange-badge[open]"]
    said = [m.value for m in at.markdown]
    assert any(
        v.startswith("✋ Hand this case over to a person? Approved by a person") for v in said
    )
    lines = [line for v in said for line in v.split("\n\n")]
    assert any(v.startswith("**Turn 2** · ✋ at **Issue classification**") for v in lines)
    # Newest first: the hand-over the approval let run, with the person's reason.
    assert any(
        v.startswith("**Turn 2** · 🙋 Issue classification → **Person · ticket T-1001**")
        and "Screen cracked again after a repair" in v
        for v in lines
    )
    assert 'class="approval approved"' in at.get("graphviz_chart")[0].proto.spec
    store = open_store(app_url)
    try:  # the paused turn became one rewind point once it was decided
        points = store.turn_points.of(at.query_params["thread"])
        assert [p["turn"] for p in points] == [1, 2]
    finally:
        store.close()


def test_a_rejection_with_a_note_reaches_the_customer(app_url):  # noqa: F811
    at = switch_on(start())
    send(at, PERSON)
    at.text_input(key=next(k for k in at.session_state if k.startswith("chat.approval.note."))
                  ).set_value("We can fix this in chat")  # fmt: skip
    click(at, "Reject")
    bubbles = " ".join(m.value for bubble in at.chat_message for m in bubble.markdown)
    assert "decided not to go ahead with it (We can fix this in chat)" in bubbles
    assert tickets_in(app_url) == []
    send(at, "My phone is under warranty")  # the conversation goes on
    assert approval_card(at) == []


def test_the_customer_writes_while_a_hand_over_waits_and_withdraws_it(app_url):  # noqa: F811
    at = switch_on(start())
    send(at, "My phone is under warranty")
    send(at, PERSON)
    assert approval_card(at) and not at.chat_input[0].disabled
    send(at, "Actually, never mind: the screen is cracked")
    assert approval_card(at) == []  # the card went with the request
    said = [m.value for m in at.markdown]
    assert any(v.startswith("✋ Hand this case over to a person? Withdrawn by the customer")
               for v in said)  # fmt: skip
    assert any("**Turn 2** · ✋ at **Issue classification**" in v for v in said)  # history
    titles = [e.label for e in at.expander]
    assert "🔧 Hand-over to a person requested — withdrawn by the customer" in titles
    assert not any(t.startswith("🔧 Handed over") for t in titles)  # nothing ran
    # The new message is the customer's turn 3, answered in the same run.
    bubbles = [b for b in at.chat_message if b.name == "user"]
    assert bubbles[-1].markdown[0].value == "Actually, never mind: the screen is cracked"
    assert 'class="approval withdrawn"' in at.get("graphviz_chart")[0].proto.spec
    assert tickets_in(app_url) == []
    store = open_store(app_url)
    try:  # the support team's queue forgets it
        assert store.approvals.waiting() == []
        # The withdrawn turn ended too: each turn is a rewind point, in order.
        points = store.turn_points.of(at.query_params["thread"])
        assert [p["turn"] for p in points] == [1, 2, 3]
        assert points[1]["text"] == PERSON and points[2]["before_id"] == points[1]["after_id"]
    finally:
        store.close()


def test_a_visitor_waits_and_the_support_team_decides_from_the_tickets_page(app_url):  # noqa: F811
    operator = switch_on(start())
    alice = visitor("browser:alice")
    send(alice, PERSON)
    assert approval_card(alice)
    assert not [b for b in alice.button if b.label in ("Approve", "Reject")]
    assert any("support team is looking at this" in i.value for i in alice.info)
    thread = alice.query_params["thread"]

    alice.switch_page("app_pages/threads.py").run()  # her list marks it too
    assert any("✋ waiting for approval" in m.value for m in alice.main.markdown)
    alice.switch_page("app_pages/chat.py").run()

    operator.switch_page("app_pages/tickets.py").run()
    listed = [m.value for m in operator.main.markdown]
    assert any(v.startswith("Hand this case over to a person?") for v in listed)
    click(operator, "Open")
    assert operator.query_params["thread"] == thread
    operator.switch_page("app_pages/chat.py").run()  # AppTest stays on the page it was told
    assert approval_card(operator)
    [copy] = [b for b in operator.button if b.label == "Continue as my own copy"]
    assert copy.disabled  # a copy would carry the action without its pause
    click(operator, "Approve")
    [ticket] = tickets_in(app_url)
    assert ticket.owner == "browser:alice"  # the customer's ticket, not the operator's

    alice.run()  # what the 5-second watch does
    assert approval_card(alice) == [] and not alice.chat_input[0].disabled
    assert cards(alice) == ["🎫 **Ticket T-1001** · :orange-badge[open]"]
    operator.switch_page("app_pages/tickets.py").run()
    assert not any(m.value.startswith("✋ **Waiting for approval**") for m in operator.markdown)


def test_a_stale_tab_that_decides_is_told_it_was_already_decided(app_url):  # noqa: F811
    first = switch_on(start())
    send(first, PERSON)
    stale = start(thread=first.query_params["thread"])  # a second tab, card on screen
    assert approval_card(stale)
    click(first, "Approve")
    click(stale, "Reject")  # decided elsewhere a moment ago
    assert any("already decided" in w.value for w in stale.warning), [
        w.value for w in stale.warning
    ]
    assert approval_card(stale) == []  # and it now shows what was decided
    assert cards(stale) == ["🎫 **Ticket T-1001** · :orange-badge[open]"]
    stale.run()  # the notice was for that click only
    assert not [w for w in stale.warning if "already decided" in w.value]


def test_an_emptied_reason_is_refused_on_the_page_and_the_card_stays(app_url):  # noqa: F811
    at = switch_on(start())
    send(at, PERSON)
    box = next(k for k in at.session_state if k.startswith("chat.approval.text."))
    at.text_area(key=box).set_value("   ")
    click(at, "Approve")
    assert any("Type a message first" in w.value for w in at.warning), [w.value for w in at.warning]
    assert approval_card(at)  # still waiting: nothing was decided
    assert tickets_in(app_url) == []


WITHDRAWN_SCENARIO = """
name: A refund withdrawn by the customer, then asked for again and approved
workflow: returns
turns:
  - Hi, I want to return my headphones
  - Order 482913
  - It came last week and I never opened it
  - A refund please
  - Sorry, how long does the refund take?
  - Please just refund it
decisions: [withdraw, approve]
expect:
  final_step: resolution
  facts: {order_id: '482913', eligibility: eligible, resolution_choice: refund}
  path: [order_lookup, eligibility_check, resolution]
"""


def test_a_scenario_can_play_a_customer_who_withdraws_and_a_chat_saved_keeps_it():
    scenario = parse_yaml(WITHDRAWN_SCENARIO)
    result = run_scenario(scenario, "offline")
    assert result.passed, result.failures
    records = [r for r in result.final_state["transitions"] if is_decision(r)]
    assert [r["decision"] for r in records] == ["withdraw", "approve"]
    assert decisions_of(result.final_state) == ["withdraw", "approve"]  # saved as a scenario
    assert len(results(result.final_state, "issue_refund")) == 2  # withdrawn, then run


def test_with_approvals_switched_off_since_the_pause_the_new_message_runs_ungated():
    talk = Paused("returns")
    talk.to_the_gate()
    events = talk.say("Please just refund it", approvals=False)
    assert events[0].record["decision"] == "withdraw"
    assert events[-1].waiting is None
    withdrawn, ran = results(events[-1].state, "issue_refund")
    assert withdrawn.status == "error" and ran.status != "error"  # only the new one ran
    assert events[-1].state["resolution_choice"] == "refund"


def last_decision(state: dict) -> dict:
    """The latest person's decision in `state`'s history (a hand-over it let run follows)."""
    return [r for r in state["transitions"] if is_decision(r)][-1]
