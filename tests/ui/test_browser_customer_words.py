"""What a customer who writes unlike us meets in Chromium: a receipt thrown away records no
warranty (the sidebar still says it is not known) and gets the other ways to find the date;
the rough age that follows then records it, live on the page."""

import pytest
from playwright import sync_api as playwright

from tests.browser import offline_env, open_chat, say, streamlit_server

pytestmark = pytest.mark.browser
expect = playwright.expect


def test_receipt_thrown_away_is_asked_about_then_an_age_records_it(browser, tmp_path):
    with streamlit_server(offline_env(tmp_path)) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        open_chat(page, url)
        bubbles = page.get_by_test_id("stChatMessage")
        sidebar = page.get_by_test_id("stSidebar")

        say(page, "my screen is cracked", 1)
        say(page, "i threw away the receipt", 2)
        expect(bubbles.nth(3)).to_contain_text("No receipt is fine")
        expect(bubbles.nth(3)).to_contain_text("roughly when you bought it")
        expect(sidebar.get_by_text("not yet known").first).to_be_visible()

        page.get_by_test_id("stChatInputTextArea").fill("maybe 2 years")
        page.get_by_test_id("stChatInputTextArea").press("Enter")
        expect(page.get_by_text("the warranty has ended").first).to_be_visible(timeout=30_000)
        expect(sidebar.get_by_text("Out of warranty").first).to_be_visible(timeout=30_000)
