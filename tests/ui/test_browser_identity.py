"""Who a browser is, checked with real browsers: visitors keep their own, strangers are refused.

The app is served as the README's open server (`--server.address 0.0.0.0`):
every browser is its own visitor, known by the token in Streamlit's XSRF cookie.
"""

import re

import pytest
from playwright import sync_api as playwright

from tests.browser import CHROMIUM, CHROMIUM_ARGS, customer_texts, open_chat, say, streamlit_server
from tests.raw_session import one_run

expect = playwright.expect
pytestmark = pytest.mark.browser

READ_ONLY = "started by someone else"
REFUSED = "answers only when opened as localhost"


def thread_titles(page, url: str) -> str:
    page.goto(f"{url}/threads")
    expect(page.get_by_text("Threads", exact=False).first).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("stApp")).to_have_attribute(
        "data-test-script-state", "notRunning", timeout=30_000
    )
    return page.get_by_test_id("stMain").inner_text()


def test_a_visitor_keeps_their_conversations_across_reloads_and_tabs_and_no_one_else_sees_them(
    browser,  # noqa: F811
    tmp_path,
):
    env = {"HANDOFF_DB_URL": f"sqlite:///{tmp_path / 'open.db'}", "SUPPORT_AGENT_MODEL": "offline"}
    with streamlit_server(env, address="0.0.0.0") as url:
        alice = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = alice.new_page()
        open_chat(page, url)
        say(page, "My battery is swollen", 1)
        say(page, "I want to talk to a human", 2)  # a hand-over: a ticket of hers
        expect(page).to_have_url(re.compile(r"\?thread=[\w-]{22,}"), timeout=30_000)
        link = page.url
        expect(page.get_by_test_id("stChatMessage").last).to_contain_text("T-1001")

        page.reload()  # F5 on her own link: Streamlit masks her cookie afresh
        expect(page.get_by_test_id("stChatInputTextArea")).to_be_enabled(timeout=60_000)
        expect(page.get_by_text(READ_ONLY)).to_have_count(0)
        assert customer_texts(page)[:1] == ["My battery is swollen"]

        second_tab = alice.new_page()  # her link in a new tab of the same browser
        open_chat(second_tab, link)
        expect(second_tab.get_by_test_id("stChatInputTextArea")).to_be_enabled()
        expect(second_tab.get_by_text(READ_ONLY)).to_have_count(0)
        assert "Battery is swollen" in thread_titles(second_tab, url)
        second_tab.goto(f"{url}/tickets")
        expect(second_tab.get_by_test_id("stMain")).to_contain_text("T-1001", timeout=60_000)

        bob = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        open_chat(bob, link)  # her link, in another browser
        expect(bob.get_by_text(READ_ONLY)).to_be_visible(timeout=30_000)
        expect(bob.get_by_test_id("stChatInputTextArea")).to_be_disabled()
        assert "Battery is swollen" not in thread_titles(bob, url)
        bob.goto(f"{url}/tickets")
        expect(bob.get_by_test_id("stApp")).to_have_attribute(
            "data-test-script-state", "notRunning", timeout=60_000
        )
        expect(bob.get_by_test_id("stMain")).not_to_contain_text("T-1001")

        # Her cookie with one digit of its token changed is somebody new.
        (xsrf,) = [c for c in alice.cookies() if c["name"] == "_streamlit_xsrf"]
        version, mask, masked, stamp = xsrf["value"].split("|")
        masked = masked[:-1] + ("0" if masked[-1] != "0" else "1")
        forged = browser.new_context(viewport={"width": 1400, "height": 1000})
        forged.add_cookies([{**xsrf, "value": f"{version}|{mask}|{masked}|{stamp}"}])
        mallory = forged.new_page()
        open_chat(mallory, link)
        expect(mallory.get_by_text(READ_ONLY)).to_be_visible(timeout=30_000)
        expect(mallory.get_by_test_id("stChatInputTextArea")).to_be_disabled()


@pytest.fixture
def rebinding_browser():
    """Chromium that resolves evil.example to this machine, as DNS rebinding makes it."""
    with playwright.sync_playwright() as p:
        args = [*CHROMIUM_ARGS, "--host-resolver-rules=MAP evil.example 127.0.0.1"]
        browser = p.chromium.launch(executable_path=CHROMIUM, args=args, headless=True)
        yield browser
        browser.close()


def test_a_foreign_host_name_on_this_machine_is_refused_not_the_operator(
    rebinding_browser, tmp_path
):
    env = {"HANDOFF_DB_URL": f"sqlite:///{tmp_path / 'local.db'}", "SUPPORT_AGENT_MODEL": "offline"}
    with streamlit_server(env) as url:  # the default: this machine only
        port = url.rsplit(":", 1)[1]
        page = rebinding_browser.new_page()
        open_chat(page, f"http://localhost:{port}")  # the operator's own name works
        say(page, "I want to talk to a human", 1)  # a ticket the operator may read
        expect(page.get_by_test_id("stChatMessage").last).to_contain_text("T-1001")

        stranger = rebinding_browser.new_page()
        for path in ("", "/tickets"):
            stranger.goto(f"http://evil.example:{port}{path}")
            expect(stranger.get_by_text(REFUSED)).to_be_visible(timeout=60_000)
            expect(stranger.get_by_test_id("stChatInputTextArea")).to_have_count(0)
            expect(stranger.get_by_test_id("stMain")).not_to_contain_text("T-1001")

        # The same with a bare websocket handshake naming a foreign host.
        assert REFUSED in one_run(url, "evil.example")
        assert "chat_input" not in one_run(url, "evil.example")
        own = one_run(url, "localhost")
        assert REFUSED not in own and "chat_input" in own
