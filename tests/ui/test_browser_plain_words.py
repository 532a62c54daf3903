"""Plain words on the Prompts and Threads pages, as Chromium draws them: placeholders
explained, a prompt that stops naming a tool held back, two versions side by side with the
changed words coloured, and where conversations are kept said in words."""

import pytest
from playwright import sync_api as playwright

from support_agent.workflows.support import SUPPORT
from tests.browser import idle, offline_env, streamlit_server

WARRANTY_COLLECTOR_PROMPT = SUPPORT.step("warranty_collector").prompt

pytestmark = pytest.mark.browser
expect = playwright.expect

NAMED = "Use record_warranty_status to record their response"
WITHOUT = WARRANTY_COLLECTOR_PROMPT.replace(NAMED, "Note their response")

# The colour behind a piece of text, from the nearest element that has one.
BACKGROUND_JS = """
(node) => {
  for (let el = node; el; el = el.parentElement) {
    const colour = getComputedStyle(el).backgroundColor;
    if (colour && colour !== 'rgba(0, 0, 0, 0)' && colour !== 'transparent') return colour;
  }
  return '';
}
"""


def test_prompts_page_speaks_plainly(browser, tmp_path):
    with streamlit_server(offline_env(tmp_path)) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto(f"{url}/prompts")
        main = page.get_by_test_id("stMain")
        expect(main.get_by_role("heading", name="Prompts", exact=True)).to_be_visible(
            timeout=60_000
        )
        idle(page)

        # Placeholders, explained where the prompt is edited.
        page.get_by_text("Placeholders it may use").click()
        expect(main.get_by_text("Which message of the customer this is")).to_be_visible()
        expect(main.get_by_text("replaced by that value of")).to_be_visible()

        # A save that stops naming a tool is held back, the tool named, before anything is kept.
        template = page.get_by_role("textbox", name="Template")
        template.fill(WITHOUT)
        page.get_by_role("button", name="Save as new version").click()
        held = main.get_by_test_id("stAlert").filter(has_text="Not saved yet.")
        expect(held).to_contain_text("no longer mentions record_warranty_status", timeout=30_000)
        expect(held).to_contain_text("may stop using it")
        expect(main.get_by_text("No saved versions yet")).to_be_visible()
        page.get_by_role("button", name="Save anyway").click()
        expect(main.get_by_test_id("stAlert").filter(has_text="Saved v1")).to_be_visible(
            timeout=30_000
        )
        idle(page)

        # Compare (Default against the editor): side by side, changed words coloured.
        compare = main.get_by_text("marked red", exact=False)
        compare.scroll_into_view_if_needed()
        expect(main.get_by_text("@@")).to_have_count(0)
        removed = main.get_by_text("record_warranty_status to record", exact=False).last
        added = main.get_by_text("Note", exact=True).last
        expect(removed).to_be_visible()
        expect(added).to_be_visible()
        red, green = removed.evaluate(BACKGROUND_JS), added.evaluate(BACKGROUND_JS)
        assert red and green and red != green, (red, green)
        left, right = removed.bounding_box(), added.bounding_box()
        assert right["x"] > left["x"] + 100 and abs(right["y"] - left["y"]) < 40  # side by side
        page.screenshot(path=str(tmp_path / "prompts.png"), full_page=True)


def test_threads_page_says_where_in_words(browser, tmp_path):
    with streamlit_server(offline_env(tmp_path)) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto(f"{url}/threads")
        main = page.get_by_test_id("stMain")
        expect(main.get_by_text("Saved on this computer.")).to_be_visible(timeout=60_000)
        expect(main.get_by_text("sqlite:")).to_have_count(0)
        details = main.get_by_test_id("stExpander").filter(has_text="Engineer details")
        details.locator("summary").click()
        expect(details.get_by_test_id("stCode")).to_contain_text(f"SQLite file {tmp_path}")
