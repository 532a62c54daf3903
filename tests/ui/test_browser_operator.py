"""The operator's walk in headless Chromium: a customer's chat and the support team's queue
open side by side, in two browser contexts, as two people would have them.

A customer is handed over to a person and leaves the chat open; the operator replies and
resolves from the Tickets page. The customer's page shows both without being touched.
"""

import re

import pytest
from playwright import sync_api as playwright

from support_agent.features.tickets import HUMAN_AGENT_TITLE
from tests.browser import idle, open_chat, say, streamlit_server

pytestmark = pytest.mark.browser
expect = playwright.expect

VIEWPORT = {"width": 1400, "height": 1000}
REPLY = "A new charging case costs 25 euros; shall I send one?"
NOTE = "Sent a new charging case."
POLL = 20_000  # ms: the chat looks for a reply every few seconds


def ticket_row(page, ticket_id: str):
    return page.locator(f".st-key-ticket-row-{ticket_id}")


def test_the_customer_who_was_just_handed_over_sees_the_reply_and_the_resolution(browser, tmp_path):
    env = {"HANDOFF_DB_URL": f"sqlite:///{tmp_path / 'e2e.db'}", "SUPPORT_AGENT_MODEL": "offline"}
    with streamlit_server(env) as url:
        customer = browser.new_context(viewport=VIEWPORT).new_page()
        open_chat(customer, url)
        say(customer, "my headphones stopped charging", 1)
        say(customer, "bought them 2 years ago", 2)
        chat = customer.get_by_test_id("stMainBlockContainer")
        expect(chat).to_contain_text("Ticket T-1001", timeout=30_000)
        card = (
            chat.get_by_test_id("stVerticalBlock")
            .filter(has=customer.get_by_text(re.compile(r"^Ticket T-1001")))
            .last
        )

        operator = browser.new_context(viewport=VIEWPORT).new_page()
        operator.goto(f"{url}/tickets")
        row = ticket_row(operator, "T-1001")
        expect(row).to_be_visible(timeout=60_000)
        row.get_by_role("button", name="Open ticket").click()
        idle(operator)
        operator.get_by_label("Reply to the customer").fill(REPLY)
        operator.get_by_role("button", name="Send reply").click()
        idle(operator)
        expect(operator.get_by_test_id("stMainBlockContainer")).to_contain_text("Reply sent")

        # The customer's page, untouched since the hand-over, picks the reply up.
        team = chat.get_by_test_id("stChatMessage").filter(has_text=REPLY)
        expect(team).to_have_count(1, timeout=POLL)
        expect(team).to_contain_text(HUMAN_AGENT_TITLE)
        expect(card).to_contain_text("The support team has replied below")

        operator.get_by_label("Resolution note").fill(NOTE)
        operator.get_by_role("button", name="Mark resolved").click()
        idle(operator)
        expect(card).to_contain_text(f"Resolved: {NOTE}", timeout=POLL)
        expect(card).to_contain_text("resolved")
