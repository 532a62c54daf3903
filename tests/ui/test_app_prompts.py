"""The Prompts page, driven with AppTest: save, validate, compare, activate, and chat with it."""

import pytest
from streamlit.testing.v1 import AppTest

from support_agent.features.app_store import open_store
from support_agent.ui import runtime
from support_agent.workflows.support import SUPPORT
from tests.helpers import TUTORIAL, SpyModel, customer_bubbles

WARRANTY_COLLECTOR_PROMPT = SUPPORT.step("warranty_collector").prompt

PROMPTS = "app_pages/prompts.py"
CHAT = "app_pages/chat.py"
WARRANTY = "warranty_collector"
TEXT = f"prompts.text.support.{WARRANTY}"
NAME = f"prompts.name.support.{WARRANTY}"


@pytest.fixture
def db_url(monkeypatch, tmp_path):
    # A file per test: each test starts with no saved versions.
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("HANDOFF_DB_URL", url)
    monkeypatch.delenv("SUPPORT_AGENT_MODEL", raising=False)
    return url


def saved_versions(url: str, key: str = WARRANTY, workflow: str = "support") -> list[str]:
    """The versions in the database, read the way another process would."""
    store = open_store(url)
    try:
        return [v.label for v in store.prompts.versions(workflow, key)]
    finally:
        store.close()


def prompts_page() -> AppTest:
    at = AppTest.from_file("../../app.py", default_timeout=60).run()
    at.switch_page(PROMPTS).run()
    assert not at.exception, at.exception
    return at


def click(at: AppTest, label: str) -> AppTest:
    buttons = [b for b in at.button if b.label == label]
    assert buttons, f"no button {label!r}: {[b.label for b in at.button]}"
    buttons[0].click().run()
    assert not at.exception, at.exception
    return at


def save(
    at: AppTest,
    text: str,
    name: str = "",
    note: str = "",
    key: str = WARRANTY,
    workflow="support",
    anyway: bool = True,
) -> AppTest:
    """Type and save; `anyway`: past the warning that the text stops naming a step's tool."""
    at.text_area(key=f"prompts.text.{workflow}.{key}").set_value(text)
    at.text_input(key=f"prompts.name.{workflow}.{key}").set_value(name)
    at.text_input(key=f"prompts.note.{workflow}.{key}").set_value(note)
    click(at, "Save as new version")
    if anyway and [b for b in at.button if b.label == "Save anyway"]:
        click(at, "Save anyway")
    return at


def versions_table(at: AppTest) -> list[dict]:
    frames = [f.value for f in at.main.dataframe if "Version" in f.value.columns]
    return frames[0].to_dict("records") if frames else []


def pick(label: str, option: str, at: AppTest):
    """Choose a selectbox option by the text shown."""
    box = next(s for s in at.main.selectbox if s.label == label)
    return box.select_index(box.options.index(option))


def active(at: AppTest) -> str:
    return next(m.value for m in at.main.markdown if m.value.startswith("Active: "))


def test_page_shows_the_template_its_placeholders_tools_and_the_offline_notice(db_url):
    at = prompts_page()
    assert at.title[0].value == "Prompts"
    assert any("ignores prompt edits" in i.value for i in at.info)
    assert at.text_area(key=TEXT).value == WARRANTY_COLLECTOR_PROMPT
    assert active(at) == "Active: **Default**"
    markdown = [m.value for m in at.main.markdown]
    allowed = "`{current_step}` `{issue_type}` `{turn}` `{warranty_status}`"
    (explained,) = [e for e in at.expander if e.label == f"Placeholders it may use: {allowed}"]
    said = "\n".join(m.value for m in explained.markdown)
    assert "replaced by that value of **this conversation**" in said
    assert "- `{turn}`: Which message of the customer this is" in said
    assert "- `{current_step}`: The step the conversation is at, by its name" in said
    assert (
        "- `{warranty_status}`: Warranty, once the agent has recorded it as `in_warranty` "
        "(In warranty) or `out_of_warranty` (Out of warranty); `unknown` until then."
    ) in said
    assert "Placeholders it uses: none" in markdown
    assert any("Tools: `record_warranty_status`" in m for m in markdown)
    tools = at.main.table[0].value
    assert list(tools["Tool"]) == ["`record_warranty_status`", "`escalate_to_human`"]
    assert list(tools["Active"]) == ["Default", "Default"]
    assert at.caption and any("No saved versions yet" in c.value for c in at.caption)

    at.selectbox(key="prompts.step.support").set_value("issue_classifier").run()
    assert "Placeholders it uses: `{warranty_status}`" in [m.value for m in at.main.markdown]

    at.selectbox(key="model.label").set_value("OpenAI").run()  # a real model reads prompts
    assert not any("ignores prompt edits" in i.value for i in at.info)


def test_save_activate_and_the_next_chat_turn_uses_it(db_url, monkeypatch):
    spy = SpyModel()
    monkeypatch.setattr(runtime, "get_model", lambda *args, **kwargs: spy)
    at = prompts_page()
    save(at, "EDITED: greet, then ask about the warranty. Turn {turn}.", "shorter", "try it")
    assert any("Saved **v1 · shorter**" in s.value for s in at.success)
    (row,) = versions_table(at)
    assert row["Saved"].endswith("UTC")
    assert {k: row[k] for k in ("Version", "Name", "Note", "Active")} == {
        "Version": "v1",
        "Name": "shorter",
        "Note": "try it",
        "Active": "",
    }
    assert at.text_input(key=NAME).value == ""  # cleared for the next save
    assert active(at) == "Active: **Default**"  # saving doesn't activate
    assert saved_versions(db_url) == ["v1 · shorter"]

    click(at, "Activate")
    assert versions_table(at)[0]["Active"] == "✅ active"
    assert active(at) == "Active: **v1 · shorter**"
    source = at.session_state["prompts.source"]
    assert source("support", WARRANTY) == "EDITED: greet, then ask about the warranty. Turn {turn}."

    at.switch_page(CHAT).run()
    in_use = "📝 Prompt for Warranty verification: **v1 · shorter**"
    assert in_use in [c.value for c in at.sidebar.caption]  # the tuner sees which one talks
    at.chat_input[0].set_value(TUTORIAL[0]).run()
    assert not at.exception, at.exception
    assert customer_bubbles(at) == [TUTORIAL[0]]
    assert spy.seen[-1]["system"] == "EDITED: greet, then ask about the warranty. Turn 1."

    at.switch_page(PROMPTS).run()
    click(at, "Use default")
    assert active(at) == "Active: **Default**"
    assert at.text_area(key=TEXT).value == WARRANTY_COLLECTOR_PROMPT
    at.switch_page(CHAT).run()
    at.chat_input[0].set_value("Hello?").run()
    assert spy.seen[-1]["system"] == WARRANTY_COLLECTOR_PROMPT
    assert not [c.value for c in at.sidebar.caption if "📝 Prompt for" in c.value]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Hi {customer_name}", "Unknown placeholder"),
        ("A { stray brace", "Stray brace"),
        ("Status {warranty_status.__class__}", "plain name"),
        ("First {facts[0]}", "plain name"),
        ("Status {warranty_status!r}", "format option"),
        ("   ", "can't be empty"),
    ],
)
def test_a_bad_template_shows_an_error_and_creates_no_version(db_url, text, words):
    at = prompts_page()
    save(at, text, "bad one")
    assert len(at.error) == 1
    message = at.error[0].value.replace("\\", "")  # shown escaped: the user's text is literal
    assert message.startswith("Not saved.") and words in message
    assert not at.success
    assert versions_table(at) == []
    assert saved_versions(db_url) == []
    assert at.text_area(key=TEXT).value == text  # the edit is kept, to be fixed


def compared(at: AppTest) -> list[tuple[str, str]]:
    """The Compare panel's side-by-side blocks: (left, right) Markdown of each."""
    values = [
        c.markdown[0].value
        for c in at.main.columns
        if len(c.markdown) == 1 and not c.selectbox and not c.button and not c.text_input
    ]
    values = [v for v in values if not v.startswith("**")]  # not an experiment's arm
    return list(zip(values[::2], values[1::2], strict=True))


def test_diff_between_two_versions_side_by_side_with_changed_words_marked(db_url):
    at = prompts_page()
    save(at, "Line one\nLine two", "first")
    save(at, "Line one\nLine 2, edited", "second")
    pick("From", "v1 · first", at)
    pick("To", "v2 · second", at).run()
    assert not at.main.code  # no unified diff, no "@@ -1,2 +1,2 @@"
    assert compared(at) == [
        (
            "Line one  \nLine :red-background[two]",
            "Line one  \nLine :green-background[2, edited]",
        )
    ]
    assert any("marked red" in c.value and "green" in c.value for c in at.main.caption)

    pick("From", "Default", at).run()
    (left, right), *_rest = compared(at)
    assert ":red-background[CURRENT STEP: Warranty verification]" in left
    assert ":green-background[Line one]" in right

    pick("To", "Default", at).run()
    assert not compared(at)
    assert any(c.value == "No differences." for c in at.caption)


def test_a_compared_template_is_shown_literally(db_url):
    at = prompts_page()
    save(at, "Greet. <b>hi</b> ![x](http://evil.example/p.png) {turn}", "odd")
    pick("From", "Default", at)
    pick("To", "v1 · odd", at).run()
    shown = " ".join(right for _left, right in compared(at))
    assert "\\<b\\>hi\\</b\\>" in shown and "\\!\\[x\\]" in shown
    assert "<b>" not in shown.replace("\\<b\\>", "")


def test_tool_descriptions_are_edited_the_same_way(db_url):
    at = prompts_page()
    key = "tool:record_warranty_status"
    at.radio(key=f"prompts.target.support.{WARRANTY}").set_value(key).run()
    assert any(s.startswith("Description of `record_warranty_status`") for s in _subheaders(at))
    save(at, "Record {warranty_status}.", key=key)
    assert "can't have placeholders" in at.error[0].value
    assert saved_versions(db_url, key) == []

    save(at, 'Record the status, e.g. {{"status": "in_warranty"}}.', "braces", key=key)
    click(at, "Activate")
    active_tools = at.main.table[0].value["Active"].tolist()
    assert active_tools == ["v1 · braces", "Default"]  # the step's tools
    source = at.session_state["prompts.source"]
    assert source("support", key) == 'Record the status, e.g. {"status": "in_warranty"}.'


def test_handoffs_agents_and_a_version_name_shown_literally(db_url):
    at = prompts_page()
    at.selectbox(key="prompts.workflow").set_value("handoffs").run()
    agent = at.selectbox(key="prompts.step.handoffs")
    assert agent.label == "Agent" and agent.options == ["Sales agent", "Support agent"]
    tricky = "**bold** <b>html</b> [link](http://x)"
    save(at, "Sell politely. Turn {turn}.", tricky, key="sales_agent", workflow="handoffs")
    click(at, "Activate")
    assert (
        active(at)
        == "Active: **v1 · \\*\\*bold\\*\\* \\<b\\>html\\</b\\> \\[link\\]\\(http://x\\)**"
    )
    assert versions_table(at)[0]["Name"] == tricky
    assert saved_versions(db_url, "sales_agent", "handoffs") == [f"v1 · {tricky}"]


def test_the_sidebar_draws_only_the_facts_of_the_workflow_on_screen(db_url):
    at = prompts_page()
    sidebar = lambda: " ".join(m.value for m in at.sidebar.markdown)  # noqa: E731
    assert "**Warranty**: _not yet known_" in sidebar()
    at.selectbox(key="prompts.workflow").set_value("handoffs").run()
    # The handoffs graph records no facts: the chat's support facts must not stay behind.
    assert "Recorded facts" not in sidebar() and "Warranty" not in sidebar()
    assert "Editing the agent **Sales agent**" in sidebar()


def _subheaders(at: AppTest) -> list[str]:
    return [h.value for h in at.subheader]


def unsaved_notices(at: AppTest) -> list[str]:
    return [c.value for c in at.main.caption if "Unsaved changes" in c.value]


def test_after_a_save_the_editor_shows_the_saved_state_until_edited_again(db_url):
    at = prompts_page()
    assert not unsaved_notices(at)  # the editor holds the active (default) text

    at.text_area(key=TEXT).set_value("Greet, then ask about the warranty.").run()
    assert len(unsaved_notices(at)) == 1

    click(at, "Save as new version")
    click(at, "Save anyway")  # it no longer names the step's tools
    assert any("Saved **v1**" in s.value for s in at.success)
    assert not unsaved_notices(at)  # saved: nothing left unsaved
    at.run()  # the confirmation is shown once; the saved state stays
    assert not unsaved_notices(at)
    assert active(at) == "Active: **Default**"  # saving doesn't activate
    assert any("shows **v1**, saved but not active" in c.value for c in at.main.caption)

    at.text_area(key=TEXT).set_value("Greet warmly, then ask about the warranty.").run()
    assert len(unsaved_notices(at)) == 1  # edited again: the notice is back

    click(at, "Load into editor")  # back to the saved text: nothing unsaved
    assert at.text_area(key=TEXT).value == "Greet, then ask about the warranty."
    assert not unsaved_notices(at)
    click(at, "Activate")
    assert not unsaved_notices(at)
    assert not any("saved but not active" in c.value for c in at.main.caption)

    at.text_area(key=TEXT).set_value(WARRANTY_COLLECTOR_PROMPT).run()
    assert not unsaved_notices(at)  # the default's text is not an unsaved change
    assert any("shows the default text" in c.value for c in at.main.caption)


def test_a_prompt_that_stops_naming_a_tool_is_held_back_with_the_tool_named(db_url):
    at = prompts_page()
    without = WARRANTY_COLLECTOR_PROMPT.replace(
        "Use record_warranty_status to record their response", "Note their response"
    )
    at.text_area(key=TEXT).set_value(without).run()
    (live,) = [w.value for w in at.warning if "no longer mentions" in w.value]
    assert "`record_warranty_status`" in live and "may stop using it" in live
    assert "escalate_to_human" not in live  # still named

    save(at, without, "no tool", anyway=False)
    assert saved_versions(db_url) == []  # not saved: asked first
    (held,) = [w.value for w in at.warning if w.value.startswith("**Not saved yet.**")]
    assert "`record_warranty_status`" in held
    click(at, "Save anyway")
    assert saved_versions(db_url) == ["v1 · no tool"]
    assert not [b for b in at.button if b.label == "Save anyway"]

    # A text that still names every tool saves at once, with no warning.
    save(at, WARRANTY_COLLECTOR_PROMPT + "\nBe brief.", "brief", anyway=False)
    assert saved_versions(db_url) == ["v1 · no tool", "v2 · brief"]
    assert not [w for w in at.warning if "no longer mentions" in w.value]
