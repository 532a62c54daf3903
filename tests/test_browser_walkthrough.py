"""Walkthrough mode in headless Chromium: a conversation replayed turn by turn.

At 1280x720 and 1920x1080, on the shipped tutorial scenario: Next adds one
turn to the chat and moves the diagram, Back takes it away, the arrow keys do
the same, and "Download diagram" gives a real SVG and a 1920 px wide PNG. A
saved conversation replays the same way, its own words in the chat.
"""

import re
import shutil
import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from playwright import sync_api as playwright

from tests.browser import (
    ROOT,
    active_svg_node,
    customer_texts,
    idle,
    open_chat,
    refresh_screenshot,
    say,
    streamlit_server,
)
from tests.helpers import TUTORIAL

pytestmark = pytest.mark.browser

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def shown_turn(page, turn: int, of: int) -> None:
    """The walkthrough says it shows `turn`, and the chat holds exactly its turns."""
    playwright.expect(page.get_by_text(f"Turn {turn} of {of}", exact=True)).to_be_visible(
        timeout=30_000
    )
    idle(page)
    playwright.expect(page.get_by_test_id("stChatMessage")).to_have_count(2 * turn)


def just_moved(page) -> str:
    """The tool of the move drawn as the one just made ("" when the turn made none)."""
    edge = page.get_by_test_id("stGraphVizChart").locator("svg g.edge.just-moved")
    if edge.count() == 0:
        return ""
    return re.search(r"tool: (\w+)", edge.first.inner_html()).group(1)


def open_walkthrough(page, url: str) -> None:
    page.goto(f"{url}/walkthrough")
    shown_turn(page, 0, 4)  # the tutorial scenario, before its first message


def download(page, label: str) -> bytes:
    page.get_by_role("button", name=re.compile("Download diagram")).click()
    with page.expect_download() as info:
        page.get_by_role("button", name=re.compile(label)).click()
    path = info.value.path()
    page.keyboard.press("Escape")  # the popover closes
    return Path(path).read_bytes()


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (1920, 1080)])
def test_next_back_and_the_arrow_keys_step_through_the_tutorial(browser, tmp_path, width, height):
    env = {"HANDOFF_DB_URL": f"sqlite:///{tmp_path / 'walk.db'}", "SUPPORT_AGENT_MODEL": "offline"}
    with streamlit_server(env) as url:
        page = browser.new_page(viewport={"width": width, "height": height})
        open_walkthrough(page, url)
        # The screen is the replay's: the sidebar starts closed, the machine beside the chat.
        assert page.get_by_test_id("stSidebar").bounding_box()["width"] == 0
        assert active_svg_node(page) == "warranty_collector"
        next_button = page.get_by_role("button", name=re.compile("^Next"))
        back_button = page.get_by_role("button", name=re.compile("^Back"))
        playwright.expect(back_button).to_be_disabled()

        # Next: one more turn in the chat, and the diagram shows where that turn left us.
        next_button.click()
        shown_turn(page, 1, 4)
        assert customer_texts(page) == TUTORIAL[:1]
        assert active_svg_node(page) == "warranty_collector" and just_moved(page) == ""
        next_button.click()
        shown_turn(page, 2, 4)
        assert customer_texts(page) == TUTORIAL[:2]
        assert active_svg_node(page) == "resolution_specialist"
        assert just_moved(page) == "record_issue_type"  # the turn's move, drawn thick
        main = page.get_by_test_id("stMainBlockContainer")
        playwright.expect(main).to_contain_text("new this turn")  # the facts it recorded

        # Back: the turn goes, the machine is where it was.
        back_button.click()
        shown_turn(page, 1, 4)
        assert active_svg_node(page) == "warranty_collector"

        # The arrow keys press the same buttons.
        page.keyboard.press("ArrowRight")
        shown_turn(page, 2, 4)
        assert active_svg_node(page) == "resolution_specialist"
        page.keyboard.press("ArrowLeft")
        shown_turn(page, 1, 4)
        assert active_svg_node(page) == "warranty_collector"
        for turn in (2, 3, 4):
            page.keyboard.press("ArrowRight")
            shown_turn(page, turn, 4)
        playwright.expect(next_button).to_be_disabled()
        page.keyboard.press("ArrowRight")  # at the end: nothing more to show
        shown_turn(page, 4, 4)
        assert customer_texts(page) == TUTORIAL

        # The diagram as a file for a slide: the state and path shown now.
        svg = ET.fromstring(download(page, "SVG"))
        assert svg.tag.endswith("svg")
        text = [t.text or "" for t in svg.iter() if t.tag.endswith("text")]
        assert text[text.index("▶ now") + 1] == "Resolution"  # the active step, marked
        png = download(page, "PNG")
        assert png.startswith(PNG_SIGNATURE)
        png_width, png_height = struct.unpack(">II", png[16:24])
        assert png_width == 1920 and 300 < png_height <= 1080

        # Nothing is cut or off screen: the whole machine and the controls are visible.
        box = page.get_by_test_id("stGraphVizChart").locator("svg").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width
        assert box["y"] >= 0 and box["y"] + box["height"] <= height
        for control in (back_button, next_button):
            playwright.expect(control).to_be_in_viewport()

        page.keyboard.press("ArrowLeft")
        shown_turn(page, 3, 4)
        page.keyboard.press("ArrowLeft")
        shown_turn(page, 2, 4)  # the moment the machine moves twice: the README's picture
        shot = tmp_path / f"walkthrough-{width}.png"
        page.screenshot(path=str(shot))
        assert shot.stat().st_size > 10_000
        if width == 1920 and refresh_screenshot():
            shutil.copy(shot, ROOT / "docs" / "walkthrough.png")
        page.close()


def test_a_saved_conversation_replays_in_its_own_words(browser, tmp_path):
    env = {"HANDOFF_DB_URL": f"sqlite:///{tmp_path / 'saved.db'}", "SUPPORT_AGENT_MODEL": "offline"}
    with streamlit_server(env) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        open_chat(page, url)
        for turn, text in enumerate(TUTORIAL[:3], start=1):
            say(page, text, turn)
        open_walkthrough(page, url)
        page.get_by_text("A saved conversation").click()
        shown_turn(page, 0, 3)
        # The arrow keys belong to a picker while it has the focus (it is not switched
        # by them); once Next has it, they step.
        page.keyboard.press("ArrowRight")
        playwright.expect(page.get_by_text("Turn 0 of 3", exact=True)).to_be_visible()
        page.get_by_role("button", name=re.compile("^Next")).click()
        shown_turn(page, 1, 3)
        assert customer_texts(page) == TUTORIAL[:1]
        page.keyboard.press("ArrowRight")
        shown_turn(page, 2, 3)
        assert active_svg_node(page) == "resolution_specialist"
        page.close()
