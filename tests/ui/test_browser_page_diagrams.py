"""Issue 23, item 9: the sidebar draws what the page shows, in headless Chromium.

On Prompts, the step whose prompt is being edited; on Scenarios, the path of
the scenario picked (the Tickets page's diagram is checked in
test_browser_ticket_branches.py). The chat's conversation is elsewhere, so a
page showing it instead would light its step, Warranty verification.
"""

import re
import shutil

import pytest
from playwright import sync_api as playwright

from tests.browser import ROOT, active_node_in, idle, open_chat, say, streamlit_server

pytestmark = pytest.mark.browser
expect = playwright.expect

SHOWN = ("support-hardware-in-warranty.yaml", "handoffs-support-to-sales.yaml")


def env(tmp_path) -> dict[str, str]:
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    for name in SHOWN:
        shutil.copy(ROOT / "scenarios" / name, scenarios / name)
    return {
        "HANDOFF_DB_URL": f"sqlite:///{tmp_path / 'e2e.db'}",
        "SUPPORT_AGENT_MODEL": "offline",
        "HANDOFF_SCENARIOS_DIR": str(scenarios),
    }


def active(page) -> str:
    return active_node_in(page).locator("title")


def pick(page, label: str, option: str) -> None:
    idle(page)
    box = page.get_by_test_id("stMainBlockContainer").get_by_role("combobox", name=label)
    box.click()
    box.fill(option)  # typed: the list opens filtered to it
    page.get_by_role("option", name=option, exact=True).click()
    idle(page)


def test_prompts_and_scenarios_pages_draw_what_they_show(browser, tmp_path):  # noqa: F811
    with streamlit_server(env(tmp_path)) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        open_chat(page, url)
        say(page, "Hi, my phone screen is cracked", 1)  # the chat stays at Warranty verification
        sidebar = page.get_by_test_id("stSidebar")
        expect(active(page)).to_have_text("warranty_collector")

        # Prompts: the step whose prompt is on screen.
        page.get_by_role("link", name="Prompts").click()
        idle(page)
        pick(page, "Step", "Resolution")
        expect(sidebar).to_contain_text("Editing the step Resolution")
        expect(active(page)).to_have_text("resolution_specialist")
        pick(page, "Workflow to edit", "Sales ↔ support handoffs")
        pick(page, "Agent", "Support agent")
        expect(sidebar).to_contain_text("Editing the agent Support agent")
        expect(active(page)).to_have_text("support_agent")

        # Scenarios: nothing run yet, said so; then the path of the scenario picked.
        page.get_by_role("link", name="Scenarios").click()
        idle(page)
        expect(sidebar).to_contain_text("No scenario run yet")
        page.get_by_role("button", name=re.compile(r"Run 2 scenarios")).click()
        main = page.get_by_test_id("stMainBlockContainer")
        expect(main.get_by_text("All 2 scenarios passed", exact=False)).to_be_visible(
            timeout=60_000
        )
        idle(page)
        # Shown first: nothing failed, so the first of the sidebar's workflow (Customer support).
        expect(sidebar).to_contain_text("Path of Hardware under warranty gets a free repair")
        expect(active(page)).to_have_text("resolution_specialist")
        taken = sidebar.get_by_test_id("stGraphVizChart").locator("g.edge.taken")
        expect(taken).to_have_count(2)  # warranty → issue → resolution
        pick(page, "Show the path of", "Handoffs — support hands a pricing question back to sales")
        expect(sidebar).to_contain_text("Path of Handoffs — support hands")
        expect(active(page)).to_have_text("sales_agent")

        # Back on Chat, the sidebar is the conversation's again.
        page.get_by_role("link", name="Chat").click()
        idle(page)
        expect(sidebar).to_contain_text("Now at Warranty verification")
        expect(active(page)).to_have_text("warranty_collector")
        page.close()
