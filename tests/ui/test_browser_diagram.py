"""The state machine as an audience sees it, in headless Chromium.

Legible at the sizes a walkthrough is shown at (labels measured as drawn), the
whole machine on screen without scrolling, plain words with the tool on hover,
and a sidebar that never goes blank while a turn runs.
"""

import re
import shutil

import pytest
from playwright import sync_api as playwright

from tests.browser import (
    ROOT,
    diagram_metrics,
    idle,
    open_chat,
    pick_workflow,
    refresh_screenshot,
    streamlit_server,
)
from tests.helpers import TUTORIAL

pytestmark = pytest.mark.browser

CONVERSATIONS = {
    "Customer support (state machine)": TUTORIAL[:2],
    "Sales ↔ support handoffs": [
        "Hi, I'm having trouble with my account login. Can you help?",
        "Also, how much is the premium plan?",
    ],
}
PLACES = {"sidebar": "stSidebar", "presenter": "stMainBlockContainer"}


def send(page, text: str) -> None:
    idle(page)
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(text)
    box.press("Enter")
    bubble = page.get_by_test_id("stChatMessage").filter(has_text=text)
    playwright.expect(bubble).to_have_count(1, timeout=30_000)
    idle(page)


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (1920, 1080)])
def test_the_machine_is_legible_in_the_sidebar_and_the_presenter_view(
    browser,  # noqa: F811
    tmp_path,
    width,
    height,
):
    env = {"HANDOFF_DB_URL": f"sqlite:///{tmp_path / 'look.db'}", "SUPPORT_AGENT_MODEL": "offline"}
    with streamlit_server(env) as url:
        for number, (title, texts) in enumerate(CONVERSATIONS.items()):
            page = browser.new_page(viewport={"width": width, "height": height})
            open_chat(page, url)
            if number:
                pick_workflow(page, title)
            for text in texts:
                send(page, text)
            for place, where in PLACES.items():
                if place == "presenter":
                    page.get_by_text("Presenter view").click()
                    playwright.expect(page).to_have_url(re.compile(r"view=presenter"))
                    page.goto(page.url)  # as a bookmark opens it: the sidebar starts closed
                    idle(page)
                drawn = diagram_metrics(page, where)
                seen = f"{title}, {place}, {width}x{height}: {drawn}"
                assert drawn["node"] >= 12 and drawn["edge"] >= 10, seen
                # The whole machine, active step included, is on screen without scrolling.
                assert drawn["top"] >= 0 and drawn["bottom"] <= height, seen
                assert drawn["left"] >= 0 and drawn["right"] <= width, seen
                panel = page.get_by_test_id(where)
                chart = panel.get_by_test_id("stGraphVizChart")
                # The move just made is drawn thick in the active colour, its tool on hover.
                just = chart.locator("g.edge.just-moved")
                playwright.expect(just).to_have_count(1)
                assert "tool: transfer_to_sales" in just.inner_html() or (
                    "tool: record_issue_type" in just.inner_html()
                )
                # The history wraps: nothing in the panel scrolls sideways.
                history = panel.locator("p:visible", has_text="Turn 2 ·").first
                playwright.expect(history).to_be_visible()
                assert history.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), seen
                shot = tmp_path / f"{number}-{place}-{width}.png"
                page.screenshot(path=str(shot))
                assert shot.stat().st_size > 10_000
                if place == "presenter" and width == 1920 and refresh_screenshot():
                    shutil.copy(shot, ROOT / "docs" / f"presenter-{number}.png")
            page.close()


# Armed once the panel is first drawn; counts DOM states in which the sidebar
# has lost its drawing or its "Now at" line.
WATCH_SIDEBAR = """
window.__blank = 0; window.__seen = 0; window.__armed = false;
new MutationObserver(() => {
  const side = document.querySelector('[data-testid="stSidebar"]');
  if (!side) return;
  const drawn = side.querySelector('[data-testid="stGraphVizChart"] svg g.node');
  const told = side.innerText.includes('Now at');
  if (drawn && told) { window.__armed = true; window.__seen += 1; }
  else if (window.__armed) { window.__blank += 1; }
}).observe(document, {subtree: true, childList: true, characterData: true});
"""


def test_the_sidebar_never_goes_blank_during_a_turn(browser, tmp_path):  # noqa: F811
    env = {"HANDOFF_DB_URL": f"sqlite:///{tmp_path / 'calm.db'}", "SUPPORT_AGENT_MODEL": "offline"}
    with streamlit_server(env) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.add_init_script(WATCH_SIDEBAR)
        open_chat(page, url)
        idle(page)
        before = page.evaluate("window.__seen")
        for text in TUTORIAL[:3]:
            send(page, text)
        sidebar = page.get_by_test_id("stSidebar")
        playwright.expect(sidebar).to_contain_text("the issue was classified as hardware")
        assert page.evaluate("window.__armed")
        assert page.evaluate("window.__seen") > before  # the panel did update in place
        assert page.evaluate("window.__blank") == 0
