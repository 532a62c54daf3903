"""The Experiments page (AppTest): two models or two prompt versions, side by side, kept with
the versions; against the loopback model that follows its system prompt."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from support_agent.features.app_store import open_store
from support_agent.features.experiments import Arm, run_experiment
from support_agent.features.scenarios import load_scenario
from tests.helpers import use_server
from tests.openai_stub import OpenAIStub

ROOT = Path(__file__).resolve().parents[2]
PAGE = "app_pages/experiments.py"
PROMPTS = "app_pages/prompts.py"
BOX = "experiments.pick."
TUTORIAL = load_scenario(ROOT / "scenarios" / "support-tutorial.yaml").name
HUMAN = load_scenario(ROOT / "scenarios" / "support-human-request.yaml").name
NO_TOOL = "You are a support agent. Greet the customer and ask how you can help."
SERVER = "OpenAI-compatible server"


@pytest.fixture
def db_url(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("HANDOFF_DB_URL", url)
    monkeypatch.setenv("HANDOFF_SCENARIOS_DIR", str(ROOT / "scenarios"))
    monkeypatch.setenv("SUPPORT_AGENT_MAX_RETRIES", "0")
    for name in ("SUPPORT_AGENT_MODEL", "SUPPORT_AGENT_BASE_URL", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    return url


@pytest.fixture
def stub():
    with OpenAIStub("prompted") as server:
        yield server


def kept(url: str) -> list:
    """The experiments in the database, read the way another process would."""
    store = open_store(url)
    try:
        return store.experiments.recent()
    finally:
        store.close()


def start(owner: str | None = None) -> AppTest:
    at = AppTest.from_file("../../app.py", default_timeout=120)
    if owner:
        at.session_state["identity.owner"] = owner
    at.run()
    assert not at.exception, at.exception
    return at


def experiments_page(at: AppTest) -> AppTest:
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Experiments"
    return at


def choose(at: AppTest, names: list[str]) -> AppTest:
    for box in [c for c in at.checkbox if (c.key or "").startswith(BOX)]:
        box.set_value(box.key.removeprefix(BOX) in names)
    return at.run()


def run_button(at: AppTest):
    (button,) = [b for b in at.button if b.label.startswith("Run ")]
    return button


def run(at: AppTest) -> AppTest:
    run_button(at).click().run()
    assert not at.exception, at.exception
    return at


def summary_box(at: AppTest) -> str:
    """The summary sentence (success or warning), as a person reads it."""
    boxes = [b.value for b in [*at.success, *at.warning] if " passes " in b.value]
    assert len(boxes) == 1, boxes
    return boxes[0].replace("\\", "")


def results(at: AppTest) -> list[dict]:
    frames = [f.value for f in at.main.dataframe if "What changed" in f.value.columns]
    assert len(frames) == 1
    return frames[0].to_dict("records")


def two_models(at: AppTest, url: str | None) -> AppTest:
    """A: the sidebar's offline model; B: the loopback server at `url` (None: the one the
    operator configured)."""
    assert at.radio(key="experiments.what").value == "model"  # offline: models first
    assert at.selectbox(key="experiments.b.provider").value == SERVER
    if url is not None:
        at.text_input(key=f"experiments.b.url.{SERVER}").set_value(url).run()
    return choose(at, [TUTORIAL, HUMAN])


def test_with_the_offline_model_the_page_says_versions_need_a_real_model(db_url):
    at = experiments_page(start())
    at.radio(key="experiments.what").set_value("prompt").run()
    (warning,) = [w.value for w in at.warning if "real model" in w.value]
    assert "ignores prompts" in warning and "two models" in warning
    assert run_button(at).disabled  # both sides would answer alike
    assert not kept(db_url)


def test_the_offline_model_against_a_server_side_by_side(db_url, stub):
    at = two_models(experiments_page(start()), stub.url)
    assert run_button(at).label == "Run 2 scenarios on A and B"
    run(at)
    assert summary_box(at) == (
        "offline demo model passes 2 of 2; openai:local-model passes 1 of 2 "
        "(1 scenario differs in result)"
    )
    assert any(" passes " in w.value for w in at.warning)  # B lost a scenario A passes
    rows = results(at)
    assert [(r["Scenario"], r["A"], r["B"]) for r in rows] == [
        (HUMAN, "✅ passes", "❌ fails"),  # the difference first
        (TUTORIAL, "✅ passes", "✅ passes"),
    ]
    assert rows[0]["What changed"].startswith("B fails where A passes")
    assert rows[1]["What changed"].endswith("differ")  # same path, other words

    (human,) = [e for e in at.expander if e.label.startswith(HUMAN.replace("-", "\\-")[:10])]
    assert len(human.get("graphviz_chart")) == 2  # both paths, side by side
    shown = " ".join(m.value for m in human.markdown)
    assert "Thanks for writing" in shown  # the loopback model's own words
    assert stub.requests

    # The tutorial ends the same way on both: its other wording is one switch away.
    differing = [e.label for e in at.expander if "differ" in e.label]
    assert len(differing) == 1 and differing[0].startswith(HUMAN[:10])
    at.toggle(key="experiments.wording").set_value(True).run()
    assert at.toggle(key="experiments.wording").label == (
        "Also show the scenario that differs only in wording"
    )
    assert len([e for e in at.expander if "differ" in e.label]) == 2

    (saved,) = kept(db_url)  # the local user is the operator: kept
    assert saved.summary() == summary_box(at)
    assert saved.b["model"] == "openai:local-model"
    assert any(saved.summary() in m.value.replace("\\", "") for m in at.main.markdown)

    [delete] = [b for b in at.button if b.label == "Delete"]  # the operator may remove it
    delete.click().run()
    assert kept(db_url) == [] and not at.exception
    assert any(c.value == "No experiments kept yet." for c in at.caption)


def test_a_version_experiment_is_kept_and_shown_on_the_prompts_page(db_url, stub):
    store = open_store(db_url)
    edited = store.prompts.save("support", "warranty_collector", NO_TOOL, name="no tool named")
    store.close()
    at = use_server(start(), stub.url)  # the sidebar's model reads prompts
    experiments_page(at)
    assert at.radio(key="experiments.what").value == "prompt"
    assert at.selectbox(key="experiments.key.support").value == "warranty_collector"
    a = at.selectbox(key="experiments.version.a.support.warranty_collector")
    b = at.selectbox(key="experiments.version.b.support.warranty_collector")
    assert (a.value, b.value) == ("default", edited.id)  # the active one vs the newest other
    choose(at, [TUTORIAL])
    run(at)
    expected = (
        "Default passes 1 of 1; v1 · no tool named passes 0 of 1 (1 scenario differs in result)"
    )
    assert summary_box(at) == expected
    (row,) = results(at)
    assert row["What changed"] == "B fails where A passes; different path; 4 replies differ"
    (saved,) = kept(db_url)
    assert saved.version_ids == (None, edited.id)

    at.switch_page(PROMPTS).run()
    assert not at.exception, at.exception
    assert any(m.value.startswith("**Experiments with v1") for m in at.main.markdown)
    assert any(expected in c.value.replace("\\", "") for c in at.main.caption)
    (open_button,) = [b for b in at.button if b.key == f"experiments.open.prompts.{saved.id}"]
    open_button.click().run()
    # AppTest reruns the page it was last told to: follow the page's st.switch_page.
    experiments_page(at)
    assert summary_box(at) == expected
    assert any(c.value.startswith("Kept ") for c in at.main.caption)


def test_a_visitors_run_is_shown_but_not_kept(db_url, stub, monkeypatch):
    # Visitors can't choose B's server address: the one the operator set up answers.
    monkeypatch.setenv("SUPPORT_AGENT_BASE_URL", stub.url)
    store = open_store(db_url)  # one experiment the operator kept earlier
    earlier = run_experiment([load_scenario(ROOT / "scenarios" / "support-tutorial.yaml")],
                             Arm("offline", "offline"), Arm("also offline", "offline"))  # fmt: skip
    earlier = store.experiments.save(earlier, "local")
    store.close()

    at = experiments_page(start(owner="browser:visitor"))
    assert not [t for t in at.text_input if t.key == f"experiments.b.url.{SERVER}"]
    (box,) = [t for t in at.text_input if t.label == "B: base URL"]
    assert box.disabled and not box.value
    at = two_models(at, None)
    run(at)
    assert summary_box(at).startswith("offline demo model passes 2 of 2")
    assert any("not kept" in c.value for c in at.main.caption)
    assert [e.id for e in kept(db_url)] == [earlier.id]  # nothing everyone sees has changed
    assert not [b for b in at.button if b.label == "Delete"]  # nor can they remove it

    # The visitor may read what the operator kept, and come back to their own run.
    (open_button,) = [b for b in at.button if b.key == f"experiments.open.experiments.{earlier.id}"]
    open_button.click().run()
    assert summary_box(at) == earlier.summary()
    (back,) = [b for b in at.button if b.label == "Back to my latest run"]
    back.click().run()
    assert summary_box(at).startswith("offline demo model passes 2 of 2; openai:local-model")


def cannot_run(at: AppTest) -> str:
    (error,) = [e.value for e in at.error if e.value.startswith("Nothing was run")]
    return error.replace("\\", "").replace("**", "")


def test_a_server_that_is_not_running_stops_the_run_before_anything_is_kept(db_url):
    at = two_models(experiments_page(start()), "http://127.0.0.1:9/v1")  # nothing listens
    run(at)
    error = cannot_run(at)
    assert "nothing was kept" in error
    assert "B (openai:local-model) can't be used: The model provider could not be reached" in error
    assert "Check that the server is running and the address is right" in error
    assert "Retry" not in error and "Your message" not in error  # no conversation here
    assert not kept(db_url)
    assert not [f for f in at.main.dataframe if "What changed" in f.value.columns]
    assert not [b for b in [*at.success, *at.warning] if " passes " in b.value]


@pytest.mark.parametrize(
    ("mode", "said"),
    [
        ("404", "The model provider does not know that model name. Check the model name"),
        ("401", "The model provider rejected the API key. Check its API key"),
        ("500", "internal error (HTTP 500)"),
    ],
)
def test_a_server_that_refuses_the_check_stops_the_run_with_the_reason(db_url, stub, mode, said):
    stub.mode = mode
    at = two_models(experiments_page(start()), stub.url)
    run(at)
    error = cannot_run(at)
    assert said in error and "Retry" not in error
    assert len(stub.requests) == 1  # one short question, no scenario
    assert not kept(db_url)


def test_a_server_that_goes_down_during_the_run_is_an_error_not_a_failure(db_url, stub):
    stub.then = (1, "drop")  # answers the check, then closes every connection
    at = two_models(experiments_page(start()), stub.url)
    run(at)
    assert summary_box(at) == (
        "offline demo model passes 2 of 2; openai:local-model passes 0 of 2, "
        "2 stopped by an error (the same result on every scenario)"
    )
    assert [(r["A"], r["B"], r["What changed"]) for r in results(at)] == [
        ("✅ passes", "⚠️ error", "B stopped by an error")
    ] * 2
    (problem,) = [e.value for e in at.error if "could not finish" in e.value]
    assert "could not be reached" in problem
    shown = " ".join(e.value for e in at.error) + " ".join(m.value for m in at.markdown)
    assert "Retry" not in shown and "Your message" not in shown
    assert "(no reply)" not in shown
    assert any("not reached: stopped by an error" in m.value for m in at.markdown)
    assert len(kept(db_url)) == 1  # a run that ran is kept, its errors said as errors


def test_a_missing_key_runs_nothing_and_says_what_to_set(db_url):
    at = experiments_page(start())
    at.selectbox(key="experiments.b.provider").set_value("OpenAI").run()
    run(at)
    (error,) = [e.value for e in at.error if "Nothing was run" in e.value]
    assert "No API key for openai: set the environment variable OPENAI_API_KEY" in error.replace(
        "\\", ""
    )
    assert not kept(db_url)
    assert not [f for f in at.main.dataframe if "What changed" in f.value.columns]


def test_a_visitor_allowed_to_choose_b_cannot_point_it_inside(db_url, stub, monkeypatch):
    monkeypatch.setenv("HANDOFF_ALLOW_VISITOR_BASE_URL", "1")
    at = two_models(experiments_page(start(owner="browser:visitor")), stub.url)  # loopback
    run(at)
    (error,) = [e.value for e in at.error if "Nothing was run" in e.value]
    assert "points at this machine" in error
    assert not stub.requests  # neither scenario sent anything, on either side
