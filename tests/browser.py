"""Starting the real app and a real browser for end-to-end tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import expect

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
# Without these, Chromium keeps trying to reach Google's services, which this
# network refuses; as root it also needs --no-sandbox.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server(str):
    """The base URL of a running app server; `.process` is its process."""

    process: subprocess.Popen


@contextmanager
def streamlit_server(
    env: dict[str, str],
    port: int | None = None,
    script: str = "app.py",
    address: str = "127.0.0.1",
):
    """Run `streamlit run app.py` headless; yield its base URL once it serves.

    The URL is a `Server` (a str) whose `.process` a test may kill outright.
    `address="0.0.0.0"` serves it as the README's open server (every browser a
    visitor); the URL still points at loopback.
    """
    port = port or free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port),
         "--server.address", address, "--server.headless", "true"],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    try:
        # Streamlit prints its URL once the server listens: wait for that line.
        for line in process.stdout:
            if "URL:" in line:
                break
        else:
            raise RuntimeError(f"streamlit exited with {process.wait()}")
        server = Server(f"http://127.0.0.1:{port}")
        server.process = process
        yield server
    finally:
        if process.poll() is None:
            process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# How large the diagram's labels are as drawn: the text's computed font size
# (Streamlit's stylesheet sets it, not the DOT) times the drawing's scale on screen.
DIAGRAM_METRICS_JS = """
(chart) => {
  const svg = chart.querySelector('svg');
  const box = svg.getBoundingClientRect();
  const sizes = (selector) => [...svg.querySelectorAll(selector)].map(
      (t) => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a);
  return {
    node: Math.min(...sizes('g.node text')),
    edge: Math.min(...sizes('g.edge text')),
    top: box.top, bottom: box.bottom, left: box.left, right: box.right,
  };
}
"""


def diagram_metrics(page, where: str = "stSidebar") -> dict:
    """Smallest node and edge label in px, and where the drawn diagram sits."""
    chart = page.get_by_test_id(where).get_by_test_id("stGraphVizChart")
    chart.locator("svg g.node").first.wait_for(timeout=30_000)
    return chart.evaluate(DIAGRAM_METRICS_JS)


def idle(page) -> None:
    """Wait until Streamlit has finished running the script."""
    app = page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')
    expect(app).to_have_count(1, timeout=30_000)


def say(page, text: str, turn: int) -> None:
    idle(page)
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(text)
    box.press("Enter")
    # One customer bubble and one agent bubble per turn.
    expect(page.get_by_test_id("stChatMessage")).to_have_count(2 * turn, timeout=30_000)
    idle(page)


def pick_workflow(page, title: str) -> None:
    """Choose a workflow in the sidebar's picker (a new conversation's)."""
    idle(page)
    page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").first.click()
    page.get_by_role("option", name=title).click()
    idle(page)


def offline_env(tmp_path, **more: str) -> dict[str, str]:
    """A server on the offline model with a store of its own, whatever the machine's own
    model settings say."""
    return {
        "HANDOFF_DB_URL": f"sqlite:///{tmp_path / 'e2e.db'}",
        "SUPPORT_AGENT_MODEL": "offline",
        "SUPPORT_AGENT_BASE_URL": "",
        "OPENAI_API_KEY": "",
        **more,
    }


def approval_switch(page, workflow: str):
    """The sidebar's approval switch for one workflow.

    Found by its key, so the previous workflow's switch, still on screen while a rerun
    replaces it, is not matched too.
    """
    switch = page.locator(f".st-key-approvals-{workflow}").get_by_text("A person approves first")
    expect(switch).to_have_count(1, timeout=30_000)
    return switch


def open_chat(page, url: str) -> None:
    page.goto(url)
    expect(page.get_by_test_id("stChatInputTextArea")).to_be_visible(timeout=60_000)


def active_svg_node(page) -> str:
    chart = page.get_by_test_id("stGraphVizChart").locator("svg")
    expect(chart).to_be_visible(timeout=30_000)
    filled = chart.locator("g.node").filter(
        has=page.locator('path[fill="#2563eb"], polygon[fill="#2563eb"]')
    )
    expect(filled).to_have_count(1, timeout=30_000)
    return filled.locator("title").text_content().strip()


def active_node_in(page, where: str = "stSidebar"):
    """The node `where`'s diagram fills in the active colour; its <title> is the step's
    name (`expect(...locator("title")).to_have_text(...)` waits for a redraw)."""
    chart = page.get_by_test_id(where).get_by_test_id("stGraphVizChart").locator("svg")
    return chart.locator("g.node").filter(
        has=page.locator('path[fill="#2563eb"], polygon[fill="#2563eb"]')
    )


def refresh_screenshot() -> bool:
    import os

    return os.environ.get("UPDATE_SCREENSHOT") == "1"


def customer_texts(page) -> list[str]:
    bubbles = page.get_by_test_id("stChatMessage").filter(
        has=page.get_by_test_id("stChatMessageAvatarUser")
    )
    # The first Markdown block is the message; the guardrails' badges follow it.
    return [
        b.get_by_test_id("stMarkdownContainer").first.inner_text().strip() for b in bubbles.all()
    ]


# What has the keyboard's focus: its test id, accessible label, role, tag and own text;
# "" unless it is a control (a scrolling box can take the focus too, with a page of text).
FOCUSED_JS = """
() => {
  const e = document.activeElement;
  if (!e || e === document.body) return '';
  const controls = ['BUTTON', 'A', 'INPUT', 'TEXTAREA', 'SELECT'];
  const roles = ['button', 'switch', 'link', 'checkbox', 'radio', 'combobox', 'tab', 'menuitem'];
  if (!controls.includes(e.tagName) && !roles.includes(e.getAttribute('role'))) return '';
  return [e.getAttribute('data-testid') || '', e.getAttribute('aria-label') || '',
          e.getAttribute('role') || '', e.tagName,
          (e.innerText || e.value || '').trim().slice(0, 80)].join(' | ');
}
"""


def focused(page) -> str:
    return page.evaluate(FOCUSED_JS)


def tab_to(page, wanted: str, *, limit: int = 150, backwards: bool = False) -> str:
    """Press Tab (Shift+Tab with `backwards`) until the focused control's description
    (`FOCUSED_JS`) contains `wanted`; fail after `limit` presses, naming what was passed."""
    passed = []
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        now = focused(page)
        if wanted in now:
            return now
        passed.append(now)
    raise AssertionError(f"{wanted!r} never had the focus; Tab went through: {passed}")
