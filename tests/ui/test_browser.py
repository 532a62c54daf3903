"""End to end in headless Chromium: the tutorial, the live diagram, resume by URL."""

import re
import shutil

import pytest
from playwright import sync_api as playwright

from tests.browser import (
    ROOT,
    active_svg_node,
    customer_texts,
    open_chat,
    refresh_screenshot,
    say,
    streamlit_server,
)
from tests.helpers import TUTORIAL

pytestmark = pytest.mark.browser


def test_tutorial_in_a_real_browser(browser, tmp_path):
    env = {"HANDOFF_DB_URL": f"sqlite:///{tmp_path / 'e2e.db'}", "SUPPORT_AGENT_MODEL": "offline"}
    with streamlit_server(env) as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        open_chat(page, url)
        assert active_svg_node(page) == "warranty_collector"

        for turn, text in enumerate(TUTORIAL, start=1):
            say(page, text, turn)
            if turn == 2:  # the moment the machine moves twice: the README's picture
                shot = tmp_path / "chat.png"
                page.screenshot(path=str(shot))
        playwright.expect(page).to_have_url(re.compile(r"\?thread=[\w-]{22,}"), timeout=30_000)
        assert active_svg_node(page) == "resolution_specialist"
        sidebar = page.get_by_test_id("stSidebar")
        playwright.expect(sidebar).to_contain_text("the issue was classified as hardware")

        # The warranty repair names where to book it: a real link, not Markdown source.
        repair = page.locator(
            '[data-testid="stChatMessageContent"] a[href="https://support.example.com/repair"]'
        )
        playwright.expect(repair.first).to_be_visible()
        assert shot.stat().st_size > 10_000
        if (target := ROOT / "docs" / "screenshot.png").parent.exists() and refresh_screenshot():
            shutil.copy(shot, target)

        link = page.url
        again = browser.new_page(viewport={"width": 1400, "height": 1000})
        again.goto(link)
        customers = again.get_by_test_id("stChatMessage").filter(
            has=again.get_by_test_id("stChatMessageAvatarUser")
        )
        playwright.expect(customers).to_have_count(4, timeout=60_000)
        for i, text in enumerate(TUTORIAL):
            playwright.expect(customers.nth(i)).to_contain_text(text)
        assert active_svg_node(again) == "resolution_specialist"


def test_offline_steps_render_as_a_numbered_list(browser, tmp_path):
    env = {"HANDOFF_DB_URL": f"sqlite:///{tmp_path / 'list.db'}", "SUPPORT_AGENT_MODEL": "offline"}
    with streamlit_server(env) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        open_chat(page, url)
        say(page, "My phone has been really slow since the last update", 1)
        say(page, "yes", 2)
        steps = page.get_by_test_id("stChatMessageContent").last.locator("ol > li")
        playwright.expect(steps).to_have_count(4, timeout=30_000)
        assert steps.first.inner_text().startswith("Restart the device")


def test_a_second_fault_and_a_drop_told_later_are_answered_in_the_page(browser, tmp_path):
    env = {"HANDOFF_DB_URL": f"sqlite:///{tmp_path / 'drop.db'}", "SUPPORT_AGENT_MODEL": "offline"}
    with streamlit_server(env) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        open_chat(page, url)
        say(page, "the screen is cracked and it also won't charge", 1)
        say(page, "bought it 3 months ago", 2)
        agent = page.get_by_test_id("stChatMessage").last
        playwright.expect(agent).to_contain_text("You also mentioned the charging")
        say(page, "it started after I dropped it", 3)
        agent = page.get_by_test_id("stChatMessage").last
        playwright.expect(agent).to_contain_text("you get a quote before any work starts")
        playwright.expect(agent).not_to_contain_text("separate one")
        assert active_svg_node(page) == "resolution_specialist"


def test_a_killed_server_loses_no_finished_turn(browser, tmp_path):
    env = {"HANDOFF_DB_URL": f"sqlite:///{tmp_path / 'crash.db'}", "SUPPORT_AGENT_MODEL": "offline"}
    with streamlit_server(env) as url:
        page = browser.new_page()
        page.goto(url)
        say(page, TUTORIAL[0], 1)
        say(page, TUTORIAL[1], 2)
        link = page.url.replace(url, "")
        url.process.kill()  # SIGKILL: no shutdown hooks, no flushing
        url.process.wait()
    with streamlit_server(env) as url:
        page = browser.new_page()
        page.goto(url + link)
        playwright.expect(page.get_by_test_id("stChatMessage")).to_have_count(4, timeout=60_000)
        assert customer_texts(page) == TUTORIAL[:2]
        assert active_svg_node(page) == "resolution_specialist"
        sidebar = page.get_by_test_id("stSidebar")
        playwright.expect(sidebar).to_contain_text("Warranty: In warranty")
        playwright.expect(sidebar).to_contain_text("the issue was classified as hardware")
        say(page, TUTORIAL[2], 3)  # and the conversation carries on


@pytest.mark.postgres
def test_two_app_servers_share_one_postgres(browser, postgres_admin_url):
    from tests.pg import fresh_database

    env = {"HANDOFF_DB_URL": fresh_database(postgres_admin_url), "SUPPORT_AGENT_MODEL": "offline"}
    with streamlit_server(env) as first, streamlit_server(env) as second:
        assert first != second
        a = browser.new_page()
        a.goto(first)
        say(a, TUTORIAL[0], 1)
        say(a, TUTORIAL[1], 2)
        link = a.url.replace(first, "")

        b = browser.new_page()
        b.goto(second + link)
        playwright.expect(b.get_by_test_id("stChatMessage")).to_have_count(4, timeout=60_000)
        assert active_svg_node(b) == "resolution_specialist"
        say(b, "Actually, I made a mistake - my device is out of warranty", 3)
        playwright.expect(b.get_by_test_id("stSidebar")).to_contain_text(
            "the customer corrected the warranty status"
        )

        a.reload()
        playwright.expect(a.get_by_test_id("stChatMessage")).to_have_count(6, timeout=60_000)
        assert customer_texts(a)[-1] == "Actually, I made a mistake - my device is out of warranty"
        playwright.expect(a.get_by_test_id("stSidebar")).to_contain_text("Out of warranty")
