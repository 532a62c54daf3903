"""The Scenarios page and "Save as scenario" on the chat page (AppTest)."""

import json
import shutil
from pathlib import Path

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from support_agent.features.scenarios import load_scenario
from support_agent.ui import keys
from support_agent.workflows import WORKFLOWS
from tests.helpers import traversed

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "scenarios").glob("*.yaml"))
PAGE = "app_pages/scenarios.py"
TUTORIAL_NAME = "Tutorial — cracked screen under warranty"
BOX = "scenarios.pick."


@pytest.fixture(autouse=True)
def offline_in_memory(monkeypatch):
    monkeypatch.setenv("HANDOFF_DB_URL", "memory://")
    monkeypatch.setenv("HANDOFF_SCENARIOS_DIR", str(ROOT / "scenarios"))
    monkeypatch.delenv("SUPPORT_AGENT_MODEL", raising=False)
    monkeypatch.delenv("SUPPORT_AGENT_BASE_URL", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


def start() -> AppTest:
    at = AppTest.from_file("../../app.py", default_timeout=120).run()
    assert not at.exception, at.exception
    return at


def scenarios_page() -> AppTest:
    at = start()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def click(at: AppTest, prefix: str) -> AppTest:
    buttons = [b for b in at.button if b.label.startswith(prefix)]
    assert buttons, f"no button {prefix!r}: {[b.label for b in at.button]}"
    buttons[0].click().run()
    assert not at.exception, at.exception
    return at


def plain(markdown: str) -> str:
    """Text shown escaped (customer words, file names) as a person reads it."""
    return markdown.replace("\\", "")


def boxes(at: AppTest) -> list:
    """The picker's checkboxes, one per scenario."""
    return [c for c in at.checkbox if (c.key or "").startswith(BOX)]


def chosen(at: AppTest) -> list[str]:
    """The names of the scenarios the picker has ticked, in file order."""
    return [c.key.removeprefix(BOX) for c in boxes(at) if c.value]


def choose(at: AppTest, names: list[str]) -> AppTest:
    for box in boxes(at):
        box.set_value(box.key.removeprefix(BOX) in names)
    return at.run()


def summary(at: AppTest) -> str:
    (line,) = [
        m.value for m in at.main.markdown if "selected" in m.value or "No scenarios" in m.value
    ]
    return plain(line)


def column_widths(at: AppTest, index: int = 0) -> dict:
    """Each configured column's width (pixels) of a data frame."""
    config = json.loads(at.dataframe[index].proto.columns)
    return {name: c["width"] for name, c in config.items() if "width" in c}


def main_dot(at: AppTest) -> str:
    charts = at.main.get("graphviz_chart")
    assert len(charts) == 1
    return charts[0].proto.spec


# --- The Scenarios page --------------------------------------------------------------


def test_run_all_shows_every_scenario_passed_a_path_and_full_coverage():
    at = scenarios_page()
    assert at.title[0].value == "Scenarios"
    assert len(chosen(at)) == len(boxes(at)) == len(SHIPPED)  # all chosen by default
    assert summary(at).startswith(f"**All {len(SHIPPED)} scenarios selected**")
    assert not at.main.get("graphviz_chart")  # nothing run yet

    click(at, f"Run {len(SHIPPED)} scenarios")
    table = at.dataframe[0].value
    assert len(table) == len(SHIPPED)
    assert set(table["Result"]) == {"✅ passed"}
    assert "Reason" not in table.columns  # nothing failed: no empty column taking the room
    assert "Reason" not in column_widths(at)
    assert at.success[0].value.startswith(f"All {len(SHIPPED)} scenarios passed")

    assert "penwidth=3" in main_dot(at)  # the first scenario's path, drawn
    coverage = [s.value for s in at.success if "every step" in s.value]
    assert len(coverage) == len(WORKFLOWS)  # one line per workflow, each complete

    name = load_scenario(ROOT / "scenarios" / "support-correct-warranty.yaml").name
    at.selectbox(key="scenarios.show").set_value(name).run()
    dot = main_dot(at)
    assert "go_back_to_warranty" in traversed(dot)  # the correction, traversed
    assert "go_back_to_classification" not in traversed(dot)
    assert any("Warranty verification → Issue classification → Resolution → Warranty" in m.value
               for m in at.markdown)  # fmt: skip


def test_a_subset_reports_what_it_does_not_cover():
    at = scenarios_page()
    tutorial = load_scenario(ROOT / "scenarios" / "support-tutorial.yaml").name
    choose(at, [tutorial])
    assert summary(at).startswith(f"**1 of {len(SHIPPED)} scenarios selected**")
    click(at, "Run 1 scenario")
    assert len(at.dataframe[0].value) == 1
    (warning,) = [w.value for w in at.warning]
    assert "not reached by any of the 1 scenarios run" in warning
    assert "- transition resolution_specialist → warranty_collector via go_back_to_warranty" in (
        plain(warning)
    )
    assert "go_back_to_classification" in plain(warning)


def test_a_failing_scenario_shows_its_reasons(tmp_path, monkeypatch):
    data = yaml.safe_load((ROOT / "scenarios" / "support-software-fix.yaml").read_text())
    data["expect"]["final_step"] = "issue_classifier"
    del data["expect"]["path"]
    (tmp_path / "wrong.yaml").write_text(yaml.safe_dump(data))
    (tmp_path / "broken.yaml").write_text("name: [unclosed\n")
    monkeypatch.setenv("HANDOFF_SCENARIOS_DIR", str(tmp_path))

    at = scenarios_page()
    shown = plain(at.error[0].value)
    assert "- broken.yaml: not valid YAML (line 2, column 1)" in shown
    assert summary(at) == "**1 scenario, selected**"
    click(at, "Run 1 scenario")
    row = at.dataframe[0].value.iloc[0]
    assert row["Result"] == "❌ failed"
    reason = "expected final step Issue classification, got Resolution"
    assert row["Reason"] == reason
    assert column_widths(at)["Reason"] >= 200  # a failure's reason gets room
    (box,) = [e.value for e in at.error if e.value.startswith("1 of 1 scenarios failed")]
    assert f"- **{data['name']}**: {reason}" in plain(box)  # every reason, in full


def test_the_picker_sums_up_the_choice_and_picks_a_workflow_at_once():
    at = scenarios_page()
    per = {
        w.name: [p for p in SHIPPED if p.name.startswith(f"{w.name}-")] for w in WORKFLOWS.values()
    }
    assert sum(map(len, per.values())) == len(SHIPPED)

    def parts(cleared: str = "") -> str:
        return " · ".join(
            f"{w.title}: {0 if w.name == cleared else len(per[w.name])} of {len(per[w.name])}"
            for w in WORKFLOWS.values()
        )

    assert summary(at) == f"**All {len(SHIPPED)} scenarios selected** — {parts()}"
    click(at, "Clear")  # the first workflow's: Customer support
    left = len(SHIPPED) - len(per["support"])
    assert summary(at) == f"**{left} of {len(SHIPPED)} scenarios selected** — {parts('support')}"
    assert [b.label for b in at.button if b.label.startswith("Run")] == [f"Run {left} scenarios"]
    assert len(chosen(at)) == left
    assert not set(chosen(at)) & {load_scenario(p).name for p in per["support"]}
    handoffs = [p for w, ps in per.items() if w != "support" for p in ps]

    at.checkbox(key=BOX + TUTORIAL_NAME).check().run()
    assert summary(at).startswith(f"**{len(handoffs) + 1} of {len(SHIPPED)} scenarios selected")
    click(at, "Run")
    assert len(at.dataframe[0].value) == len(handoffs) + 1

    at.switch_page("app_pages/chat.py").run()  # the choice survives a visit to another page
    at.switch_page(PAGE).run()
    assert len(chosen(at)) == len(handoffs) + 1 and TUTORIAL_NAME in chosen(at)

    click(at, "Select all")
    assert len(chosen(at)) == len(SHIPPED)


def test_result_columns_fit_their_content():
    at = scenarios_page()
    click(at, "Run")
    widths = column_widths(at)
    longest = max(len(name) for name in at.dataframe[0].value["Scenario"])
    assert widths["Scenario"] >= 7 * longest  # long names shown whole
    assert widths["Scenario"] == max(widths.values())
    assert all(widths[c] <= 90 for c in ("Workflow", "Result", "Turns", "Seconds"))


def test_a_model_that_cannot_be_used_is_an_error_not_a_crash():
    at = scenarios_page()
    at.sidebar.selectbox(key="model.label").set_value("OpenAI").run()
    click(at, "Run")
    assert any("No API key for openai" in e.value for e in at.error)
    assert not at.dataframe


# --- Save as scenario ----------------------------------------------------------------


def save_box(at: AppTest):
    areas = [t for t in at.text_area if t.label == "Scenario (YAML)"]
    if not areas:  # open it, as a click on it does: its draft is drawn only open
        at.session_state[keys.SAVE_OPEN] = True
        areas = [t for t in at.run().text_area if t.label == "Scenario (YAML)"]
    assert len(areas) == 1
    return areas[0]


def test_save_as_scenario_writes_a_file_and_never_overwrites_unasked(tmp_path, monkeypatch):
    target = tmp_path / "saved"
    monkeypatch.setenv("HANDOFF_SCENARIOS_DIR", str(target))
    at = start()
    assert not [t for t in at.text_area if t.label == "Scenario (YAML)"]  # no turn yet

    for text in ["The charging port is broken", "nope, expired in March"]:
        at.chat_input[0].set_value(text).run()
        assert not at.exception, at.exception
    draft = yaml.safe_load(save_box(at).value)
    assert draft["turns"] == ["The charging port is broken", "nope, expired in March"]
    assert draft["expect"]["final_step"] == "resolution_specialist"
    assert draft["expect"]["facts"] == {
        "warranty_status": "out_of_warranty",
        "issue_type": "hardware",
    }
    assert "escalate_to_human" in draft["expect"]["tools_called"]

    text = save_box(at).value.replace(draft["name"], "Broken port, expired")
    save_box(at).set_value(text).run()
    assert any("broken-port-expired.yaml" in c.value for c in at.caption)
    click(at, "Save scenario")
    saved = target / "broken-port-expired.yaml"
    assert saved.read_text() == text
    assert any("Saved" in s.value for s in at.success)
    assert load_scenario(saved).expect.path == [
        "warranty_collector",
        "issue_classifier",
        "resolution_specialist",
    ]

    save_box(at).set_value(text.replace("Saved from", "Edited from")).run()
    click(at, "Save scenario")
    assert any("already exists" in e.value for e in at.error)
    assert saved.read_text() == text  # untouched

    at.checkbox(key="scenarios.save.overwrite").check().run()
    click(at, "Save scenario")
    assert "Edited from" in saved.read_text()


def test_an_invalid_edit_is_shown_and_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.setenv("HANDOFF_SCENARIOS_DIR", str(tmp_path))
    at = start()
    at.chat_input[0].set_value("My battery is swollen").run()
    text = save_box(at).value.replace("final_step: warranty_collector", "final_step: nowhere")
    save_box(at).set_value(text).run()
    click(at, "Save scenario")
    assert any("Not saved" in e.value and "is not a step" in e.value for e in at.error)
    assert list(tmp_path.iterdir()) == []


def test_the_page_lists_a_saved_scenario_and_chooses_it(tmp_path, monkeypatch):
    shutil.copy(ROOT / "scenarios" / "support-tutorial.yaml", tmp_path)
    monkeypatch.setenv("HANDOFF_SCENARIOS_DIR", str(tmp_path))
    at = start()
    at.chat_input[0].set_value("How do I fix my cracked screen?").run()
    first = yaml.safe_load(save_box(at).value)["name"]
    click(at, "Save scenario")

    at.switch_page(PAGE).run()
    assert sorted(chosen(at)) == sorted([first, TUTORIAL_NAME])
    choose(at, [])  # nothing chosen: Run is disabled
    assert summary(at) == "**0 of 2 scenarios selected**"
    assert [b.disabled for b in at.button if b.label.startswith("Run")] == [True]

    data = yaml.safe_load((ROOT / "scenarios" / "support-software-fix.yaml").read_text())
    data["name"] = "Added while the page was open"
    (tmp_path / "added.yaml").write_text(yaml.safe_dump(data))
    at.run()
    assert len(boxes(at)) == 3
    assert chosen(at) == ["Added while the page was open"]  # new files start chosen


def test_the_sidebar_draws_the_sidebar_s_workflow_before_and_after_a_run():
    """All scenarios chosen (the handoffs files sort first): the panel draws the workflow the
    sidebar names, not the first file's, before a run and after it."""
    at = scenarios_page()
    workflow, _, dot = at.session_state[keys.MACHINE_DOT]
    assert workflow.name == "support", workflow.name
    assert dot.startswith("digraph support") and "Sales" not in dot

    # After a run with nothing failed, the path shown first is one of that workflow's too.
    click(at, f"Run {len(SHIPPED)} scenarios")
    shown = at.selectbox(key="scenarios.show").value
    assert load_scenario(next(p for p in SHIPPED if load_scenario(p).name == shown)).workflow == (
        "support"
    ), shown
    assert at.session_state[keys.MACHINE_DOT][0].name == "support"
