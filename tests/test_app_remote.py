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
from tests.helpers import TUTORIAL, active_node, click, dot, send, start


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
    assert on_server.client.threads.get(server_thread_id(thread))["metadata"]["owner"] == "local"

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
    assert len(titles) == 1 and "screen is cracked" in titles[0].lower()
    # Its exports are offered, from the state read on the server.
    assert [b.proto.label for b in at.get("download_button")] == ["Markdown", "JSON"]


def test_what_the_server_cannot_do_is_said_in_plain_words(on_server):
    theirs = new_thread_id()
    other = open_store("memory://")
    list(remote(other, on_server, SUPPORT, theirs, "someone-else").send(TUTORIAL[0]))

    at = start(thread=theirs)
    assert not at.exception, at.exception
    assert [m.value for m in at.chat_message[0].markdown][0] == TUTORIAL[0]
    said = " ".join(c.value for c in at.main.caption)
    assert "Copying a conversation isn't available here" in said
    assert not [b for b in at.button if b.label == "Continue as my own copy"]
    assert at.chat_input[0].proto.disabled  # someone else's: read only
    jump = " ".join(i.value for i in at.sidebar.info)
    assert "Jumping to a step isn't available here" in jump


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
