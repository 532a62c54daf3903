"""The presenter view fills the screen, measured in headless Chromium.

At 1280x720, 1920x1080 and 2560x1440, after a conversation that moved the
machine and handed the customer over to a person, and after a reload: the page
opens at the top and never scrolls; "Now at", the facts and the latest moves
are on screen between the header and the chat input; the diagram fills the
width beside the chat with labels large enough for the room; no control's
label is cut short; and the Person node is lit with the ticket's id.
"""

import pytest
from playwright import sync_api as playwright

from tests.browser import diagram_metrics, idle, open_chat, say, streamlit_server
from tests.helpers import TUTORIAL

pytestmark = pytest.mark.browser

ASKS_FOR_A_PERSON = "I want to talk to a real person please"
# Smallest node label, in px, by screen height: what a room can read at that size.
LEGIBLE = {720: 14, 1080: 20, 1440: 20}

# Where each thing the audience needs is, and what could hide it or cut it short.
LAYOUT_JS = """
() => {
  const main = document.querySelector('[data-testid="stMainBlockContainer"]');
  const box = (e) => { const r = e.getBoundingClientRect();
                       return {top: r.top, bottom: r.bottom, left: r.left, right: r.right}; };
  const blocks = [...main.querySelectorAll('[data-testid="stMarkdownContainer"]')];
  const block = (test) => { const found = blocks.find(test); return found ? box(found) : null; };
  const chart = main.querySelector('[data-testid="stGraphVizChart"]');
  const column = chart.closest('[data-testid="stColumn"]');
  // A label is cut short when its text is wider than the box that shows it.
  const cut = [...document.querySelectorAll('button, [data-testid="stPopover"] button')]
    .filter((b) => b.offsetParent !== null && b.innerText.trim())
    .filter((b) => [b, ...b.querySelectorAll('*')].some(
        // Only a box that hides what overflows it cuts (an emoji spilling a pixel doesn't).
        (e) => e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1
               && (e === b || getComputedStyle(e).overflowX !== 'visible')))
    .map((b) => b.innerText.trim());
  // Anything scrolled, but the chat's own box (which scrolls to its latest message).
  const scrolled = [...document.querySelectorAll('*')]
    .filter((e) => e.scrollTop > 0 && !e.closest('.st-key-presenter-chat'))
    .map((e) => e.getAttribute('data-testid') || e.tagName);
  const page = document.querySelector('[data-testid="stMain"]') || document.querySelector('.stMain');
  return {
    header: box(document.querySelector('[data-testid="stHeader"]')).bottom,
    input: box(document.querySelector('[data-testid="stBottom"]')).top,
    nowAt: block((e) => e.innerText.startsWith('Now at')),
    facts: block((e) => e.innerText.startsWith('Recorded facts')),
    moves: block((e) => e.innerText.includes('→') && e.innerText.startsWith('Turn ')
                        && column.contains(e)),
    chart: box(chart.querySelector('svg')),
    column: box(column),
    chatBox: box(document.querySelector('.st-key-presenter-chat')),
    cut, scrolled,
    pageScrolls: page.scrollHeight > page.clientHeight + 1,
  };
}
"""


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (1920, 1080), (2560, 1440)])
def test_the_presenter_view_fills_the_screen_and_shows_the_hand_over(
    browser, tmp_path, width, height
):
    env = {"HANDOFF_DB_URL": f"sqlite:///{tmp_path / 'room.db'}", "SUPPORT_AGENT_MODEL": "offline"}
    with streamlit_server(env) as url:
        page = browser.new_page(viewport={"width": width, "height": height})
        open_chat(page, f"{url}/?view=presenter")
        for turn, text in enumerate([*TUTORIAL[:3], ASKS_FOR_A_PERSON], start=1):
            say(page, text, turn)
        page.goto(page.url)  # a reload, as at the start of a talk
        idle(page)
        chart = page.get_by_test_id("stMainBlockContainer").get_by_test_id("stGraphVizChart")
        # The hand-over: the Person node lit with its ticket, an edge from Resolution.
        person = chart.locator("g.node.person.handed-over")
        playwright.expect(person).to_contain_text("T-1001", timeout=30_000)
        playwright.expect(chart.locator("g.edge.handover")).to_have_count(1)

        drawn = diagram_metrics(page, "stMainBlockContainer")
        laid = page.evaluate(LAYOUT_JS)
        seen = f"{width}x{height}: {drawn} {laid}"
        # Large enough to read from the back of the room, and larger on a larger screen.
        assert drawn["node"] >= LEGIBLE[height] and drawn["edge"] >= LEGIBLE[height] - 2, seen
        # The diagram takes the width of its column beside the chat.
        assert laid["chart"]["right"] - laid["chart"]["left"] >= 0.95 * (
            laid["column"]["right"] - laid["column"]["left"]
        ), seen
        # Opened at the top, and nothing to scroll to: all of it is on screen.
        assert laid["scrolled"] == [] and not laid["pageScrolls"], seen
        for part in ("nowAt", "chart", "facts", "moves"):
            found = laid[part]
            assert found is not None, f"{part} missing: {seen}"
            assert found["top"] >= laid["header"] - 1 and found["bottom"] <= laid["input"], (
                f"{part} off screen: {seen}"
            )
            assert found["left"] >= 0 and found["right"] <= width, f"{part}: {seen}"
        # The latest moves, the hand-over first, are there to read.
        moves = chart.page.get_by_test_id("stMainBlockContainer").get_by_text("🙋")
        playwright.expect(moves.first).to_be_visible()
        # The chat's box reaches down to the message box: no blank band between them.
        gap = laid["input"] - laid["chatBox"]["bottom"]
        assert 0 <= gap <= 48, f"{gap:.0f} px between the chat and its input: {seen}"
        # No control's label is cut short ("Rewi…", "Open tic…").
        assert laid["cut"] == [], seen
        page.screenshot(path=str(tmp_path / f"presenter-{width}.png"))
        page.close()
