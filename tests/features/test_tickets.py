"""Tickets: a hand-over to a person opens one; the support team replies and resolves.

The engine-level rules first (any workflow, idempotence, replies in the saved
state, time travel), then restarts and two app servers on PostgreSQL, then the
chat card and the Tickets page in AppTest.
"""

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from langchain_core.messages import AIMessage, HumanMessage
from streamlit.testing.v1 import AppTest

from support_agent.core.engine import TurnEnd, new_thread_id, run_turn, thread_config
from support_agent.core.timeline import Timeline, read
from support_agent.features.app_store import open_store
from support_agent.features.tickets import (
    HUMAN_AGENT,
    OPEN,
    RESOLVED,
    TicketError,
    escalations,
    number_of,
    reply,
)
from support_agent.workflows import WORKFLOWS
from support_agent.workflows.builders import build_graph
from support_agent.workflows.support import SUPPORT
from tests.helpers import (
    cards,
    click,
    customer_bubbles,
    open_time_travel,
    send,
    start,
    tickets_in,
    use_server,
    visitor,
)
from tests.openai_stub import OpenAIStub

PERSON = "I want to talk to a real person please"
BATTERY = "My battery is swollen"


# --- Engine level: any workflow, no per-workflow code ---------------------------------------


class Conversation:
    """One thread of `workflow` on `store`, its turns recorded as the chat page does."""

    def __init__(self, store, workflow: str = "support", thread_id: str | None = None):
        self.store, self.workflow = store, WORKFLOWS[workflow]
        # The app reads (and replies) with a plain graph, and runs turns with one that
        # names its workflow in every checkpoint.
        self.reader = build_graph(workflow, "offline", store.checkpointer)
        self.graph = self.reader.with_config(metadata={"workflow": workflow})
        self.thread_id = thread_id or new_thread_id()

    def say(self, text: str, owner: str = "local") -> list:
        """One customer turn; returns the tickets it opened."""
        events = list(
            run_turn(self.graph, self.workflow, self.thread_id, text, stream_tokens=False)
        )
        assert isinstance(events[-1], TurnEnd), events[-1]
        self.store.threads.touch(self.thread_id, self.workflow.name, text, owner)
        self.store.turn_points.record(
            self.store.checkpointer, self.thread_id, self.workflow.state_key
        )
        return self.store.tickets.open_for_turn(
            self.workflow, self.thread_id, owner, events[-1].state
        )

    @property
    def messages(self) -> list:
        return self.graph.get_state(thread_config(self.thread_id)).values["messages"]


@pytest.mark.parametrize("workflow", list(WORKFLOWS))
def test_every_workflow_that_offers_a_person_opens_one_ticket_per_hand_over(store, workflow):
    talk = Conversation(store, workflow)
    assert talk.say("Hello there") == []  # no hand-over, no ticket
    [ticket] = talk.say(PERSON)

    assert ticket.id == "T-1001" and number_of("t-1001") == ticket.number
    assert (ticket.thread_id, ticket.workflow, ticket.owner) == (
        talk.thread_id,
        workflow,
        "local",
    )
    assert ticket.status == OPEN and ticket.created_at and ticket.resolved_at is None
    assert ticket.reason == "Customer asked to speak to a person"
    flow = WORKFLOWS[workflow]
    assert ticket.facts == tuple((f.title, "not yet known") for f in flow.facts)
    assert ticket.step == flow.step(flow.current({})).title
    # the last lines of the conversation, who said what, the hand-over included
    assert ("Customer", PERSON) in ticket.excerpt and ("Customer", "Hello there") in ticket.excerpt
    assert ticket.excerpt[-1][0] != "Customer" and len(ticket.excerpt) <= 6
    call = escalations(talk.messages)[0]
    assert ticket.call_id == call["id"]

    # Recording the same turn again (a rerun, a second server) opens nothing new.
    state = talk.graph.get_state(thread_config(talk.thread_id)).values
    again = store.tickets.open_for_turn(flow, talk.thread_id, "local", state)
    assert [t.number for t in again] == [ticket.number]
    assert len(store.tickets.all()) == 1

    # A person replies into the conversation, whatever kind of graph runs it.
    reply(store, talk.reader, ticket, "Hi, this is Sam from the support team.", "local")
    last = talk.messages[-1]
    assert isinstance(last, AIMessage) and last.name == HUMAN_AGENT
    snapshot = talk.graph.get_state(thread_config(talk.thread_id))
    assert snapshot.next == ()  # a finished turn: the next message starts a new one
    assert snapshot.metadata["workflow"] == workflow  # a link reopens the right workflow
    assert store.tickets.get(ticket.id).replies == 1

    # The next customer turn: a normal answer, after the reply, no second ticket.
    assert talk.say("Thanks Sam, what happens next?") == []
    said = talk.messages
    assert isinstance(said[-1], AIMessage) and said[-1].name != HUMAN_AGENT and said[-1].text
    assert "Sam from the support team" not in said[-1].text
    assert not escalations(said)
    assert talk.graph.get_state(thread_config(talk.thread_id)).values["turn"] == 3
    assert [m.text for m in said if isinstance(m, HumanMessage)] == [
        "Hello there",
        PERSON,
        "Thanks Sam, what happens next?",
    ]
    assert len(store.tickets.all()) == 1


def test_a_refused_hand_over_opens_no_ticket():
    from langchain_core.messages import ToolMessage

    call = {"name": "escalate_to_human", "args": {"reason": "x"}, "id": "c1"}
    messages = [
        HumanMessage("a person please"),
        AIMessage("", tool_calls=[call]),
        ToolMessage("not available here", tool_call_id="c1", status="error"),
    ]
    assert escalations(messages) == []
    ok = [*messages[:2], ToolMessage("Escalating", tool_call_id="c1")]
    assert [c["id"] for c in escalations(ok)] == ["c1"]
    # only this turn's: an earlier turn's hand-over (or a copied thread's) is not reopened
    assert escalations([*ok, AIMessage("Done."), HumanMessage("thanks")]) == []


def test_a_reply_keeps_time_travel_on_one_chain_of_recorded_turns(store):
    talk = Conversation(store)
    talk.say(BATTERY)
    [ticket] = talk.say(PERSON)
    reply(store, talk.graph, ticket, "We'll replace it.", "local")
    talk.say("Great, thank you")

    latest = store.checkpointer.get_tuple(thread_config(talk.thread_id))
    latest_id = latest.config["configurable"]["checkpoint_id"]
    recorded = read(
        talk.graph, talk.thread_id, store.turn_points.of(talk.thread_id), latest_id, "current_step"
    )
    from_history = Timeline(talk.graph, talk.thread_id)
    assert type(recorded).__name__ == "RecordedTimeline"  # no history read needed
    assert [p.text for p in recorded.turns()] == [BATTERY, PERSON, "Great, thank you"]
    assert [p.before_id for p in recorded.turns()] == [p.before_id for p in from_history.turns()]
    assert len(recorded.branches()) == len(from_history.branches()) == 1
    # rewinding to before turn 3 keeps the reply; before turn 2 comes before the hand-over
    before_three = recorded.turns()[2].before_id
    values = talk.graph.get_state(thread_config(talk.thread_id, before_three)).values
    assert values["messages"][-1].name == HUMAN_AGENT


def test_replies_and_resolutions_are_refused_when_they_cannot_apply(store):
    talk = Conversation(store)
    [ticket] = talk.say(PERSON)
    with pytest.raises(TicketError, match="empty"):
        reply(store, talk.graph, ticket, "   ", "local")
    with store.leases.hold(talk.thread_id), pytest.raises(TicketError, match="right now"):
        reply(store, talk.graph, ticket, "Hello", "local")  # the customer's turn is running
    with pytest.raises(TicketError, match="note"):
        store.tickets.resolve(ticket, "  ", "local")
    resolved = store.tickets.resolve(ticket, "Sorted by phone", "local")
    assert (resolved.status, resolved.resolution, resolved.resolved_by) == (
        RESOLVED,
        "Sorted by phone",
        "local",
    )
    with pytest.raises(TicketError, match="already resolved"):
        store.tickets.resolve(ticket, "again", "local")  # `ticket` still says open
    with pytest.raises(TicketError, match="resolved"):
        reply(store, talk.graph, resolved, "One more thing", "local")
    assert [m.name for m in talk.messages].count(HUMAN_AGENT) == 0


def test_deleting_a_conversation_deletes_its_tickets(store):
    talk = Conversation(store)
    talk.say(PERSON)
    store.delete_thread(talk.thread_id)
    assert store.tickets.all() == []


# --- Restarts and two app servers --------------------------------------------------------


def test_the_ticket_life_cycle_survives_reopening_the_store(tmp_path):
    url = f"sqlite:///{tmp_path / 'restart.db'}"
    first = open_store(url)
    talk = Conversation(first)
    thread = talk.thread_id
    talk.say(BATTERY)
    [ticket] = talk.say(PERSON)
    first.close()

    second = open_store(url)  # the app restarted
    found = second.tickets.get(ticket.id)
    assert found == ticket
    again = Conversation(second, thread_id=thread)
    reply(second, again.graph, found, "Bring it to the store on Main St.", "local")
    second.close()

    third = open_store(url)
    found = third.tickets.get(ticket.id)
    assert found.replies == 1 and found.is_open
    third.tickets.resolve(found, "Battery replaced", "local")
    third.close()

    fourth = open_store(url)
    done = fourth.tickets.get(ticket.id)
    assert (done.status, done.resolution) == (RESOLVED, "Battery replaced")
    messages = Conversation(fourth, thread_id=thread).messages
    assert messages[-1].name == HUMAN_AGENT and "Main St" in messages[-1].text
    # numbering goes on after a restart, never reusing an id
    [newer] = Conversation(fourth).say(PERSON)
    assert newer.id == "T-1002"
    fourth.close()


@pytest.mark.postgres
def test_tickets_on_postgres_work_across_two_app_servers(postgres_admin_url):
    from tests.pg import fresh_database

    url = fresh_database(postgres_admin_url)
    one, two = open_store(url), open_store(url)  # two app servers, one database
    try:
        on_one = Conversation(one)
        on_one.say(BATTERY)
        [ticket] = on_one.say(PERSON)
        assert ticket.id == "T-1001"
        state = on_one.graph.get_state(thread_config(on_one.thread_id)).values
        # the other server records the same turn: still one ticket
        assert [t.id for t in two.tickets.open_for_turn(SUPPORT, on_one.thread_id, "local", state)]
        assert [t.id for t in two.tickets.all(status=OPEN)] == ["T-1001"]

        on_two = Conversation(two, thread_id=on_one.thread_id)
        with one.leases.hold(on_one.thread_id), pytest.raises(TicketError, match="right now"):
            reply(two, on_two.graph, two.tickets.get("T-1001"), "Hi", "ops")
        reply(two, on_two.graph, two.tickets.get("T-1001"), "Hi, Sam here.", "ops")
        assert on_one.messages[-1].name == HUMAN_AGENT  # server one reads the reply
        assert one.tickets.get("T-1001").replies == 1

        # two operators resolve at once, on different servers: exactly one wins
        stale_one, stale_two = one.tickets.get("T-1001"), two.tickets.get("T-1001")
        results: list[str] = []
        barrier = threading.Barrier(2)

        def resolve(store, ticket, note):
            barrier.wait()
            try:
                store.tickets.resolve(ticket, note, "ops")
                results.append(note)
            except TicketError:
                results.append("refused")

        with ThreadPoolExecutor(2) as pool:
            list(pool.map(resolve, (one, two), (stale_one, stale_two), ("by one", "by two")))
        assert sorted(results)[-1] == "refused" and len(results) == 2
        winner = next(r for r in results if r != "refused")
        assert two.tickets.get("T-1001").resolution == winner
        assert one.tickets.get("T-1001").status == RESOLVED

        # hand-overs on both servers at once get distinct numbers
        def escalate(store):
            return [t.id for t in Conversation(store).say(PERSON)]

        with ThreadPoolExecutor(4) as pool:
            ids = [i for found in pool.map(escalate, [one, two] * 3) for i in found]
        assert len(ids) == 6 and len(set(ids)) == 6
        assert {t.id for t in one.tickets.all()} == {t.id for t in two.tickets.all()}

        on_one.say("Thanks")  # the customer goes on after the resolution
        assert on_one.messages[-1].name != HUMAN_AGENT
    finally:
        one.close()
        two.close()


# --- The app: the chat card and the Tickets page (AppTest) -------------------------------


def team_replies(at: AppTest) -> list[str]:
    return [
        b.markdown[0].value
        for b in at.chat_message
        if [c.value for c in b.caption][:1] == ["Support team"]
    ]


def shown_tickets(at: AppTest) -> list[str]:
    return [
        m.value.split("**")[1].removeprefix("🎫 ")
        for m in at.main.markdown
        if m.value.startswith("**🎫 T-")
    ]


def test_a_hand_over_in_the_chat_opens_one_ticket_and_shows_its_card(app_url):
    at = start()
    send(at, BATTERY)
    send(at, PERSON)
    # drawn in the live bubble as soon as the turn is saved
    assert cards(at) == ["🎫 **Ticket T-1001** · :orange-badge[open]"]
    [ticket] = tickets_in(app_url)
    assert ticket.thread_id == at.query_params["thread"]
    assert ticket.reason == "Customer asked to speak to a person"
    assert ("Warranty", "not yet known") in ticket.facts
    assert ("Customer", BATTERY) in ticket.excerpt

    at.run()  # a rerun redraws the saved card; it opens nothing
    at.run()
    assert cards(at) == ["🎫 **Ticket T-1001** · :orange-badge[open]"]
    assert len(tickets_in(app_url)) == 1
    send(at, "How long will that take?")  # a later turn: no second hand-over, no ticket
    assert len(tickets_in(app_url)) == 1
    assert cards(at) == ["🎫 **Ticket T-1001** · :orange-badge[open]"]


class EscalateThenFail(OpenAIStub):
    """A model that hands over to a person, then fails on the call after the tool."""

    def answer(self, handler) -> None:
        request = self.requests[-1]["body"]
        if (request.get("messages") or [{}])[-1].get("role") == "tool":
            self.mode = "500"
            super().answer(handler)
            return
        arguments = json.dumps({"reason": "Customer asked to speak to a person"})
        call = {"index": 0, "id": "call_person", "type": "function",
                "function": {"name": "escalate_to_human", "arguments": arguments}}  # fmt: skip
        chunks = [
            {"choices": [{"index": 0, "delta": {"role": "assistant", "tool_calls": [call]},
                          "finish_reason": None}]},
            {"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]},
        ]  # fmt: skip
        assert request.get("stream"), "the app streams a real model's answer"
        body = "".join(
            "data: " + json.dumps({"id": "c", "object": "chat.completion.chunk", "created": 0,
                                   "model": "stub", **chunk}) + "\n\n"
            for chunk in chunks
        ) + "data: [DONE]\n\n"  # fmt: skip
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.send_header("Content-Length", str(len(body.encode())))
        handler.end_headers()
        handler.wfile.write(body.encode())


def test_a_retry_after_the_hand_over_ran_opens_exactly_one_ticket(app_url, monkeypatch):
    monkeypatch.setenv("SUPPORT_AGENT_MAX_RETRIES", "0")
    with EscalateThenFail("escalate") as stub:
        at = use_server(start(), stub.url)
        send(at, PERSON)
        assert at.error, "the model call after the hand-over failed"
        assert tickets_in(app_url) == []  # the turn didn't finish: nothing opened yet
    at.selectbox(key="model.label").set_value("Offline demo model").run()
    click(at, "Retry")  # resumes after the hand-over: it doesn't run again
    assert not at.error
    [ticket] = tickets_in(app_url)
    assert ticket.call_id == "call_person"
    # shown at once, below the resumed turn's bubble (its hand-over ran in the failed run)
    assert "🎫 **Ticket T-1001** · :orange-badge[open]" in [m.value for m in at.main.markdown]
    at.run()
    assert cards(at) == ["🎫 **Ticket T-1001** · :orange-badge[open]"]
    assert len(tickets_in(app_url)) == 1


def test_the_tickets_page_lists_filters_and_searches(app_url):
    at = start()
    send(at, BATTERY)
    send(at, PERSON)  # T-1001, support
    click(at, "New conversation")
    at.selectbox(key=next(s.key for s in at.sidebar.selectbox if s.label == "Workflow")).set_value(
        "handoffs"
    ).run()
    send(at, "How much is the Business plan? Actually, I want a human")  # T-1002, handoffs
    assert cards(at) == ["🎫 **Ticket T-1002** · :orange-badge[open]"]

    at.switch_page("app_pages/tickets.py").run()
    assert not at.exception
    assert shown_tickets(at) == ["T-1002", "T-1001"]  # newest first, open ones by default
    assert "Showing 1–2 of 2 · 2 open tickets in all" in [c.value for c in at.caption]
    assert any(c.value.startswith("Sales ↔ support handoffs") for c in at.caption)

    at.text_input(key="tickets.search").set_value("battery").run()
    assert shown_tickets(at) == ["T-1001"]  # found in the conversation's last lines
    at.text_input(key="tickets.search").set_value("t-1002").run()
    assert shown_tickets(at) == ["T-1002"]
    at.text_input(key="tickets.search").set_value("warranty: not yet known").run()
    assert shown_tickets(at) == ["T-1001"]  # a recorded fact, in words
    at.text_input(key="tickets.search").set_value("zebra").run()
    assert shown_tickets(at) == [] and any("No ticket matches" in i.value for i in at.info)
    at.text_input(key="tickets.search").set_value("").run()

    store = open_store(app_url)
    store.tickets.resolve(store.tickets.get("T-1001"), "Replaced", "local")
    store.close()
    at.run()
    assert shown_tickets(at) == ["T-1002"]
    at.radio(key="tickets.status").set_value("Resolved").run()
    assert shown_tickets(at) == ["T-1001"]
    assert "**Resolution:** Replaced" in [m.value for m in at.main.markdown]
    at.radio(key="tickets.status").set_value("All").run()
    assert shown_tickets(at) == ["T-1002", "T-1001"]


def test_an_operator_replies_and_resolves_and_the_customer_sees_both(app_url):
    customer = start()
    send(customer, BATTERY)
    send(customer, PERSON)
    thread = customer.query_params["thread"]

    operator = start()  # another browser session of the operator (the local user)
    operator.switch_page("app_pages/tickets.py").run()
    click(operator, "Open ticket")
    assert operator.subheader[0].value == "🎫 T-1001"
    assert BATTERY in customer_bubbles(operator)  # the conversation behind the ticket
    operator.text_area(key="tickets.reply.T-1001").set_value("Hi, I'm Sam. *Bring* it in.").run()
    click(operator, "Send reply")
    assert [s.value for s in operator.success] == [
        "Reply sent: the customer sees it in the conversation (T-1001)."
    ]
    assert operator.text_area(key="tickets.reply.T-1001").value == ""
    assert team_replies(operator) == ["Hi, I'm Sam\\. \\*Bring\\* it in\\."]  # shown literally

    customer.run()  # the customer's chat (the watcher reruns it when this changes)
    assert team_replies(customer) == ["Hi, I'm Sam\\. \\*Bring\\* it in\\."]
    bubble = next(
        b for b in customer.chat_message if b.caption and b.caption[0].value == "Support team"
    )
    assert bubble.avatar == "🧑‍💼"
    assert cards(customer) == ["🎫 **Ticket T-1001** · :orange-badge[open]"]

    click(operator, "Mark resolved")  # a note is required
    assert any("resolution note" in w.value for w in operator.warning)
    operator.text_input(key="tickets.note.T-1001").set_value(
        "Battery replaced under warranty"
    ).run()
    click(operator, "Mark resolved")
    assert not [b for b in operator.button if b.label in ("Send reply", "Mark resolved")]

    customer.run()
    assert cards(customer) == ["🎫 **Ticket T-1001** · :green-badge[resolved]"]
    shown = [m.value for b in customer.chat_message for m in b.markdown]
    assert "**Resolved:** Battery replaced under warranty" in shown

    # the customer goes on: the offline model answers after the person's reply
    send(customer, "Thanks, when can I bring it?")
    assert customer_bubbles(customer)[-1] == "Thanks, when can I bring it?"
    last = customer.chat_message[-1]
    assert last.name == "assistant" and not (
        last.caption and last.caption[0].value == "Support team"
    )
    assert "Sam" not in last.markdown[0].value
    assert len(tickets_in(app_url)) == 1
    open_time_travel(customer)
    assert len([b for b in customer.button if b.label == "Rewind here"]) == 3  # 3 turns
    assert not [s for s in customer.selectbox if s.label == "Branch"]  # still one branch
    assert customer.query_params["thread"] == thread

    # the operator's "Open in chat" opens the conversation behind the ticket
    operator.session_state["tickets.open"] = "T-1001"
    operator.run()
    click(operator, "Open in chat")
    assert customer_bubbles(operator)[0] == BATTERY
    assert operator.query_params["thread"] == thread


def test_a_visitor_sees_only_their_own_tickets_read_only(app_url, monkeypatch):
    alice = visitor("browser:alice")
    send(alice, BATTERY)
    send(alice, PERSON)  # T-1001
    bob = visitor("browser:bob")
    send(bob, PERSON)  # T-1002

    bob.switch_page("app_pages/tickets.py").run()
    assert shown_tickets(bob) == ["T-1002"]
    assert BATTERY not in " ".join(m.value for m in bob.main.markdown)
    click(bob, "Open ticket")
    assert not [b for b in bob.button if b.label in ("Send reply", "Mark resolved")]
    assert any("open it in Chat" in i.value for i in bob.info)
    # asking for Alice's ticket by its id shows the list of Bob's instead
    bob.session_state["tickets.open"] = "T-1001"
    bob.run()
    assert shown_tickets(bob) == ["T-1002"]
    assert not bob.subheader and BATTERY not in customer_bubbles(bob)

    # a logged-in operator sees both and can act on them
    monkeypatch.setenv("HANDOFF_OPERATORS", "ops@example.com")
    ops = visitor("user:ops@example.com")
    ops.switch_page("app_pages/tickets.py").run()
    assert shown_tickets(ops) == ["T-1002", "T-1001"]
    ops.session_state["tickets.open"] = "T-1001"
    ops.run()
    assert [b.label for b in ops.button if b.label in ("Send reply", "Mark resolved")] == [
        "Send reply",
        "Mark resolved",
    ]
