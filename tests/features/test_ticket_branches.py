"""A ticket belongs to the branch it was raised on (issue 23, item 6).

The story: a hand-over opens T-1001, the customer rewinds to before it and
hands over again on the new branch (T-1002). T-1001 must still open on its
own branch, say it is on an earlier version of the conversation, and take the
team's reply there; the browser test drives the same story through the app.
"""

import sqlite3

import pytest

from support_agent.core.engine import TurnEnd, new_thread_id, thread_config
from support_agent.core.timeline import read
from support_agent.features.app_store import open_store
from support_agent.features.tickets import HUMAN_AGENT, Tickets, branch_of, escalations, reply
from support_agent.service.conversation import Conversation
from support_agent.store.records import Database
from support_agent.workflows.builders import build_graph
from support_agent.workflows.support import SUPPORT

BATTERY = "My battery is swollen"
PERSON = "I want to talk to a real person please"
AGAIN = "Actually, let me talk to someone from your team"


@pytest.fixture
def store(store_url):  # SQLite and PostgreSQL
    opened = open_store(store_url)
    yield opened
    opened.close()


class Chat:
    """One thread run through the conversation service, as the chat page runs it."""

    def __init__(self, store):
        self.store = store
        self.reader = build_graph("support", "offline", store.checkpointer)
        graph = self.reader.with_config(metadata={"workflow": "support"})
        self.talk = Conversation(store, graph, SUPPORT, new_thread_id())

    def say(self, text: str, at: str | None = None) -> dict:
        events = list(self.talk.send(text, checkpoint_id=at, stream_tokens=False))
        assert isinstance(events[-1], TurnEnd), events[-1]
        return events[-1].state

    def values(self, checkpoint_id: str | None = None) -> dict:
        config = thread_config(self.talk.thread_id, checkpoint_id)
        return self.reader.get_state(config).values

    def latest_id(self) -> str:
        latest = self.store.checkpointer.get_tuple(thread_config(self.talk.thread_id))
        return latest.config["configurable"]["checkpoint_id"]

    def rewind_point(self, turn: int) -> str:
        """The checkpoint before `turn`, as Time travel's "Rewind here" gives it."""
        rows = self.store.turn_points.of(self.talk.thread_id)
        return next(r["before_id"] for r in rows if r["turn"] == turn)


def calls(values: dict) -> set[str]:
    """Every hand-over call in the conversation (a ticket's card is drawn at its call)."""
    return {
        c["id"]
        for m in values["messages"]
        if m.type == "ai"
        for c in m.tool_calls
        if c["name"] == "escalate_to_human"
    }


def test_a_ticket_keeps_its_branch_through_a_rewind_a_reply_and_a_resolution(store):
    chat = Chat(store)
    chat.say(BATTERY)
    chat.say(PERSON)
    [first] = store.tickets.all()
    assert first.id == "T-1001" and first.checkpoint_id == chat.latest_id()
    assert branch_of(store, chat.reader, first).earlier is False

    # Rewind to before turn 2 and hand over again: a new branch with its own ticket.
    chat.say(AGAIN, at=chat.rewind_point(2))
    second = store.tickets.get("T-1002")
    assert second.checkpoint_id == chat.latest_id() != first.checkpoint_id
    assert first.call_id not in calls(chat.values())  # the latest branch doesn't hold T-1001

    # T-1001 opens on its own branch, and says it is an earlier version.
    where = branch_of(store, chat.reader, first)
    assert where.earlier and where.checkpoint_id == first.checkpoint_id
    assert first.call_id in calls(chat.values(where.checkpoint_id))
    assert branch_of(store, chat.reader, second).earlier is False

    # The team's reply to T-1001 continues T-1001's branch, not the latest one.
    after = reply(store, chat.reader, first, "Hi, Sam here about your battery.", "ops")
    on_first = chat.values(after)["messages"]
    assert on_first[-1].name == HUMAN_AGENT and "Sam here" in on_first[-1].text
    assert first.call_id in calls(chat.values(after))
    on_second = chat.values(branch_of(store, chat.reader, second).checkpoint_id)["messages"]
    assert second.call_id in calls({"messages": on_second})
    assert HUMAN_AGENT not in [m.name for m in on_second]
    # Written there, the reply is the thread's newest checkpoint: T-1002 is now the
    # earlier version, and T-1001 follows its reply.
    assert chat.latest_id() == after == store.tickets.get("T-1001").checkpoint_id
    assert branch_of(store, chat.reader, store.tickets.get("T-1001")).earlier is False
    assert branch_of(store, chat.reader, second).earlier is True
    # Time travel still reads one chain per branch from the recorded points.
    points = store.turn_points.of(chat.talk.thread_id)
    timeline = read(chat.reader, chat.talk.thread_id, points, after, "current_step")
    assert type(timeline).__name__ == "RecordedTimeline"
    # Listed newest first, so Time travel's "Latest" is the branch the reply went to.
    assert [b.head_id for b in timeline.branches()] == [after, second.checkpoint_id]

    # A second reply to T-1002 goes to T-1002's branch, whichever is latest.
    later = reply(store, chat.reader, store.tickets.get("T-1002"), "Hello again.", "ops")
    assert second.call_id in calls(chat.values(later))
    assert first.call_id not in calls(chat.values(later))
    assert store.tickets.get("T-1002").checkpoint_id == later
    assert branch_of(store, chat.reader, store.tickets.get("T-1001")).earlier is True

    # The customer goes on in T-1001's branch; the ticket's branch is where they went.
    t1001 = store.tickets.get("T-1001")
    chat.say("Thanks, when will you call?", at=t1001.checkpoint_id)
    where = branch_of(store, chat.reader, t1001)
    assert where.earlier is False  # that branch is the latest again
    said = [m.text for m in chat.values()["messages"] if m.type == "human"]
    assert said == [BATTERY, PERSON, "Thanks, when will you call?"]
    assert not escalations(chat.values()["messages"])
    assert len(store.tickets.all()) == 2


def test_a_ticket_table_from_before_branches_gains_the_column(tmp_path):
    path = tmp_path / "old.db"
    old = sqlite3.connect(path, check_same_thread=False)
    old.execute(
        "CREATE TABLE hs_tickets (number INTEGER PRIMARY KEY AUTOINCREMENT, thread_id TEXT "
        "NOT NULL, call_id TEXT NOT NULL, owner TEXT NOT NULL, workflow TEXT NOT NULL, step "
        "TEXT NOT NULL, reason TEXT NOT NULL, facts TEXT NOT NULL, excerpt TEXT NOT NULL, "
        "status TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, replies "
        "INTEGER NOT NULL DEFAULT 0, last_reply_by TEXT NOT NULL DEFAULT '', resolved_at TEXT, "
        "resolved_by TEXT NOT NULL DEFAULT '', resolution TEXT NOT NULL DEFAULT '', "
        "UNIQUE (thread_id, call_id))"
    )
    old.execute(
        "INSERT INTO hs_tickets (thread_id, call_id, owner, workflow, step, reason, facts, "
        "excerpt, status, created_at, updated_at) VALUES ('t', 'c', 'local', 'support', "
        "'Warranty verification', 'asked', '[]', '[]', 'open', 'x', 'x')"
    )
    old.commit()
    tickets = Tickets(Database(sqlite=old))
    [ticket] = tickets.all()
    assert ticket.id == "T-1001" and ticket.checkpoint_id == ""  # read as the latest branch
    Tickets(Database(sqlite=old))  # opening it again changes nothing
    old.close()
