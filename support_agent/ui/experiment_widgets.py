"""Experiments page widgets: choose two arms and scenarios, run both, compare side by side.

Only the operator's runs are kept: kept runs are listed for every visitor beside the versions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import streamlit as st

from support_agent.core.declaration import Workflow
from support_agent.core.engine import describe_failure
from support_agent.core.errors import Cause, Error
from support_agent.core.middleware.step_config import tool_key
from support_agent.features.experiments import (
    DEFAULT_LABEL,
    Arm,
    ArmProblem,
    Comparison,
    Experiment,
    Side,
    check_arms,
    run_experiment,
)
from support_agent.features.prompt_versions import Version, is_tool_key, tool_name
from support_agent.features.scenarios import Scenario
from support_agent.features.thread_titles import plural
from support_agent.models import PROVIDERS, ModelConfigError
from support_agent.models.providers import OFFLINE_PROVIDER, by_label
from support_agent.ui import keys, runtime
from support_agent.ui.model_picker import ModelChoice, choice, configured, server_url
from support_agent.ui.safe_text import escape_markdown, inert_markdown, when
from support_agent.ui.scenario_widgets import path_chart, path_notes, picker
from support_agent.workflows import WORKFLOWS

if TYPE_CHECKING:
    from support_agent.ui.app_context import Context

PROMPT, MODEL = "prompt", "model"
DEFAULT = "default"  # the option that stands for a prompt's built-in text
PAST_SHOWN = 10

OFFLINE_PROMPTS = (
    "**Comparing prompt versions needs a real model.** The offline demo model follows "
    "built-in rules and ignores prompts, so both sides would answer alike. Pick a real model "
    "under **Model** in the sidebar, or compare **two models** instead: the offline model "
    "against a provider."
)
NOT_KEPT = (
    "This run is shown to you only and was not kept: kept experiments are listed beside the "
    "prompt versions for everyone, so only the operator's runs are kept."
)


def choose_what(ctx: Context) -> str:
    """Two prompt versions or two models (the offline model, ignoring prompts, starts on models)."""
    st.session_state.setdefault(keys.EXPERIMENTS_WHAT, MODEL if ctx.model.offline else PROMPT)
    return st.radio(
        "What differs between A and B",
        [PROMPT, MODEL],
        format_func=lambda v: "📝 Two versions of a prompt" if v == PROMPT else "🧠 Two models",
        horizontal=True,
        key=keys.EXPERIMENTS_WHAT,
    )


def _key_title(workflow: Workflow, key: str) -> str:
    if is_tool_key(key):
        return f"🔧 {tool_name(key)} (tool description)"
    return f"📝 {workflow.step(key).title} (prompt)"


def pick_versions(ctx: Context) -> tuple[Workflow, str, Version | None, Version | None] | None:
    """Workflow, prompt and the A / B versions (None: the default); None if nothing to compare."""
    workflow, key = _pick_prompt(ctx)
    saved = ctx.store.prompts.versions(workflow.name, key)
    if not saved:
        st.info(
            "This prompt has no saved versions yet: save one on the **Prompts** page, then "
            "compare it with the default here.",
            icon="📝",
        )
        return None
    active = ctx.store.prompts.active(workflow.name, key)
    by_id = {DEFAULT: None} | {v.id: v for v in reversed(saved)}  # None: the default
    # A starts on the active version (or the default), B on the newest other one.
    active_id = active.id if active else DEFAULT
    newest_other = next((v.id for v in reversed(saved) if v.id != active_id), DEFAULT)

    def shown(option: str) -> str:
        label = version.label if (version := by_id[option]) else DEFAULT_LABEL
        return f"{label} (active)" if option == active_id else label

    picked = []
    for column, side, start in zip(st.columns(2), "ab", (active_id, newest_other), strict=True):
        state_key = keys.EXPERIMENTS_VERSION.format(side, workflow.name, key)
        if st.session_state.get(state_key) not in by_id:
            st.session_state[state_key] = start
        picked.append(
            column.selectbox(
                f"{side.upper()}: version", list(by_id), format_func=shown, key=state_key
            )
        )
    if picked[0] == picked[1]:
        st.warning("A and B are the same version: pick two different ones.", icon="⚖️")
        return None
    a, b = (by_id[p] for p in picked)
    return workflow, key, a, b


def _pick_prompt(ctx: Context) -> tuple[Workflow, str]:
    st.session_state.setdefault(keys.EXPERIMENTS_WORKFLOW, ctx.workflow)
    left, right = st.columns(2)
    name = left.selectbox(
        "Workflow",
        list(WORKFLOWS),
        format_func=lambda n: WORKFLOWS[n].title,
        key=keys.EXPERIMENTS_WORKFLOW,
    )
    workflow = WORKFLOWS[name]
    options = [
        key
        for step in workflow.steps
        for key in [step.name, *(tool_key(t.name) for t in step.tools)]
    ]
    key = right.selectbox(
        "Prompt",
        list(dict.fromkeys(options)),  # a tool offered at several steps is listed once
        format_func=lambda k: _key_title(workflow, k),
        key=keys.EXPERIMENTS_KEY.format(name),
    )
    return workflow, key


def _default_b(ctx: Context) -> str:
    """B's provider at first: the offline model against a real one, or the other way round."""
    if not ctx.model.offline:
        return OFFLINE_PROVIDER.label
    start = configured()
    if not start.provider.offline:
        return start.provider.label
    return next(p.label for p in PROVIDERS if p.needs_base_url and p.prefix == "openai")


def pick_model_b(ctx: Context) -> ModelChoice:
    """B's model, typed as the sidebar's is; its key is the operator's or the one typed there."""
    st.markdown(f"**A:** {escape_markdown(ctx.model.shown)} (the sidebar's model)")
    st.session_state.setdefault(keys.EXPERIMENTS_B_PROVIDER, _default_b(ctx))
    columns = st.columns(3)
    label = columns[0].selectbox(
        "B: model", [p.label for p in PROVIDERS], key=keys.EXPERIMENTS_B_PROVIDER
    )
    provider = by_label(label)
    if provider.offline:
        return ModelChoice(provider.spec(""))
    name_key = keys.EXPERIMENTS_B.format("name", label)
    st.session_state.setdefault(name_key, provider.default_model)
    name = columns[1].text_input("B: model name", key=name_key)
    url_key = keys.EXPERIMENTS_B.format("url", label)
    server = server_url(provider, url_key, "B: base URL", columns[2])
    sidebar = by_label(st.session_state.get(keys.MODEL_LABEL, ""))
    typed = (
        st.session_state.get(keys.MODEL_API_KEY) if sidebar.key_var == provider.key_var else None
    )
    return choice(provider, name or provider.default_model, server, typed)


def pick_scenarios(scenarios: list[Scenario], workflow: Workflow | None) -> list[Scenario]:
    if workflow is not None:
        scenarios = [s for s in scenarios if s.workflow == workflow.name]
    return picker(scenarios, keys.EXPERIMENTS_PICKER)


Arms = Callable[[], tuple[Arm, Arm]]  # builds both arms (their models) when Run is pressed


def setup(ctx: Context, what: str) -> tuple[Workflow | None, Arms | None]:
    """The A / B pickers: the scenarios' workflow (None: any), the arms (None: can't run)."""
    if what == MODEL:
        b = pick_model_b(ctx)
        if b.spec == ctx.model.spec and (b.base_url or None) == (ctx.model.base_url or None):
            st.warning("A and B are the same model: pick another one for B.", icon="⚖️")
            return None, None
        if b.problem:  # said under B's server; a Run would only say it again
            return None, None
        st.caption("Both sides read the active prompt versions.")
        return None, lambda: arms_for_models(ctx, b)
    if ctx.model.offline:
        st.warning(OFFLINE_PROMPTS, icon="🤖")
    else:
        st.markdown(f"**Model, both sides:** {escape_markdown(ctx.model.shown)} (the sidebar's)")
    picked = pick_versions(ctx)
    workflow = WORKFLOWS[st.session_state[keys.EXPERIMENTS_WORKFLOW]]
    if picked is None or ctx.model.offline:
        return workflow, None
    return workflow, lambda: arms_for_versions(ctx, picked)


def run_button(ctx: Context, chosen: list[Scenario], arms: Arms | None) -> None:
    count = len(chosen)
    label = f"Run {plural(count, 'scenario')} on A and B"
    if not st.button(label, type="primary", icon="▶️", disabled=not chosen or arms is None):
        return
    assert arms is not None  # the button is disabled without them
    bar = st.progress(0.0, text="Checking that A and B answer…")

    def started(side: str, index: int, scenario: Scenario) -> None:
        done = index + (count if side == "b" else 0)
        bar.progress(
            done / (2 * count),
            text=f"Running {index + 1} of {count} on {side.upper()}… "
            f"({escape_markdown(scenario.name)})",
        )

    try:
        arm_a, arm_b = arms()
        if problems := check_arms(arm_a, arm_b):
            st.error(cannot_run(problems), icon="🔌")
            return
        experiment = run_experiment(chosen, arm_a, arm_b, on_start=started)
    except ModelConfigError as exc:
        st.error(f"Nothing was run. {escape_markdown(str(exc))}", icon="🔑")
        return
    finally:
        bar.empty()
    st.session_state.pop(keys.EXPERIMENTS_OPEN, None)
    if ctx.operator:
        try:
            experiment = ctx.store.experiments.save(experiment, ctx.owner)
        except Exception as exc:  # noqa: BLE001 - the run is shown; only keeping it failed
            st.warning(
                "The results are below but could not be kept: " + describe_failure(exc).message,
                icon="🛑",
            )
    st.session_state[keys.EXPERIMENTS_RUN] = experiment


# What to check, by cause, where each side's model is chosen (A: the sidebar; B: above).
_CHECK = {
    Cause.MISSING_KEY: "Add its API key",
    Cause.KEY_REJECTED: "Check its API key",
    Cause.UNKNOWN_MODEL: "Check the model name",
    Cause.SETTINGS_REFUSED: "Check its API key and model name",
    Cause.SERVER_UNUSABLE: "Check the address, or pick another model",
}


def arm_words(problem: ArmProblem, where: str) -> str:
    """One arm that can't run, in words for this page (no Retry: nothing is waiting)."""
    error: Error = problem.error
    if error.cause in _CHECK:
        todo = _CHECK[error.cause]
    elif error.cause == Cause.PROVIDER_FAILED and "status" not in error.facts:
        todo = "Check that the server is running and the address is right"
    else:
        todo = "Check its settings, or run again once the provider answers"
    side = problem.side.upper()
    return (
        f"**{side}** ({escape_markdown(problem.label)}) can't be used: "
        f"{escape_markdown(error.message)} {todo} ({where})."
    )


def cannot_run(problems: list[ArmProblem]) -> str:
    """Why nothing was run: each arm that didn't answer the check, and what to look at."""
    where = {"a": "the sidebar's **Model**", "b": "**B: model** above"}
    lines = [arm_words(p, where[p.side]) for p in problems]
    return "Nothing was run, and nothing was kept.\n\n" + "\n\n".join(lines)


def arms_for_versions(
    ctx: Context, picked: tuple[Workflow, str, Version | None, Version | None]
) -> tuple[Arm, Arm]:
    """The sidebar's model on both sides, reading version A or B. Raises `ModelConfigError`."""
    workflow, key, a, b = picked
    model = runtime.chat_model(ctx.model)
    versions = ctx.store.prompts
    return tuple(
        Arm.for_version(versions, workflow.name, key, v, ctx.model.spec, model) for v in (a, b)
    )


def arms_for_models(ctx: Context, b: ModelChoice) -> tuple[Arm, Arm]:
    """The sidebar's model (A) and `b`, on the active prompts. Raises `ModelConfigError`."""
    base = ctx.store.prompts.source()
    return (
        Arm(ctx.model.shown, ctx.model.spec, base=base, chat_model=runtime.chat_model(ctx.model)),
        Arm(b.shown, b.spec, base=base, chat_model=runtime.chat_model(b)),
    )


def shown_experiment(ctx: Context) -> Experiment | None:
    opened = st.session_state.get(keys.EXPERIMENTS_OPEN)
    latest = st.session_state.get(keys.EXPERIMENTS_RUN)
    if opened:
        found = ctx.store.experiments.get(opened)
        if found is not None:
            if latest is not None and latest.id != found.id:  # a visitor's run isn't listed
                st.button("Back to my latest run", icon="↩️", on_click=_open, args=(None,))
            return found
        st.session_state.pop(keys.EXPERIMENTS_OPEN, None)
        st.warning("That experiment is no longer kept.", icon="🗑️")
    return latest


def _arm_words(arm: dict) -> str:
    what = escape_markdown(arm["label"])
    if arm.get("key"):
        model = "offline demo model" if arm["model"] == "offline" else arm["model"]
        return f"{what} of `{arm['workflow']}/{arm['key']}` on {escape_markdown(model)}"
    return what


def summary(ctx: Context, experiment: Experiment) -> None:
    """The summary line (a warning when B loses what A passes or a model failed), arms, kept."""
    text = escape_markdown(experiment.summary())
    worse = experiment.regressions or experiment.problems()
    (st.warning if worse else st.success)(text, icon="⚖️")
    for problem in experiment.problems():
        st.error(escape_markdown(problem), icon="🔌")
    st.caption(f"**A:** {_arm_words(experiment.a)} · **B:** {_arm_words(experiment.b)}")
    if experiment.created_at:
        st.caption(f"Kept {when(experiment.created_at)}.")
    elif ctx.operator:
        st.caption("Not kept: the store did not answer when this run ended.")
    else:
        st.caption(NOT_KEPT)


def _mark(side: Side) -> str:
    return {"passes": "✅ passes", "fails": "❌ fails", "error": "⚠️ error"}[side.verdict]


def table(experiment: Experiment) -> None:
    rows = [
        {
            "Scenario": c.scenario,
            "Workflow": c.workflow,
            "A": _mark(c.a),
            "B": _mark(c.b),
            "What changed": c.change(),
        }
        for c in sorted(experiment.comparisons, key=lambda c: not c.result_differs)
    ]
    a, b = experiment.labels
    st.dataframe(
        rows,
        hide_index=True,
        width="stretch",
        column_config={
            "A": st.column_config.TextColumn(width=90, help=a),
            "B": st.column_config.TextColumn(width=90, help=b),
        },
    )


def _side(comparison: Comparison, side: str, label: str, workflow: Workflow) -> None:
    result = getattr(comparison, side)
    st.markdown(f"**{side.upper()}: {escape_markdown(label)}** — {_mark(result)}")
    path_chart(workflow, comparison.drawable(result))
    path_notes(workflow, result.path, result.tools)
    if result.error:
        st.error(f"Stopped by an error: {escape_markdown(result.error)}", icon="🔌")
    elif result.reason:
        st.error(escape_markdown(result.reason))


def differences(experiment: Experiment) -> None:
    differing = [c for c in experiment.comparisons if c.differs]
    if not differing:
        st.caption("Every scenario went the same way on A and B, reply for reply.")
        return
    # With a real model nearly every reply differs; what changed the outcome comes first.
    outcome = [c for c in differing if c.result_differs or c.path_differs]
    wording = [c for c in differing if c not in outcome]
    if not outcome:
        st.caption("Every scenario ended the same way on A and B: only the wording differs.")
    shown = outcome
    if wording and st.toggle(
        f"Also show the {len(wording)} scenarios that differ only in wording"
        if len(wording) != 1
        else "Also show the scenario that differs only in wording",
        value=not outcome,
        key=keys.EXPERIMENTS_WORDING,
    ):
        shown = outcome + wording
    for comparison in shown:
        workflow = comparison.flow
        title = f"{comparison.scenario} — {comparison.change()}"
        with st.expander(escape_markdown(title), icon="🔍"):
            if workflow is None:
                st.warning(f"The workflow {comparison.workflow} is no longer part of the app.")
                continue
            for column, side, label in zip(st.columns(2), "ab", experiment.labels, strict=True):
                with column:
                    _side(comparison, side, label, workflow)
            replies = comparison.differing_replies()
            if replies:
                st.markdown("**Replies that differ**")
            for number, said, a, b in replies:
                st.markdown(f"Turn {number} · customer: {escape_markdown(said)}")
                left, right = st.columns(2)
                left.markdown(_reply(a, comparison.a))
                right.markdown(_reply(b, comparison.b))


def _reply(text: str | None, side: Side) -> str:
    """A model's reply as Markdown that loads nothing, or why there is none."""
    if text:
        return inert_markdown(text)
    if text is None:
        return "_(not reached: stopped by an error)_" if side.error else "_(not reached)_"
    return "_(no words: it only called tools)_"


def _open(experiment_id: str | None) -> None:
    st.session_state[keys.EXPERIMENTS_OPEN] = experiment_id


def past(ctx: Context) -> None:
    kept = ctx.store.experiments.recent(PAST_SHOWN)
    if not kept:
        st.caption("No experiments kept yet.")
        return
    opened = st.session_state.get(keys.EXPERIMENTS_OPEN)
    for experiment in kept:
        line, button, delete = st.columns([6, 1, 1], vertical_alignment="center")
        mark = " · **shown above**" if experiment.id == opened else ""
        line.markdown(
            f"{when(experiment.created_at)} — {escape_markdown(experiment.summary())}{mark}"
        )
        button.button(
            "Open",
            key=keys.EXPERIMENT_OPEN_BUTTON.format("experiments", experiment.id),
            icon="📂",
            on_click=_open,
            args=(experiment.id,),
            disabled=experiment.id == opened,
        )
        if ctx.operator:  # kept runs are everyone's to read, the operator's to remove
            delete.button(
                "Delete",
                key=keys.EXPERIMENT_OPEN_BUTTON.format("delete", experiment.id),
                icon="🗑️",
                on_click=_delete,
                args=(ctx, experiment.id),
            )


def _delete(ctx: Context, experiment_id: str) -> None:
    ctx.store.experiments.delete(experiment_id)
    if st.session_state.get(keys.EXPERIMENTS_OPEN) == experiment_id:
        st.session_state.pop(keys.EXPERIMENTS_OPEN, None)
    run = st.session_state.get(keys.EXPERIMENTS_RUN)
    if run is not None and run.id == experiment_id:
        st.session_state.pop(keys.EXPERIMENTS_RUN, None)


def open_on_page(experiment_id: str) -> None:
    st.session_state[keys.EXPERIMENTS_OPEN] = experiment_id
    st.switch_page("app_pages/experiments.py")
