"""The Prompts page in headless Chromium, as a prompt tuner reads it."""

import pytest
from playwright.sync_api import expect

from support_agent.features.app_store import open_store
from support_agent.workflows import WORKFLOWS
from support_agent.workflows.human import escalate_to_human
from tests.browser import idle, offline_env, open_chat, streamlit_server

pytestmark = pytest.mark.browser


def open_prompts(browser, url: str):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{url}/prompts")
    main = page.get_by_test_id("stMain")
    expect(main.get_by_role("heading", name="Prompts", exact=True)).to_be_visible(timeout=60_000)
    idle(page)
    return page, main


def test_a_long_tool_description_is_shown_whole_and_wrapped(browser, tmp_path):
    """What the model reads about escalate_to_human runs to several lines (its arguments
    too): every line is on screen, inside the page's column, not cut at the first."""
    with streamlit_server(offline_env(tmp_path)) as url:
        page, main = open_prompts(browser, url)
        row = main.locator("tr").filter(has_text="escalate_to_human")
        expect(row).to_have_count(1)
        for line in escalate_to_human.description.splitlines():
            if line.strip():
                expect(row).to_contain_text(line.strip())
        last = row.get_by_text("correction of what they told you", exact=False)
        expect(last).to_be_visible()
        column = main.bounding_box()
        cell = row.locator("td").last.bounding_box()
        assert cell["x"] + cell["width"] <= column["x"] + column["width"], "no sideways scroll"
        # The lines stay lines, blank ones too: the arguments start below the summary.
        drawn = [line.strip() for line in row.locator("td").last.inner_text().splitlines()]
        assert drawn == [line.strip() for line in escalate_to_human.description.splitlines()]
        page.screenshot(path=str(tmp_path / "tools.png"), full_page=True)


def test_a_visitor_reads_the_prompt_in_use_but_cannot_change_it(browser, tmp_path):
    """The page tells a visitor "you can read them here": the step's prompt is on screen,
    line by line, with nothing to edit or save."""
    prompt = WORKFLOWS["support"].step("warranty_collector").prompt
    with streamlit_server(offline_env(tmp_path), address="0.0.0.0") as url:
        page, main = open_prompts(browser, url)
        expect(main.get_by_text("You can read them here")).to_be_visible()
        expect(main.get_by_role("heading", name="Prompt of Warranty verification")).to_be_visible()
        shown = main.get_by_test_id("stMarkdownContainer").filter(
            has_text="CURRENT STEP: Warranty verification"
        )
        expect(shown).to_have_count(1)
        for line in prompt.splitlines():
            if line.strip():
                expect(shown).to_contain_text(line.strip())
        drawn = [line.strip() for line in shown.inner_text().splitlines() if line.strip()]
        assert drawn == [line.strip() for line in prompt.splitlines() if line.strip()]
        sidebar = page.get_by_test_id("stSidebar")
        expect(sidebar).to_contain_text("Reading the step Warranty verification")
        expect(sidebar).not_to_contain_text("Editing")
        expect(main.get_by_role("textbox", name="Template")).to_have_count(0)
        expect(main.get_by_role("button", name="Save as new version")).to_have_count(0)
        page.screenshot(path=str(tmp_path / "visitor.png"), full_page=True)


def test_the_chat_names_the_saved_prompt_its_step_answers_with(browser, tmp_path):
    """A tuner activates a version, opens the chat: the sidebar says which prompt is in use;
    on the Prompts page, the handoffs graph shows none of the chat's support facts."""
    env = offline_env(tmp_path)
    store = open_store(env["HANDOFF_DB_URL"])
    text = WORKFLOWS["support"].step("warranty_collector").prompt + "\nKeep it short."
    saved = store.prompts.save("support", "warranty_collector", text, name="shorter")
    store.prompts.activate("support", "warranty_collector", saved.id)
    with streamlit_server(env) as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        open_chat(page, url)
        sidebar = page.get_by_test_id("stSidebar")
        expect(sidebar).to_contain_text("Prompt for Warranty verification: v1 · shorter")

        page.get_by_role("link", name="Prompts").click()
        main = page.get_by_test_id("stMain")
        expect(main.get_by_role("heading", name="Prompts", exact=True)).to_be_visible()
        idle(page)
        expect(sidebar).to_contain_text("Recorded facts")  # the support steps have facts
        main.get_by_test_id("stSelectbox").filter(has_text="Workflow to edit").click()
        page.get_by_role("option", name="Sales ↔ support handoffs").click()
        idle(page)
        expect(sidebar).to_contain_text("Editing the agent Sales agent")
        expect(sidebar).not_to_contain_text("Recorded facts")
        expect(sidebar).not_to_contain_text("Warranty")
