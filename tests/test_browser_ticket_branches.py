"""Issue 23, item 6, in headless Chromium at 1280x720: a ticket belongs to its branch.

The customer hands over (T-1001), rewinds to before that turn and hands over
again on the new branch (T-1002). T-1001 still opens on its own branch, says
it is on an earlier version of the conversation, and the team's reply and
resolution reach that branch, under T-1001's card. The sidebar draws the
ticket's conversation while it is open, not the chat's.
"""

import pytest
from playwright import sync_api as playwright

from tests.browser import active_node_in, idle, open_chat, say, streamlit_server

pytestmark = pytest.mark.browser
expect = playwright.expect

PERSON = "I want to talk to a real person please"
AGAIN = "Actually, let me talk to someone from your team"
EARLIER = "On an earlier version of this conversation"


def go_to(page, title: str) -> None:
    idle(page)
    page.get_by_role("link", name=title).click()
    idle(page)


def ticket_row(page, ticket_id: str):
    return page.locator(f".st-key-ticket-row-{ticket_id}")


def test_a_ticket_opens_on_its_own_branch_and_takes_its_replies_there(browser, tmp_path):  # noqa: F811
    env = {"HANDOFF_DB_URL": f"sqlite:///{tmp_path / 'e2e.db'}", "SUPPORT_AGENT_MODEL": "offline"}
    with streamlit_server(env) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        open_chat(page, url)
        main = page.get_by_test_id("stMainBlockContainer")
        sidebar = page.get_by_test_id("stSidebar")
        say(page, "Hi, my phone screen is cracked", 1)
        say(page, "Yes, it's still under warranty", 2)  # on to Resolution (the screen is hardware)
        say(page, PERSON, 3)
        expect(main).to_contain_text("Ticket T-1001", timeout=30_000)

        # Rewind to before turn 2 and hand over there instead: T-1002, on a new branch.
        page.get_by_text("Time travel").click()
        page.get_by_role("button", name="Rewind here").nth(1).click()
        expect(main).to_contain_text("Rewound to before turn 2", timeout=30_000)
        say(page, AGAIN, 2)
        expect(main).to_contain_text("Ticket T-1002", timeout=30_000)
        expect(main).not_to_contain_text("Ticket T-1001")
        expect(active_node_in(page).locator("title")).to_have_text("warranty_collector")

        # The queue says which ticket is on an earlier version; T-1002 is not.
        go_to(page, "Tickets")
        expect(ticket_row(page, "T-1001")).to_contain_text(EARLIER, timeout=30_000)
        expect(ticket_row(page, "T-1002")).not_to_contain_text(EARLIER)

        # Opened, T-1001 shows its own branch, said in words; the sidebar draws it.
        ticket_row(page, "T-1001").get_by_role("button", name="Open ticket").click()
        idle(page)
        expect(main.get_by_role("heading", name="🎫 T-1001")).to_be_visible()
        expect(main.get_by_test_id("stAlert").filter(has_text=EARLIER)).to_be_visible()
        conversation = main.get_by_test_id("stChatMessage")
        expect(conversation.filter(has_text=PERSON)).to_have_count(1)
        expect(conversation.filter(has_text=AGAIN)).to_have_count(0)
        expect(main).to_contain_text("Ticket T-1001")
        expect(sidebar).to_contain_text("T-1001: at Resolution")
        expect(active_node_in(page).locator("title")).to_have_text("resolution_specialist")
        expect(sidebar.get_by_test_id("stGraphVizChart")).to_contain_text("T-1001")

        # Open in chat: that branch, with the banner saying which one.
        main.get_by_role("button", name="Open in chat").click()
        idle(page)
        expect(main).to_contain_text(
            "The earlier version of this conversation that T-1001 was raised on",
            timeout=30_000,
        )
        expect(main).to_contain_text("Ticket T-1001")
        expect(main).not_to_contain_text("Ticket T-1002")
        expect(active_node_in(page).locator("title")).to_have_text("resolution_specialist")

        # The team replies to T-1001 and resolves it.
        go_to(page, "Tickets")  # still open there
        expect(main.get_by_role("heading", name="🎫 T-1001")).to_be_visible(timeout=30_000)
        page.get_by_label("Reply to the customer").fill("Hi, Sam here about your screen.")
        page.get_by_role("button", name="Send reply").click()
        expect(main.get_by_test_id("stAlert").filter(has_text="Reply sent")).to_be_visible(
            timeout=30_000
        )
        idle(page)
        page.get_by_label("Resolution note").fill("Screen replaced under warranty")
        page.get_by_role("button", name="Mark resolved").click()
        expect(main.get_by_test_id("stAlert").filter(has_text="is resolved")).to_be_visible(
            timeout=30_000
        )
        idle(page)
        # Replied there, T-1001's branch is the latest now; T-1002's is the earlier one.
        main.get_by_role("button", name="All tickets").click()
        page.get_by_text("All", exact=True).click()
        idle(page)
        expect(ticket_row(page, "T-1002")).to_contain_text(EARLIER, timeout=30_000)
        expect(ticket_row(page, "T-1001")).not_to_contain_text(EARLIER)

        # In the chat, the reply and the resolution sit under T-1001's card.
        go_to(page, "Chat")
        expect(main).to_contain_text("Resolved: Screen replaced under warranty", timeout=30_000)
        reply = page.get_by_test_id("stChatMessage").filter(has_text="Hi, Sam here")
        expect(reply).to_contain_text("Support team")
        bubbles = page.get_by_test_id("stChatMessage").all_inner_texts()
        card = next(i for i, text in enumerate(bubbles) if "Ticket T-1001" in text)
        assert "Hi, Sam here" in bubbles[-1] and card < len(bubbles) - 1, bubbles
        expect(main).to_contain_text("Ticket T-1001")
        expect(main).not_to_contain_text("Ticket T-1002")
        expect(main).not_to_contain_text(AGAIN)
        page.screenshot(path=str(tmp_path / "ticket-branch.png"))
        page.close()
