"""A message of markup at the warranty step, in headless Chromium: shown as typed, never as
HTML, and asked about rather than taken for an answer."""

import pytest
from playwright.sync_api import expect

from tests.browser import active_svg_node, customer_texts, open_chat, say, streamlit_server

pytestmark = pytest.mark.browser

MESSAGES = ["<b>hi</b> **bold**", "<script>document.title='x'</script> <i>hello</i>"]


def test_markup_at_the_warranty_step_is_shown_literally_and_asked_about(browser, tmp_path):
    env = {
        "HANDOFF_DB_URL": f"sqlite:///{tmp_path / 'markup.db'}",
        "SUPPORT_AGENT_MODEL": "offline",
    }
    with streamlit_server(env) as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        open_chat(page, url)
        sidebar = page.get_by_test_id("stSidebar")
        for turn, text in enumerate(MESSAGES, start=1):
            say(page, text, turn)
            reply = page.get_by_test_id("stChatMessageContent").last
            expect(reply).to_contain_text("still under warranty")
            expect(sidebar).to_contain_text("Warranty: not yet known")
            assert active_svg_node(page) == "warranty_collector"
        assert customer_texts(page) == MESSAGES  # the tags as text: nothing made bold, nothing run
        bubbles = page.get_by_test_id("stChatMessageContent")
        expect(bubbles.locator("b, i, strong, script")).to_have_count(0)
        assert page.title() != "x"
        page.screenshot(path=str(tmp_path / "markup.png"), full_page=True)
