"""The app in headless Chromium with its agents on LangGraph's server (`HANDOFF_AGENT_URL`).

The same tutorial as test_browser.py, answered by the `langgraph dev` the session
starts (`agent_server` in conftest.py): the diagram moves, the thread is the
visitor's own on the server and resumes by its `?thread=` link, an approval is
decided through the server's interrupt, and a rewind makes a branch there.
"""

import re

import pytest
from playwright import sync_api as playwright

from support_agent.service.remote import AgentServer, server_thread_id
from tests.browser import (
    active_svg_node,
    approval_switch,
    customer_texts,
    idle,
    open_chat,
    say,
    streamlit_server,
)
from tests.helpers import TUTORIAL

pytestmark = pytest.mark.browser
expect = playwright.expect


def test_the_tutorial_runs_on_the_agent_server_from_the_browser(browser, agent_server, tmp_path):
    env = {
        "HANDOFF_DB_URL": f"sqlite:///{tmp_path / 'studio.db'}",
        "SUPPORT_AGENT_MODEL": "offline",
        "HANDOFF_AGENT_URL": agent_server,
    }
    with streamlit_server(env) as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        open_chat(page, url)
        assert active_svg_node(page) == "warranty_collector"
        expect(page.get_by_test_id("stMainBlockContainer")).to_contain_text(
            "model: the agent server's"
        )
        for turn, text in enumerate(TUTORIAL, start=1):
            say(page, text, turn)
        expect(page).to_have_url(re.compile(r"\?thread=[\w-]{22,}"), timeout=30_000)
        assert active_svg_node(page) == "resolution_specialist"
        sidebar = page.get_by_test_id("stSidebar")
        expect(sidebar).to_contain_text("the issue was classified as hardware")

        # The conversation lives on the server, as this visitor's.
        thread = page.url.split("thread=")[1]
        server = AgentServer.connect(agent_server)
        there = server.client.threads.get(server_thread_id(thread))
        assert there["metadata"]["handoff_owner"] == "local"
        assert len(there["values"]["messages"]) >= 8

        # The link resumes it in a new tab, read from the server.
        again = browser.new_page(viewport={"width": 1400, "height": 1000})
        again.goto(page.url)
        expect(again.get_by_test_id("stChatMessage")).to_have_count(8, timeout=60_000)
        assert customer_texts(again) == TUTORIAL
        assert active_svg_node(again) == "resolution_specialist"
        again.close()

        # Threads lists it from the server.
        page.get_by_role("link", name="Threads").click()
        idle(page)
        main = page.get_by_test_id("stMainBlockContainer")
        expect(main).to_contain_text("kept on the agent server")
        expect(main).to_contain_text("Phone screen is cracked")  # the newest card: ours
        page.get_by_role("button", name="Open in chat").first.click()
        expect(page.get_by_test_id("stChatMessage")).to_have_count(8, timeout=60_000)

        # A rewind to before turn 2 and a new message there: a branch on the server.
        idle(page)
        page.get_by_text("Time travel").click()
        rewind = page.get_by_role("button", name="Rewind here")
        expect(rewind.first).to_be_visible(timeout=30_000)
        expect(rewind).to_have_count(4)  # turn 1 too: the server keeps the empty start
        rewind.nth(1).click()
        idle(page)
        expect(main).to_contain_text("Rewound to before turn 2")
        say(page, "The screen is cracked", 2)
        branches = server.client.threads.get_history(server_thread_id(thread), limit=50)
        heads = {h["checkpoint"]["checkpoint_id"] for h in branches} - {
            (h.get("parent_checkpoint") or {}).get("checkpoint_id") for h in branches
        }
        assert len(heads) == 2  # the old branch stays in the history
        # Time travel stays open from the rewind: the new branch is listed at once.
        picker = page.get_by_test_id("stSelectbox").filter(has_text="Branch")
        expect(picker).to_be_visible(timeout=30_000)
        assert "Latest · 2 turns · “The screen is cracked”" in picker.aria_snapshot()

        # An approval: the hand-over waits on the server's interrupt, a person approves.
        page.get_by_role("button", name="New conversation").click()
        idle(page)
        approval_switch(page, "support").click()
        idle(page)
        box = page.get_by_test_id("stChatInputTextArea")
        box.fill("I want to talk to a real person please")
        box.press("Enter")
        card = page.locator(".st-key-chat-approval")
        expect(card).to_contain_text("Hand this case over to a person?", timeout=30_000)
        chart = sidebar.get_by_test_id("stGraphVizChart").locator("svg")
        expect(chart.locator("g.edge.approval.waiting")).to_have_count(1, timeout=30_000)
        idle(page)
        card.get_by_role("button", name="Approve").click()
        expect(card).to_have_count(0, timeout=30_000)
        idle(page)
        expect(main).to_contain_text("Ticket T-1001")
        expect(chart.locator("g.edge.approval.approved")).to_have_count(1, timeout=30_000)
        paused = page.url.split("thread=")[1]
        assert server.client.threads.get(server_thread_id(paused))["status"] == "idle"
        server.close()
        page.close()
