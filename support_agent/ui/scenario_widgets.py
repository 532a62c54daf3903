"""Scenarios page widgets: pick scenarios, run them, read the results, see coverage.

One run is kept in session state, so choosing a path or reading coverage never reruns it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import streamlit as st

from support_agent.core.declaration import Workflow
from support_agent.core.diagram import dot_source
from support_agent.core.middleware.step_config import PromptSource
from support_agent.features.prompt_versions import defaults
from support_agent.features.scenarios import (
    Scenario,
    ScenarioResult,
    coverage,
    load_each,
    run_scenario,
    scenarios_dir,
)
from support_agent.features.scenarios.coverage import describe_edge
from support_agent.features.thread_titles import plural
from support_agent.models import ModelConfigError
from support_agent.ui import keys, machine_panel, runtime
from support_agent.ui.safe_text import escape_markdown
from support_agent.workflows import WORKFLOWS

if TYPE_CHECKING:
    from support_agent.ui.app_context import Context

NAME_WIDTH = (160, 420)  # pixels: the narrowest and widest the Scenario column gets
REASON_WIDTH = (200, 360)


@dataclass
class Run:
    results: list[ScenarioResult]
    model: str
    edited_prompts: bool

    @property
    def failed(self) -> list[ScenarioResult]:
        return [r for r in self.results if not r.passed]


def load() -> list[Scenario]:
    directory = scenarios_dir()
    scenarios, errors = load_each([directory]) if directory.is_dir() else ([], [])
    prefix = f"{directory}/"
    for error in errors:
        st.error(
            "**Can't load a scenario file:**\n\n"
            + "\n".join(f"- {escape_markdown(p.removeprefix(prefix))}" for p in error.problems),
            icon="🚫",
        )
    if not scenarios and not errors:
        st.info(f"No scenario files (*.yaml) in {directory}.", icon="🧪")
    return scenarios


def _set_boxes(box: Callable[[str], str], names: list[str], value: bool) -> None:
    for name in names:
        st.session_state[box(name)] = value


def selection_summary(chosen: list[Scenario], groups: dict[str, list[Scenario]]) -> str:
    """`18 of 23 scenarios selected`, then how many of each workflow's `groups` (Markdown)."""
    total = sum(len(of_it) for of_it in groups.values())
    if not total:
        return "No scenarios to run."
    if len(chosen) == total:
        head = f"**All {total} scenarios selected**" if total != 1 else "**1 scenario, selected**"
    else:
        head = f"**{len(chosen)} of {plural(total, 'scenario')} selected**"
    parts = [
        f"{escape_markdown(WORKFLOWS[name].title)}: "
        f"{sum(s.workflow == name for s in chosen)} of {len(of_it)}"
        for name, of_it in groups.items()
    ]
    return head + (" — " + " · ".join(parts) if len(parts) > 1 else "")


def picker(scenarios: list[Scenario], k: keys.PickerKeys = keys.SCENARIOS_PICKER) -> list[Scenario]:
    """A checkbox per scenario, grouped by workflow under a summary line; returns the chosen.

    Not a multiselect: its chips were cut off past a dozen long names.
    """
    state = st.session_state
    known = state.get(k.known, set())
    # Kept under `k.chosen` too: Streamlit drops a widget's state on a run that doesn't draw it.
    kept = state.get(k.chosen)
    kept = set(kept) if isinstance(kept, (set, list, tuple)) else set()
    for s in scenarios:
        state.setdefault(k.box(s.name), s.name in kept or s.name not in known)
    state[k.known] = {s.name for s in scenarios}
    chosen = [s for s in scenarios if state[k.box(s.name)]]
    state[k.chosen] = {s.name for s in chosen}

    groups = {
        name: [s for s in scenarios if s.workflow == name]
        for name in WORKFLOWS
        if any(s.workflow == name for s in scenarios)
    }
    st.markdown(selection_summary(chosen, groups))
    if not scenarios:
        return []
    with st.expander("Choose scenarios", icon="🧪"):
        for column, (name, of_it) in zip(st.columns(len(groups)), groups.items(), strict=True):
            with column:
                st.markdown(f"**{escape_markdown(WORKFLOWS[name].title)}**")
                names = [s.name for s in of_it]
                buttons = st.container(horizontal=True)
                for label, key, icon, ticked in (
                    ("Select all", k.select_all(name), "☑️", True),
                    ("Clear", k.clear(name), "⬜", False),
                ):
                    buttons.button(
                        label,
                        key=key,
                        type="tertiary",
                        icon=icon,
                        on_click=_set_boxes,
                        args=(k.box, names, ticked),
                    )
                for s in of_it:
                    st.checkbox(
                        escape_markdown(s.name),
                        key=k.box(s.name),
                        help=escape_markdown(s.description) or None,
                    )
    return chosen


def prompt_source() -> PromptSource | None:
    source = st.session_state.get(keys.PROMPTS_SOURCE)
    return source if callable(source) else None


def edited_prompts(prompts: PromptSource | None) -> list[str]:
    """Which prompts and tool descriptions `prompts` overrides, as `workflow/key`."""
    if prompts is None:
        return []
    editable = [(wf.name, key) for wf in WORKFLOWS.values() for key in defaults(wf)]
    try:
        return [f"{name}/{key}" for name, key in editable if prompts(name, key) is not None]
    except Exception:  # noqa: BLE001 - a source that can't be read is shown as unknown
        return ["(unknown)"]


def run_button(ctx: Context, chosen: list[Scenario]) -> None:
    count = len(chosen)
    label = f"Run {plural(count, 'scenario')}"
    model_label = ctx.model_shown
    prompts = prompt_source()
    edited = edited_prompts(prompts)
    turns = ctx.runs.scenario_turns()  # on the agent server when there is one
    if turns is not None:
        st.caption(
            "Model: **the agent server's** · prompts: the server's own. Scenarios run there "
            "as conversations do; prompt edits made here don't reach it."
        )
    else:
        st.caption(
            f"Model: **{escape_markdown(model_label)}** (chosen in the sidebar) · prompts: "
            + (f"**{len(edited)} edited** (active versions)" if edited else "defaults")
            + (" — the offline model ignores prompt edits." if ctx.model.offline and edited else "")
        )
    if not st.button(label, type="primary", icon="▶️", disabled=not chosen):
        return
    try:
        model = None if turns is not None else runtime.chat_model(ctx.model)
    except ModelConfigError as exc:
        st.error(str(exc), icon="🔑")
        return
    bar = st.progress(0.0, text="Starting…")
    results = []
    for i, scenario in enumerate(chosen):
        bar.progress(i / count, text=f"Running {i + 1} of {count}: {scenario.name}")
        results.append(run_scenario(scenario, model, prompts, turns))
    bar.empty()  # the summary below says how it went
    st.session_state[keys.SCENARIOS_RUN] = Run(results, model_label, bool(edited and not turns))
    st.session_state.pop(keys.SCENARIOS_SHOW, None)


def last_run() -> Run | None:
    return st.session_state.get(keys.SCENARIOS_RUN)


def results_table(run: Run) -> None:
    total, failed = len(run.results), len(run.failed)
    prompts = "edited prompts" if run.edited_prompts else "default prompts"
    if failed:
        reasons = [
            f"- **{escape_markdown(r.name)}**: {escape_markdown('; '.join(r.failures))}"
            for r in run.failed
        ]
        st.error(
            f"{failed} of {total} scenarios failed ({escape_markdown(run.model)}, {prompts}):\n\n"
            + "\n".join(reasons),
            icon="❌",
        )
    else:
        every = f"All {total} scenarios" if total != 1 else "The scenario"
        st.success(f"{every} passed ({escape_markdown(run.model)}, {prompts}).", icon="✅")
    ordered = sorted(run.results, key=lambda r: r.passed)  # failures first, else file order
    rows = [
        {
            "Scenario": r.name,
            "Workflow": r.scenario.workflow,
            "Result": "✅ passed" if r.passed else "❌ failed",
            **({"Reason": "; ".join(r.failures)} if failed else {}),
            "Turns": len(r.scenario.turns),
            "Seconds": round(r.duration, 2),
        }
        for r in ordered
    ]
    st.dataframe(rows, hide_index=True, width="stretch", column_config=result_columns(run))


def result_columns(run: Run) -> dict:
    """Widths sized to what the columns hold; a Reason column only when something failed."""
    longest = max((len(r.name) for r in run.results), default=0)
    columns = {
        "Scenario": st.column_config.TextColumn(width=_text_width(longest, NAME_WIDTH)),
        "Workflow": st.column_config.TextColumn(width=80),
        "Result": st.column_config.TextColumn(width=85),
        "Turns": st.column_config.NumberColumn(width=60),
        "Seconds": st.column_config.NumberColumn(width=70, format="%.2f"),
    }
    if run.failed:
        widest = max(len("; ".join(r.failures)) for r in run.failed)
        columns["Reason"] = st.column_config.TextColumn(
            width=_text_width(widest, REASON_WIDTH),
            help="Why it failed; the reasons are also listed in full above the table.",
        )
    return columns


def _text_width(chars: int, bounds: tuple[int, int]) -> int:
    """Pixels that show `chars` characters of the table's font whole, within `bounds`."""
    low, high = bounds
    return max(low, min(high, 24 + round(chars * 6.8)))


def path_view(run: Run, prefer: str = "") -> None:
    """Pick a result and draw its path; `prefer` is the sidebar's workflow's name."""
    by_name = {r.name: r for r in run.results}
    if not by_name:
        return
    if st.session_state.get(keys.SCENARIOS_SHOW) not in by_name:
        # The first failure, if any; else the first of the sidebar's workflow (not the
        # handoffs files, which sort first, under "Customer support").
        ours = [r for r in run.results if r.workflow.name == prefer]
        st.session_state[keys.SCENARIOS_SHOW] = (run.failed or ours or run.results)[0].name
    name = st.selectbox("Show the path of", list(by_name), key=keys.SCENARIOS_SHOW)
    result = by_name[name]
    workflow = result.workflow
    headline = f"🧪 Path of **{escape_markdown(name)}**"
    machine_panel.show(workflow, result.final_state, headline=headline, tickets={})
    chart, notes = st.columns([3, 2])
    with chart:
        path_chart(workflow, result.final_state)
    with notes:
        if result.scenario.description:
            st.caption(escape_markdown(result.scenario.description))
        path_notes(workflow, result.path, result.tools_called)
        for reason in result.failures:
            st.error(escape_markdown(reason))
        if result.passed:
            st.success("Every expectation held.")


def sidebar_before_a_run(ctx: Context, chosen: list[Scenario]) -> None:
    # The sidebar's workflow when a chosen scenario runs it: the first chosen file may be
    # another workflow's (the handoffs ones sort first), drawn under "Customer support".
    names = [s.workflow for s in chosen]
    name = ctx.flow.name if ctx.flow.name in names else (names or [ctx.flow.name])[0]
    workflow = WORKFLOWS.get(name, ctx.flow)
    machine_panel.show(
        workflow, {}, headline="🧪 No scenario run yet: the path you pick is drawn here", tickets={}
    )


def path_chart(workflow: Workflow, state: dict) -> None:
    st.graphviz_chart(dot_source(workflow, state), width="stretch")


def path_words(workflow: Workflow, path: list[str]) -> str:
    """`Warranty verification → Issue classification` (a step no longer declared by its name)."""
    known = workflow.step_names
    return " → ".join(workflow.step(n).title if n in known else n for n in path)


def path_notes(workflow: Workflow, path: list[str], tools: list[str]) -> None:
    st.markdown(f"**Path:** {escape_markdown(path_words(workflow, path))}")
    called = ", ".join(dict.fromkeys(tools)) or "none"
    st.markdown(f"**Tools called:** {escape_markdown(called)}")


def coverage_view(run: Run) -> None:
    for cov in coverage(run.results).values():
        title = escape_markdown(cov.workflow.title)
        if cov.complete:
            st.success(
                f"**{title}**: every step ({len(cov.workflow.steps)}) and transition "
                f"({len(cov.workflow.edges())}) reached by {cov.scenarios} scenarios.",
                icon="🧭",
            )
            continue
        lines = [f"**{title}**: not reached by any of the {cov.scenarios} scenarios run"]
        lines += [f"- step {escape_markdown(cov.workflow.step(s).title)}" for s in cov.steps_missed]
        lines += [f"- transition {escape_markdown(describe_edge(e))}" for e in cov.edges_missed]
        st.warning("\n".join(lines), icon="🧭")
