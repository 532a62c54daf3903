"""End to end in headless Chromium: the tutorial, the live diagram, resume by URL."""

import re
import shutil
from pathlib import Path

import pytest

from tests.browser import CHROMIUM, CHROMIUM_ARGS, ROOT, streamlit_server
from tests.test_support_flow import TUTORIAL

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.browser


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (see .ci/run)")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def idle(page) -> None:
    """Wait until Streamlit has finished running the script."""
    app = page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')
    playwright.expect(app).to_have_count(1, timeout=30_000)


def say(page, text: str, turn: int) -> None:
    idle(page)
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(text)
    box.press("Enter")
    # One customer bubble and one agent bubble per turn.
    playwright.expect(page.get_by_test_id("stChatMessage")).to_have_count(2 * turn, timeout=30_000)
    idle(page)


def active_svg_node(page) -> str:
    chart = page.get_by_test_id("stGraphVizChart").locator("svg")
    playwright.expect(chart).to_be_visible(timeout=30_000)
    filled = chart.locator("g.node").filter(
        has=page.locator('path[fill="#2563eb"], polygon[fill="#2563eb"]')
    )
    playwright.expect(filled).to_have_count(1, timeout=30_000)
    return filled.locator("title").text_content().strip()


def test_tutorial_in_a_real_browser(browser, tmp_path):
    env = {"HANDOFF_DB_URL": f"sqlite:///{tmp_path / 'e2e.db'}", "SUPPORT_AGENT_MODEL": "offline"}
    with streamlit_server(env) as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        playwright.expect(page.get_by_test_id("stChatInputTextArea")).to_be_visible(timeout=60_000)
        assert active_svg_node(page) == "warranty_collector"

        for turn, text in enumerate(TUTORIAL, start=1):
            say(page, text, turn)
            if turn == 2:  # the moment the machine moves twice: the README's picture
                shot = tmp_path / "chat.png"
                page.screenshot(path=str(shot))
        playwright.expect(page).to_have_url(re.compile(r"\?thread=[\w-]{22,}"), timeout=30_000)
        assert active_svg_node(page) == "resolution_specialist"
        sidebar = page.get_by_test_id("stSidebar")
        playwright.expect(sidebar).to_contain_text("record_issue_type")

        assert shot.stat().st_size > 10_000
        if (target := ROOT / "docs" / "screenshot.png").parent.exists() and _refresh_screenshot():
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


def _refresh_screenshot() -> bool:
    import os

    return os.environ.get("UPDATE_SCREENSHOT") == "1"
