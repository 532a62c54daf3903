"""Threads page, time travel and the second workflow in the app (AppTest)."""

import re

import pytest
from streamlit.testing.v1 import AppTest

from tests.helpers import (
    TUTORIAL,
    click,
    customer_bubbles,
    dot,
    engineer_details,
    history,
    open_time_travel,
    send,
    shown_history,
    start,
    use_server,
)
from tests.openai_stub import OpenAIStub

LOGIN = "Hi, I'm having trouble with my account login. Can you help?"
SERVER = "OpenAI-compatible server"
URL_BOX = f"model.url.{SERVER}"


@pytest.fixture(autouse=True)
def fresh_store(monkeypatch, tmp_path):
    # A file per test: the threads page must list only this test's conversations.
    monkeypatch.setenv("HANDOFF_DB_URL", f"sqlite:///{tmp_path / 'app.db'}")
    monkeypatch.delenv("SUPPORT_AGENT_MODEL", raising=False)
    monkeypatch.delenv("HANDOFF_ALLOW_VISITOR_BASE_URL", raising=False)


def test_threads_page_lists_renames_exports_and_deletes():
    at = start()
    send(at, "My battery is swollen")
    first = at.query_params["thread"]
    click(at, "New conversation")
    send(at, "My app keeps crashing")
    second = at.query_params["thread"]

    at.switch_page("app_pages/threads.py").run()
    assert not at.exception
    titles = [m.value for m in at.main.markdown if m.value.startswith("**")]
    assert titles[0].startswith("**App keeps crashing**")  # newest first
    assert titles[1] == "**Battery is swollen**"
    assert "Warranty verification · 1 turn" in [c.value for c in at.caption]
    assert len(at.get("download_button")) == 4

    at.text_input(key=f"title-{first}").set_value("Swollen battery, old laptop").run()
    assert any(m.value == "**Swollen battery, old laptop**" for m in at.markdown)

    click(
        at,
        "Delete",
        nth=[b.key for b in at.button if b.label == "Delete"].index(f"delete-{second}"),
    )
    click(at, "Delete for good")
    titles = [m.value for m in at.main.markdown if m.value.startswith("**")]
    assert titles == ["**Swollen battery, old laptop**"]

    click(at, "Open in chat")
    assert customer_bubbles(at) == ["My battery is swollen"]
    assert at.query_params["thread"] == first


def test_rewind_continues_as_a_new_branch_and_keeps_the_old_one():
    at = start()
    for text in TUTORIAL[:3]:
        send(at, text)
    open_time_travel(at)
    rewind = [b for b in at.button if b.label == "Rewind here"]
    assert len(rewind) == 3
    rewind[1].click().run()  # before turn 2
    assert any("Rewound to before turn 2" in i.value for i in at.info)
    assert customer_bubbles(at) == TUTORIAL[:1]
    assert "Rewound to before turn 2" in " ".join(c.value for c in at.sidebar.caption)

    send(at, "Nope, it expired in March")
    assert customer_bubbles(at) == [TUTORIAL[0], "Nope, it expired in March"]
    assert not any("Rewound" in i.value for i in at.info)
    assert [row[2] for row in history(at)] == ["record_warranty_status", "record_issue_type"]
    assert "**Warranty**: Out of warranty" in at.sidebar.markdown[1].value

    branch = next(s for s in at.selectbox if s.label == "Branch")
    assert len(branch.options) == 2
    branch.select_index(1).run()  # the earlier branch is still there
    assert customer_bubbles(at) == TUTORIAL[:3]
    assert "**Warranty**: In warranty" in at.sidebar.markdown[1].value


def test_edit_and_resend_makes_a_branch():
    at = start()
    send(at, TUTORIAL[0])
    send(at, TUTORIAL[1])
    open_time_travel(at)
    edit = [b for b in at.button if b.label == "Edit"]
    edit[1].click().run()
    at.text_area[0].set_value("No, it's out of warranty").run()
    click(at, "Resend")
    assert customer_bubbles(at) == [TUTORIAL[0], "No, it's out of warranty"]
    assert "**Warranty**: Out of warranty" in at.sidebar.markdown[1].value


def test_handoffs_workflow_in_the_app():
    at = start()
    at.selectbox(key=next(s.key for s in at.sidebar.selectbox if s.label == "Workflow")).set_value(
        "handoffs"
    ).run()
    labels = [b.label for b in at.button]
    assert any("login" in (b.help or "").lower() for b in at.button), labels
    send(at, LOGIN)
    source = dot(at)
    assert re.search(r"__start__ \[label=START", source) and "__end__" in source
    assert re.search(r"^\s*support_agent \[.*penwidth=3", source, re.M)
    assert [(row[1], row[2]) for row in history(at)] == [
        ("Sales agent → Support agent", "transfer_to_support")
    ]
    thread = at.query_params["thread"]

    send(at, "Also, how much is the premium plan?")
    assert re.search(r"^\s*sales_agent \[.*penwidth=3", dot(at), re.M)
    assert [row[2] for row in history(at)] == ["transfer_to_support", "transfer_to_sales"]
    newest = shown_history(at)[0]  # the handoff reason the support agent gave, in the panel
    assert newest.startswith("**Turn 2** · Support agent → **Sales agent**  \n:small[")
    assert len(newest.split(":small[", 1)[1]) > len("]")
    assert engineer_details(at)["active_agent"] == "sales_agent"

    # The thread remembers its workflow when reopened from a link.
    again = start(thread=thread)
    assert re.search(r"^\s*sales_agent \[.*penwidth=3", dot(again), re.M)
    workflow_box = next(s for s in again.sidebar.selectbox if s.label == "Workflow")
    assert workflow_box.value == "handoffs" and workflow_box.disabled


def test_a_long_timeline_opens_at_once_from_the_recorded_turn_points():
    at = start()
    for _ in range(31):
        send(at, "What should I do?")
    open_time_travel(at)
    # every turn recorded its rewind point: no need to read the whole history
    assert not [b for b in at.button if b.label == "Load the timeline"]
    # the latest turns are drawn; the rest are one click away
    assert len([b for b in at.button if b.label == "Rewind here"]) == 12
    click(at, "Show all 31 turns")
    assert len([b for b in at.button if b.label == "Rewind here"]) == 31


def visitor(name: str, **query) -> AppTest:
    """A browser session of visitor `name` (as when the app is reachable by others)."""
    at = AppTest.from_file("../../app.py", default_timeout=60)
    at.session_state["identity.owner"] = f"browser:{name}"
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def test_visitors_reach_only_their_own_threads_and_fork_a_shared_link():
    alice = visitor("alice")
    send(alice, "My battery is swollen")
    hers = alice.query_params["thread"]

    bob = visitor("bob")
    send(bob, "My app keeps crashing")
    bob.switch_page("app_pages/threads.py").run()
    titles = [m.value for m in bob.main.markdown if m.value.startswith("**")]
    assert len(titles) == 1 and titles[0].startswith("**App keeps crashing**")  # not Alice's

    shared = visitor("bob", thread=hers)  # Alice's link, opened by Bob
    assert any("started by someone else" in i.value for i in shared.info)
    assert shared.chat_input[0].disabled
    assert customer_bubbles(shared) == ["My battery is swollen"]
    click(shared, "Continue as my own copy")
    copy = shared.query_params["thread"]
    assert copy != hers and not shared.chat_input[0].disabled
    send(shared, "yes it's under warranty")
    assert customer_bubbles(shared) == ["My battery is swollen", "yes it's under warranty"]

    alice.run()  # hers is as she left it
    assert customer_bubbles(alice) == ["My battery is swollen"]
    shared.switch_page("app_pages/threads.py").run()
    titles = [m.value for m in shared.main.markdown if m.value.startswith("**")]
    assert any(t.startswith("**Copy of My battery is swollen**") for t in titles)


def test_a_store_from_before_owners_gets_the_column_and_keeps_its_threads(tmp_path):
    import sqlite3

    from support_agent.features.app_store import open_store

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE hs_threads (thread_id TEXT PRIMARY KEY, workflow TEXT NOT NULL, "
            "title TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)"
        )
        conn.execute("INSERT INTO hs_threads VALUES ('t', 'support', 'Old', 'x', 'x')")
    store = open_store(f"sqlite:///{path}")
    assert [r["thread_id"] for r in store.threads.all(owner="local")] == ["t"]
    store.close()


def test_visitors_read_prompts_but_only_the_operator_edits_them_or_saves_scenarios():
    bob = visitor("bob")
    send(bob, "My app keeps crashing")
    assert not [e for e in bob.expander if e.label == "Save as scenario"]
    bob.switch_page("app_pages/prompts.py").run()
    assert any("changed by the operator" in i.value for i in bob.info)
    assert not [b for b in bob.button if b.label.startswith("Save")]

    local = start()  # the one user of a server on this machine is its operator
    send(local, "My app keeps crashing")
    assert [e for e in local.expander if e.label == "Save as scenario"]


def test_a_visitor_cannot_choose_a_server_address_but_the_operators_server_answers(
    monkeypatch,
):
    with OpenAIStub("prompted") as stub:
        monkeypatch.setenv("SUPPORT_AGENT_BASE_URL", stub.url)
        bob = visitor("bob")
        bob.selectbox(key="model.label").set_value(SERVER).run()
        assert not [t for t in bob.sidebar.text_input if t.key == URL_BOX]  # nothing to type in
        (box,) = [t for t in bob.sidebar.text_input if t.label == "Base URL"]
        assert box.disabled and stub.url not in box.value  # nor is the operator's address shown
        said = " ".join(c.value for c in bob.sidebar.caption)
        assert "hasn't allowed visitors to choose a server address" in said
        send(bob, "Hi, my phone screen is cracked")
        assert not bob.error and stub.requests  # the server the operator set up answers


@pytest.mark.parametrize(
    "address", ["loopback", "http://localhost:8000/v1", "http://2130706433/", "http://0x7f.1/"]
)
def test_a_visitor_allowed_to_choose_may_not_point_the_server_inside(monkeypatch, address):
    monkeypatch.setenv("HANDOFF_ALLOW_VISITOR_BASE_URL", "1")
    with OpenAIStub() as stub:
        bob = use_server(visitor("bob"), stub.url if address == "loopback" else address)
        send(bob, "Hi, my phone screen is cracked")
        (error,) = [e.value for e in bob.error]
        assert "can't be used from here" in error and "points at this machine" in error
        assert not stub.requests  # nothing was sent
        assert customer_bubbles(bob) == ["Hi, my phone screen is cracked"]  # kept for Retry


def test_with_login_configured_a_visitor_is_asked_to_log_in_first():
    at = AppTest.from_file("../../app.py", default_timeout=60)
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback"}
    at.run()
    assert any("Log in to see your conversations" in i.value for i in at.info)
    assert [b for b in at.button if b.label == "Log in"]
    assert not at.chat_input  # nothing else is drawn until they do


def test_a_conversation_whose_first_turn_failed_is_listed_and_stays_its_starters(monkeypatch):
    # The operator's provider is down: the visitor's first message is kept, unanswered.
    monkeypatch.setenv("SUPPORT_AGENT_MODEL", "openai:gpt-4.1-mini")
    monkeypatch.setenv("SUPPORT_AGENT_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-operator-0000")
    monkeypatch.setenv("SUPPORT_AGENT_MAX_RETRIES", "0")
    alice = visitor("alice")
    send(alice, "My battery is swollen")
    assert any("could not be reached" in e.value for e in alice.error)
    assert customer_bubbles(alice) == ["My battery is swollen"]
    hers = alice.query_params["thread"]

    alice.switch_page("app_pages/threads.py").run()
    titles = [m.value for m in alice.main.markdown if m.value.startswith("**")]
    assert any(t.startswith("**Battery is swollen**") for t in titles), titles

    bob = visitor("bob", thread=hers)  # her link: hers, not an unowned conversation
    assert any("started by someone else" in i.value for i in bob.info)
    assert bob.chat_input[0].disabled
