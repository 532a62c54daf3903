"""A correction withdraws the hand-over that rested on what it corrected: the ticket
that hand-over opened is closed after the turn, with a note that says why."""

from support_agent.core.declaration import STANDING, WITHDRAWN
from support_agent.core.engine import TurnEnd, new_thread_id
from support_agent.features.tickets import OPEN, RESOLVED, WITHDRAWN_BY
from support_agent.service.conversation import Conversation, TicketsOpened
from support_agent.workflows import WORKFLOWS
from support_agent.workflows.builders import build_graph

BROKEN_OLD_SCREEN = "My phone screen is cracked and I bought it 3 years ago"
SOFTWARE_AFTER_ALL = (
    "sorry, I got that wrong: the glass is fine, it's the camera app that crashes, "
    "so it's a software problem"
)
PERSON = "I want to talk to a real person please"


def conversation(store, workflow: str = "support") -> Conversation:
    graph = build_graph(workflow, "offline", store.checkpointer)
    return Conversation(store, graph, WORKFLOWS[workflow], new_thread_id())


def turn(talk: Conversation, text: str) -> tuple[TurnEnd, list]:
    events = list(talk.send(text, stream_tokens=False))
    assert isinstance(events[-1], TurnEnd), events[-1]
    opened = [t for e in events if isinstance(e, TicketsOpened) for t in e.tickets]
    return events[-1], opened


def test_a_correction_closes_the_ticket_of_the_hand_over_it_withdrew(store):
    talk = conversation(store)
    end, [ticket] = turn(talk, BROKEN_OLD_SCREEN)
    assert ticket.status == OPEN and "Out-of-warranty hardware" in ticket.reason
    standing = {"status": STANDING, "because": "", "requested": False}
    assert end.state["hand_overs"] == {ticket.call_id: standing}

    end, opened = turn(talk, SOFTWARE_AFTER_ALL)
    assert opened == []  # the fix is given; nobody is brought in again
    entry = end.state["hand_overs"][ticket.call_id]
    assert entry["status"] == WITHDRAWN and "corrected the issue type" in entry["because"]
    closed = store.tickets.get(ticket.id)
    assert closed.status == RESOLVED and closed.resolved_by == WITHDRAWN_BY
    assert closed.resolution.startswith("Withdrawn: the customer corrected the issue type")
    # The model was told in the tool's result too, not only the customer.
    results = [m for m in end.state["messages"] if m.type == "tool"]
    back = next(m for m in results if "Returned to issue classification" in m.text)
    assert "hand-over to a person" in back.text and "withdrawn" in back.text
    assert ticket.reason in back.text


def test_a_correction_leaves_a_hand_over_raised_before_the_corrected_fact(store):
    talk = conversation(store)
    # Asked for a person before anything was recorded: no correction is about that.
    _end, [asked] = turn(talk, PERSON)
    _end, [quote] = turn(talk, BROKEN_OLD_SCREEN)
    turn(talk, SOFTWARE_AFTER_ALL)
    assert store.tickets.get(asked.id).status == OPEN
    assert store.tickets.get(quote.id).status == RESOLVED


def test_a_move_that_corrects_nothing_withdraws_nothing(store):
    talk = conversation(store)
    _end, [quote] = turn(talk, BROKEN_OLD_SCREEN)
    end, _ = turn(talk, "I have another problem with a different device")
    assert end.state["current_step"] == "warranty_collector"  # a new case, not a correction
    assert end.state["hand_overs"][quote.call_id]["status"] == STANDING
    assert store.tickets.get(quote.id).status == OPEN


def test_a_correction_never_withdraws_a_person_the_customer_asked_for(store):
    talk = conversation(store)
    turn(talk, "my phone screen is cracked")
    turn(talk, "yes, it's under warranty")  # a free repair: nobody brought in
    _end, [asked] = turn(talk, PERSON)
    end, _ = turn(talk, SOFTWARE_AFTER_ALL)
    assert end.state["hand_overs"][asked.call_id]["requested"] is True
    assert store.tickets.get(asked.id).status == OPEN
    reply = [m.text for m in end.state["messages"] if m.type == "ai"][-3:]
    assert "withdrawn" not in " ".join(reply)
