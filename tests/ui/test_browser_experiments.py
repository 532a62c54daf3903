"""The Experiments page in headless Chromium: the offline model against a loopback server,
two scenarios, the summary and the rows side by side."""

import os
import re

import pytest
from playwright import sync_api as playwright

from support_agent.features.scenarios import load_paths
from support_agent.workflows import WORKFLOWS
from tests.browser import ROOT, free_port, idle, offline_env, streamlit_server
from tests.openai_stub import OpenAIStub

pytestmark = pytest.mark.browser

SCENARIOS = load_paths([ROOT / "scenarios"])
TUTORIAL = "Tutorial — cracked screen under warranty"
HUMAN = "Customer asks for a person"
REPAIR = "https://support.example.com/repair"


def run_button(page, count: int):
    label = f"Run {count} scenario{'s' if count != 1 else ''} on A and B"
    return page.get_by_role("button", name=label, exact=False)


def test_offline_against_a_server_in_a_real_browser(browser, tmp_path):  # noqa: F811
    env = offline_env(tmp_path, SUPPORT_AGENT_MAX_RETRIES="0")
    expect = playwright.expect
    with OpenAIStub("prompted") as stub, streamlit_server(env) as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{url}/experiments")
        main = page.get_by_test_id("stMain")
        expect(main.get_by_role("heading", name="Experiments", exact=True)).to_be_visible(
            timeout=60_000
        )
        idle(page)

        base_url = page.get_by_label("B: base URL")
        base_url.fill(stub.url)
        base_url.press("Enter")
        idle(page)

        # Each click waits for the Run button to count the new choice: a click made while
        # the page still runs the previous one would be lost.
        page.get_by_text("Choose scenarios").click()
        left = len(SCENARIOS)
        for workflow in WORKFLOWS:  # the picker's columns, in the same order
            clear = page.get_by_role("button", name=re.compile(r"^\W*Clear$"))  # not "Unclear…"
            clear.nth(list(WORKFLOWS).index(workflow)).click()
            left -= sum(s.workflow == workflow for s in SCENARIOS)
            expect(run_button(page, left)).to_be_visible(timeout=30_000)
        for count, name in enumerate((TUTORIAL, HUMAN), start=1):
            page.get_by_test_id("stCheckbox").filter(has_text=name).locator("label").click()
            expect(run_button(page, count)).to_be_visible(timeout=30_000)
        idle(page)
        run_button(page, 2).click()

        summary = main.get_by_test_id("stAlert").filter(has_text="passes")
        expect(summary).to_contain_text(
            "offline demo model passes 2 of 2; openai:local-model passes 1 of 2",
            timeout=60_000,
        )
        assert stub.requests, "B's replies came from the loopback server"

        # The side-by-side rows: one per scenario, A and B in their own columns.
        table = main.get_by_test_id("stDataFrame")
        expect(table).to_be_visible()
        # The grid draws on a canvas; its cells are also in an offscreen table for screen readers.
        rows = [
            [HUMAN, "support", "✅ passes", "❌ fails", "B fails where A passes; 3 replies differ"],
            [TUTORIAL, "support", "✅ passes", "✅ passes", "4 replies differ"],
        ]
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                expect(table.get_by_test_id(f"glide-cell-{c}-{r}")).to_have_text(text)
        expect(table.locator('td[role="gridcell"]')).to_have_count(10)  # two rows, no more

        # The differing scenario opens on both paths, drawn side by side.
        differing = main.get_by_test_id("stExpander").filter(has_text="B fails where A passes")
        differing.get_by_text("B fails where A passes").click()
        charts = differing.get_by_test_id("stGraphVizChart")
        expect(charts).to_have_count(2)
        expect(charts.first.locator("svg g.node").first).to_be_visible(timeout=30_000)
        left, right = (charts.nth(i).bounding_box() for i in range(2))
        assert right["x"] > left["x"] + left["width"] - 1  # side by side, not stacked
        page.screenshot(
            path=str(os.environ.get("EXPERIMENTS_SHOT") or tmp_path / "experiments.png"),
            full_page=True,
        )

        # The offline model's replies carry a Markdown link: drawn as a link, not as its source.
        page.get_by_text("Also show the scenario that differs only in wording").click()
        idle(page)
        tutorial = main.get_by_test_id("stExpander").filter(has_text=f"{TUTORIAL} — ")
        tutorial.locator("summary").click()
        link = tutorial.locator(f'a[href="{REPAIR}"]').first
        expect(link).to_be_visible(timeout=30_000)
        expect(link).to_have_text("support.example.com/repair")
        expect(tutorial).not_to_contain_text("](")
        expect(tutorial).not_to_contain_text("\\.")


def test_a_server_that_is_not_running_stops_the_run_in_plain_words(browser, tmp_path):
    env = offline_env(tmp_path, SUPPORT_AGENT_MAX_RETRIES="0")
    expect = playwright.expect
    with streamlit_server(env) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto(f"{url}/experiments")
        main = page.get_by_test_id("stMain")
        expect(main.get_by_role("heading", name="Experiments", exact=True)).to_be_visible(
            timeout=60_000
        )
        idle(page)
        base_url = page.get_by_label("B: base URL")
        base_url.fill(f"http://127.0.0.1:{free_port()}/v1")  # nothing listens there
        base_url.press("Enter")
        idle(page)
        page.get_by_role("button", name=re.compile(r"^\W*Run \d+ scenarios? on A and B")).click()

        error = main.get_by_test_id("stAlert").filter(has_text="Nothing was run")
        expect(error).to_contain_text("nothing was kept", timeout=60_000)
        expect(error).to_contain_text(
            "B (openai:local-model) can't be used: The model provider could not be reached"
        )
        expect(error).to_contain_text("Check that the server is running")
        expect(error).not_to_contain_text("Retry")
        expect(error).not_to_contain_text("Your message")
        idle(page)
        expect(main.get_by_role("heading", name="Results")).to_have_count(0)
        expect(main.get_by_text("No experiments kept yet.")).to_be_visible()


def test_a_visitor_is_not_offered_a_run_on_a_server_they_cannot_use(browser, tmp_path):
    """No server is set up and visitors may not type one: B's server says so, and Run is
    not offered until B is a model the visitor can use."""
    env = offline_env(tmp_path)
    expect = playwright.expect
    with streamlit_server(env, address="0.0.0.0") as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{url}/experiments")
        main = page.get_by_test_id("stMain")
        expect(main.get_by_text("nor allowed visitors to choose one")).to_be_visible(timeout=60_000)
        idle(page)
        expect(run_button(page, len(SCENARIOS))).to_be_disabled()
        expect(main.get_by_test_id("stAlert")).to_have_count(0)  # nothing run, nothing failed
