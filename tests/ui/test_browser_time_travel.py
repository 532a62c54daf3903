"""Time travel as a presenter shows it, in headless Chromium at 1400x1000.

After a rewind the sidebar's panel is redrawn within one run (first the thread's
head, then the rewound state with its "Showing" line): it must say each thing once.
"""

import pytest
from playwright import sync_api as playwright

from tests.browser import idle, open_chat, say, streamlit_server

pytestmark = pytest.mark.browser
expect = playwright.expect


def test_a_rewind_draws_the_panel_once(browser, tmp_path):
    env = {"HANDOFF_DB_URL": f"sqlite:///{tmp_path / 'e2e.db'}", "SUPPORT_AGENT_MODEL": "offline"}
    with streamlit_server(env) as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        open_chat(page, url)
        sidebar = page.get_by_test_id("stSidebar")
        say(page, "Hi, my phone screen is cracked", 1)
        say(page, "Yes, it's still under warranty", 2)  # two moves, on to Resolution
        expect(sidebar).to_contain_text("Turn 2 · Issue classification", timeout=30_000)

        page.get_by_text("Time travel").click()
        page.get_by_role("button", name="Rewind here").nth(1).click()
        expect(sidebar).to_contain_text("Showing: Rewound to before turn 2", timeout=30_000)
        idle(page)
        # Each part of the panel once: no leftovers of the drawing before the rewind.
        expect(sidebar.get_by_text("Transition history")).to_have_count(1)
        expect(sidebar.get_by_text("No moves yet.")).to_have_count(1)
        expect(sidebar.get_by_text("Details for engineers")).to_have_count(1)
        expect(sidebar.get_by_text("Recorded facts")).to_have_count(1)

        # Back to the latest: the moves again, still once each, and the "Showing" line gone.
        page.get_by_role("button", name="Back to latest").click()
        expect(sidebar).not_to_contain_text("Showing:", timeout=30_000)
        idle(page)
        expect(sidebar.get_by_text("Turn 2 · Issue classification")).to_have_count(1)
        expect(sidebar.get_by_text("No moves yet.")).to_have_count(0)
        expect(sidebar.get_by_text("Details for engineers")).to_have_count(1)


def test_time_travel_and_save_as_scenario_draw_their_contents_when_opened(browser, tmp_path):
    # Both boxes draw their rows and draft only while open (a closed one costs a rerun
    # nothing): opening one in the browser must show them, and they stay until it is closed.
    env = {"HANDOFF_DB_URL": f"sqlite:///{tmp_path / 'e2e.db'}", "SUPPORT_AGENT_MODEL": "offline"}
    with streamlit_server(env) as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        open_chat(page, url)
        say(page, "Hi, my phone screen is cracked", 1)
        say(page, "Yes, it's still under warranty", 2)
        main = page.get_by_test_id("stMainBlockContainer")
        rewind = main.get_by_role("button", name="Rewind here")
        draft = main.get_by_label("Scenario (YAML)")
        expect(rewind).to_have_count(0)  # closed: nothing drawn inside
        expect(draft).to_have_count(0)

        main.get_by_text("Time travel").click()
        expect(rewind).to_have_count(2, timeout=30_000)  # one row per turn
        main.get_by_text("Save as scenario").click()
        expect(draft).to_be_visible(timeout=30_000)
        expect(draft).to_contain_text("Hi, my phone screen is cracked")
        idle(page)

        say(page, "What should I do?", 3)  # both stay open, the new turn listed at once
        expect(rewind).to_have_count(3, timeout=30_000)
        expect(draft).to_contain_text("What should I do?")

        main.get_by_text("Time travel").click()  # closed again: its rows go
        expect(rewind).to_have_count(0, timeout=30_000)
