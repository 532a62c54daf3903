"""Human approval in headless Chromium: switch it on, pause, decide, see it drawn."""

import shutil

import pytest
from playwright import sync_api as playwright

from tests.browser import (
    ROOT,
    approval_switch,
    idle,
    open_chat,
    refresh_screenshot,
    streamlit_server,
)

pytestmark = pytest.mark.browser
expect = playwright.expect


def test_a_hand_over_waits_for_approval_and_the_decision_is_drawn(browser, tmp_path):  # noqa: F811
    env = {"HANDOFF_DB_URL": f"sqlite:///{tmp_path / 'e2e.db'}", "SUPPORT_AGENT_MODEL": "offline"}
    with streamlit_server(env) as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        open_chat(page, url)
        sidebar = page.get_by_test_id("stSidebar")
        approval_switch(page, "support").click()
        idle(page)

        box = page.get_by_test_id("stChatInputTextArea")
        box.fill("I want to talk to a real person please")
        box.press("Enter")
        card = page.locator(".st-key-chat-approval")
        expect(card).to_contain_text(
            "Hand-over to a person requested — waiting for a person", timeout=30_000
        )
        expect(card).to_contain_text("Hand this case over to a person?")
        # Never locked: a new message would withdraw the request (test_browser_refusals.py).
        expect(page.get_by_test_id("stChatInputTextArea")).to_be_enabled()
        chart = sidebar.get_by_test_id("stGraphVizChart").locator("svg")
        expect(chart.locator("g.edge.approval.waiting")).to_have_count(1, timeout=30_000)
        expect(sidebar).to_contain_text("Waiting at Warranty verification for a person")

        shot = tmp_path / "approval.png"
        page.screenshot(path=str(shot))
        assert shot.stat().st_size > 10_000
        if refresh_screenshot():  # UPDATE_SCREENSHOT=1: the README's picture
            shutil.copy(shot, ROOT / "docs" / "approval.png")
        reason = card.get_by_label("Reason (edit before approving if needed)")
        reason.fill("Wants to speak to someone about a repair")
        card.get_by_role("button", name="Approve").click()
        expect(card).to_have_count(0, timeout=30_000)
        idle(page)
        chat = page.get_by_test_id("stMainBlockContainer")
        expect(chat).to_contain_text(
            "Approved by a person, with the reason changed to "
            "“Wants to speak to someone about a repair”"
        )
        expect(chat).to_contain_text("Ticket T-1001")
        expect(chart.locator("g.edge.approval.approved")).to_have_count(1, timeout=30_000)
        expect(chart.locator("g.edge.approval.waiting")).to_have_count(0)
        expect(page.get_by_test_id("stChatInputTextArea")).to_be_enabled()
        page.close()


def test_a_stale_tab_is_told_and_an_emptied_reason_is_refused_on_screen(browser, tmp_path):  # noqa: F811
    env = {"HANDOFF_DB_URL": f"sqlite:///{tmp_path / 'e2e.db'}", "SUPPORT_AGENT_MODEL": "offline"}
    with streamlit_server(env) as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        open_chat(page, url)
        approval_switch(page, "support").click()
        idle(page)
        box = page.get_by_test_id("stChatInputTextArea")
        box.fill("I want to talk to a real person please")
        box.press("Enter")
        card = page.locator(".st-key-chat-approval")
        expect(card).to_contain_text("Hand this case over to a person?", timeout=30_000)
        idle(page)

        # An emptied reason: refused, said on screen, and the card stays.
        card.get_by_label("Reason (edit before approving if needed)").fill("   ")
        card.get_by_role("button", name="Approve").click()
        idle(page)
        expect(
            page.get_by_test_id("stAlert").filter(has_text="Type a message first")
        ).to_be_visible()
        expect(card).to_have_count(1)

        stale = browser.new_page(viewport={"width": 1400, "height": 1000})
        open_chat(stale, page.url)  # a second tab with the card on screen
        stale_card = stale.locator(".st-key-chat-approval")
        expect(stale_card).to_contain_text("Hand this case over to a person?", timeout=30_000)
        idle(stale)

        card.get_by_label("Reason (edit before approving if needed)").fill("Asked for a person")
        card.get_by_role("button", name="Approve").click()
        expect(card).to_have_count(0, timeout=30_000)

        stale_card.get_by_role("button", name="Reject").click()
        idle(stale)
        notice = stale.get_by_test_id("stAlert").filter(has_text="already decided")
        expect(notice).to_be_visible(timeout=30_000)
        expect(stale_card).to_have_count(0)
        expect(stale.get_by_test_id("stMainBlockContainer")).to_contain_text("Ticket T-1001")
