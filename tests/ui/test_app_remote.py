"""The app's pages with `HANDOFF_AGENT_URL` set: turns, state and threads from LangGraph's server.

AppTest drives the pages against the `langgraph dev` the session starts
(`agent_server` in conftest.py); what can't work there is said in plain words.
"""

from __future__ import annotations

import pytest

from support_agent.core.engine import new_thread_id
from support_agent.features.app_store import open_store
from support_agent.service.remote import AgentServer, remote, server_thread_id
from support_agent.workflows.support import SUPPORT
from tests.browser import ROOT
from tests.helpers import TUTORIAL, active_node, click, customer_bubbles, dot, jump_to, send, start


@pytest.fixture
def on_server(app_url, agent_server, monkeypatch):
    """The app's store (`app_url`), with its agents on the session's `langgraph dev`."""
    monkeypatch.setenv("HANDOFF_AGENT_URL", agent_server)
    server = AgentServer.connect(agent_server)
    yield server
    server.close()


def test_without_the_setting_nothing_changes(app_url, monkeypatch):
    monkeypatch.delenv("HANDOFF_AGENT_URL", raising=False)
    at = send(send(start(), TUTORIAL[0]), TUTORIAL[1])
    assert "model: **offline demo model**" in at.caption[0].value
    assert active_node(dot(at)) == "resolution_specialist"


def test_turns_run_on_the_server_and_threads_lists_the_visitors_own(on_server):
    at = start()
    assert "model: **the agent server's**" in at.caption[0].value
    for text in TUTORIAL[:2]:
        send(at, text)
    assert active_node(dot(at)) == "resolution_specialist"
    thread = at.query_params["thread"]
    assert (
        on_server.client.threads.get(server_thread_id(thread))["metadata"]["handoff_owner"]
        == "local"
    )

    # The guardrails' badges come with the state read from the server.
    send(at, "what's the weather in Paris?")
    badges = " ".join(m.value for m in at.chat_message[-2].markdown)
    assert ":red-badge[:material/block: On topic]" in badges
    at = start(thread=thread)  # and again when the saved conversation is drawn
    badges = " ".join(m.value for m in at.chat_message[-2].markdown)
    assert ":red-badge[:material/block: On topic]" in badges

    # Someone else's conversation on the same server is not listed.
    other = open_store("memory://")
    list(remote(other, on_server, SUPPORT, new_thread_id(), "someone-else").send(TUTORIAL[0]))
    at.switch_page("app_pages/threads.py").run()
    assert not at.exception, at.exception
    assert any("kept on the agent server" in c.value for c in at.caption)
    titles = [m.value for m in at.main.markdown if m.value.startswith("**")]
    # The server is the session's: other tests' threads of "local" are listed too, not theirs.
    assert len(titles) == len(on_server.threads_of("local"))
    assert "screen is cracked" in titles[0].lower() and "open in chat" in titles[0]
    # Its exports are offered, from the state read on the server.
    assert [b.proto.label for b in at.get("download_button")] == ["Markdown", "JSON"] * len(titles)


def test_someone_elses_thread_reads_and_copies_from_the_server(on_server):
    theirs = new_thread_id()
    other = open_store("memory://")
    list(remote(other, on_server, SUPPORT, theirs, "someone-else").send(TUTORIAL[0]))

    at = start(thread=theirs)
    assert not at.exception, at.exception
    assert customer_bubbles(at) == [TUTORIAL[0]]
    assert at.chat_input[0].proto.disabled  # someone else's (the server says whose): read only
    click(at, "Continue as my own copy")
    copy = at.query_params["thread"]
    assert copy != theirs and customer_bubbles(at) == [TUTORIAL[0]]
    send(at, TUTORIAL[1])  # the copy carries on, on the server, as this visitor's
    assert active_node(dot(at)) == "resolution_specialist"
    assert (
        on_server.client.threads.get(server_thread_id(copy))["metadata"]["handoff_owner"] == "local"
    )
    theirs_now = on_server.client.threads.get(server_thread_id(theirs))["values"]
    assert len(theirs_now["messages"]) == 2  # theirs stays as it was


def test_a_jump_to_a_step_starts_a_thread_on_the_server(on_server):
    at = jump_to(start(), "resolution_specialist",
                 warranty_status="out_of_warranty", issue_type="hardware")  # fmt: skip
    thread = at.query_params["thread"]
    assert active_node(dot(at)) == "resolution_specialist"
    send(at, "My screen is cracked")
    said = " ".join(m.value for c in at.chat_message for m in c.markdown)
    assert "repair specialist" in said  # handed over, as the out-of-warranty route does
    values = on_server.client.threads.get(server_thread_id(thread))["values"]
    assert [r["tool"] for r in values["transitions"]][-1] == "escalate_to_human"


def test_the_shipped_scenarios_pass_on_the_server_from_the_scenarios_page(on_server, monkeypatch):
    shipped = sorted((ROOT / "scenarios").glob("*.yaml"))
    monkeypatch.setenv("HANDOFF_SCENARIOS_DIR", str(ROOT / "scenarios"))
    at = start()
    at.switch_page("app_pages/scenarios.py").run()
    assert any("Model: **the agent server's**" in c.value for c in at.main.caption)
    at.default_timeout = 600
    click(at, f"Run {len(shipped)} scenarios")
    assert set(at.dataframe[0].value["Result"]) == {"✅ passed"}
    assert on_server.threads_of("scenarios") == []  # each throwaway thread deleted there
