"""The whole demo with the keyboard alone, in headless Chromium.

The tutorial's four turns typed into the chat input and sent with Enter; Tab
to the controls: the presenter view switched on with Space, the diagram
downloaded from its popover, the Walkthrough page opened from the page links
and stepped with Enter and the arrow keys. A script counts pointer events: a
mouse (or a test's click) would leave one; the keyboard leaves none.
"""

import re
import struct
from pathlib import Path

import pytest
from playwright import sync_api as playwright

from tests.browser import active_svg_node, focused, idle, open_chat, streamlit_server, tab_to
from tests.helpers import TUTORIAL

pytestmark = pytest.mark.browser

COUNT_POINTER = """
window.__pointer = 0;
for (const kind of ['pointerdown', 'mousedown']) {
  document.addEventListener(kind, () => { window.__pointer += 1; }, true);
}
"""


def type_and_send(page, text: str, turn: int) -> None:
    if "stChatInputTextArea" not in focused(page):  # the focus may stay there after a send
        tab_to(page, "stChatInputTextArea")
    page.keyboard.type(text)
    page.keyboard.press("Enter")
    playwright.expect(page.get_by_test_id("stChatMessage")).to_have_count(2 * turn, timeout=30_000)
    idle(page)


def test_the_tutorial_and_the_walkthrough_with_the_keyboard_alone(browser, tmp_path):
    env = {"HANDOFF_DB_URL": f"sqlite:///{tmp_path / 'keys.db'}", "SUPPORT_AGENT_MODEL": "offline"}
    with streamlit_server(env) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.add_init_script(COUNT_POINTER)
        open_chat(page, url)
        idle(page)

        for turn, text in enumerate(TUTORIAL, start=1):
            type_and_send(page, text, turn)
        assert active_svg_node(page) == "resolution_specialist"

        # The diagram, as a file for a slide: open the popover, Tab to PNG, Enter.
        tab_to(page, "Download diagram")
        page.keyboard.press("Enter")
        tab_to(page, "PNG image")
        with page.expect_download() as info:
            page.keyboard.press("Enter")
        png = Path(info.value.path()).read_bytes()
        assert png.startswith(b"\x89PNG") and struct.unpack(">I", png[16:20])[0] == 1920
        page.keyboard.press("Escape")

        # The presenter view: a switch, pressed with Space.
        tab_to(page, "Presenter view")
        page.keyboard.press("Space")
        playwright.expect(page).to_have_url(re.compile(r"view=presenter"), timeout=30_000)
        idle(page)
        main = page.get_by_test_id("stMainBlockContainer")
        playwright.expect(main.get_by_test_id("stGraphVizChart")).to_be_visible()

        # The walkthrough: its page link, then Next with Enter and the arrow keys.
        tab_to(page, "Walkthrough")
        page.keyboard.press("Enter")
        playwright.expect(page.get_by_text("Turn 0 of 4", exact=True)).to_be_visible(timeout=30_000)
        idle(page)
        tab_to(page, "Next")
        page.keyboard.press("Enter")
        playwright.expect(page.get_by_text("Turn 1 of 4", exact=True)).to_be_visible()
        idle(page)
        page.keyboard.press("ArrowRight")
        playwright.expect(page.get_by_text("Turn 2 of 4", exact=True)).to_be_visible()
        idle(page)
        playwright.expect(page.get_by_test_id("stChatMessage")).to_have_count(4)
        assert active_svg_node(page) == "resolution_specialist"

        assert page.evaluate("window.__pointer") == 0  # no mouse, not once
        page.close()
