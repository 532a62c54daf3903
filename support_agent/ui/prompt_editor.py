"""Prompts page widgets: edit, version, compare and activate prompts and tool descriptions."""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from support_agent.core.declaration import Step, Workflow
from support_agent.core.middleware.step_config import tool_key
from support_agent.core.prompting import TemplateError, placeholders
from support_agent.features.prompt_diff import Line, side_by_side
from support_agent.features.prompt_guide import dropped_tools, placeholder_meanings
from support_agent.features.prompt_versions import (
    TOOL_DESCRIPTION_CHARS,
    PromptVersions,
    Version,
    allowed_placeholders,
    defaults,
    is_tool_key,
    tool_name,
    validate,
)
from support_agent.features.thread_titles import plural
from support_agent.ui import experiment_widgets, keys, machine_panel, runtime
from support_agent.ui.keys import PromptKeys
from support_agent.ui.safe_text import escape_lines, escape_markdown, when
from support_agent.workflows import WORKFLOWS

if TYPE_CHECKING:
    from support_agent.ui.app_context import Context

OFFLINE_NOTICE = (
    "The offline demo model ignores prompt edits: it follows built-in rules for each "
    "workflow. Saved and activated versions are read by real models; pick one under "
    "**Model** in the sidebar to try them in the chat."
)


def _flash(k: PromptKeys, kind: str, text: str) -> None:
    st.session_state[keys.PROMPTS_FLASH] = {"where": k.where, "kind": kind, "text": text}


def _show_flash(k: PromptKeys) -> None:
    flash = st.session_state.get(keys.PROMPTS_FLASH)
    if not flash or flash["where"] != k.where:
        return
    st.session_state.pop(keys.PROMPTS_FLASH)
    show = st.error if flash["kind"] == "error" else st.success
    show(flash["text"], icon="⚠️" if flash["kind"] == "error" else "✅")


def active_label(version: Version | None) -> str:
    return "Default" if version is None else escape_markdown(version.label)


def _code_list(names: list[str]) -> str:
    return " ".join(f"`{{{n}}}`" for n in names) or "none"


def _save(versions: PromptVersions, k: PromptKeys, *, anyway: bool = False) -> None:
    """Save the editor's text as a new version; held back once if a step prompt stops naming
    one of its tools (`anyway` saves regardless).
    """
    state = st.session_state
    text = state.get(k.text, "")
    workflow = WORKFLOWS[k.workflow]
    try:
        validate(workflow, k.key, text)  # a broken template is said first
        if not is_tool_key(k.key) and not anyway:
            current = versions.current_text(k.workflow, k.key)
            if dropped_tools(workflow, k.key, current, text):
                state[k.unsaved] = text  # `_hold_back` asks: save anyway?
                return
        state.pop(k.unsaved, None)
        saved = versions.save(k.workflow, k.key, text, state.get(k.name, ""), state.get(k.note, ""))
    except TemplateError as exc:
        _flash(k, "error", "Not saved. " + escape_markdown(str(exc)))
        return
    state[k.name] = ""
    state[k.note] = ""
    state[k.pick] = saved.label
    label = escape_markdown(saved.label)
    _flash(k, "success", f"Saved **{label}**. Activate it to use it in new turns.")


def tools_warning(versions: PromptVersions, workflow: Workflow, step: Step, text: str) -> str:
    """What the editor's text stops naming, in words ("" when nothing)."""
    dropped = dropped_tools(
        workflow, step.name, versions.current_text(workflow.name, step.name), text
    )
    if not dropped:
        return ""
    names = ", ".join(f"`{t}`" for t in dropped)
    it = "it" if len(dropped) == 1 else "them"
    return (
        f"This prompt no longer mentions {names}, which the step offers the model. The model "
        f"may stop using {it}: it mostly calls the tools its prompt tells it about."
    )


def _hold_back(versions: PromptVersions, k: PromptKeys, step: Step, text: str) -> None:
    """The warning under the editor; after a Save held back, the choice to save anyway."""
    warning = tools_warning(versions, WORKFLOWS[k.workflow], step, text)
    held = st.session_state.get(k.unsaved)
    if held is not None and held != text:
        st.session_state.pop(k.unsaved, None)  # edited since: the next Save checks again
        held = None
    if not warning:
        return
    if held is None:
        st.warning(warning, icon="🔧")
        return
    st.warning(f"**Not saved yet.** {warning} Save it anyway, or name the tool again.", icon="🔧")
    st.button(
        "Save anyway",
        icon="💾",
        on_click=_save,
        args=(versions, k),
        kwargs={"anyway": True},
        key=k.save_anyway,
    )


def _activate(versions: PromptVersions, k: PromptKeys, version_id: str | None) -> None:
    try:
        version = versions.activate(k.workflow, k.key, version_id)
    except KeyError:
        _flash(k, "error", "That version is no longer there; nothing was activated.")
        return
    st.session_state[k.text] = version.text
    label = escape_markdown(version.label)
    _flash(k, "success", f"**{label}** is active: the next turn in the chat uses it.")


def _use_default(versions: PromptVersions, k: PromptKeys) -> None:
    versions.use_default(k.workflow, k.key)
    st.session_state[k.text] = defaults(k.workflow)[k.key]
    _flash(k, "success", "Back to the default: the next turn in the chat uses it.")


def _load(versions: PromptVersions, k: PromptKeys, version_id: str | None) -> None:
    version = versions.get(version_id) if version_id else None
    st.session_state[k.text] = version.text if version else versions.current_text(k.workflow, k.key)


def pick_workflow(current: str) -> Workflow:
    st.session_state.setdefault(keys.PROMPTS_WORKFLOW, current)
    name = st.selectbox(
        "Workflow to edit",
        list(WORKFLOWS),
        format_func=lambda n: WORKFLOWS[n].title,
        key=keys.PROMPTS_WORKFLOW,
        help="Activated versions apply to every new turn of every conversation of that workflow.",
    )
    return WORKFLOWS[name]


def pick_step(workflow: Workflow) -> Step:
    label = "Agent" if workflow.graph_endpoints else "Step"
    name = st.selectbox(
        label,
        workflow.step_names,
        format_func=lambda n: workflow.step(n).title,
        key=keys.PROMPTS_STEP.format(workflow.name),
    )
    return workflow.step(name)


def pick_target(workflow: Workflow, step: Step) -> str:
    options = [step.name, *(tool_key(t.name) for t in step.tools)]
    return st.radio(
        "Edit",
        options,
        format_func=lambda key: (
            f"🔧 `{tool_name(key)}` description" if is_tool_key(key) else "📝 Prompt"
        ),
        horizontal=True,
        key=keys.PROMPTS_TARGET.format(workflow.name, step.name),
    )


def step_overview(versions: PromptVersions, workflow: Workflow, step: Step) -> None:
    with st.container(border=True):
        st.markdown(f"**{step.title}** — {step.description}")
        st.markdown(
            f"Prompt: **{active_label(versions.active(workflow.name, step.name))}** · "
            f"Tools: {' '.join(f'`{n}`' for n in step.tool_names) or 'none'}"
        )
        st.markdown("**Tool descriptions** (what the model reads about each tool)")
        # A static table, not a data grid: the grid cuts a cell at its first line, and a
        # tuner must read every word the model is given, wrapped to the page.
        st.table(
            [
                {
                    "Tool": f"`{tool.name}`",
                    "Active": active_label(versions.active(workflow.name, key)),
                    "Description": escape_lines(versions.current_text(workflow.name, key)),
                }
                for tool in step.tools
                for key in [tool_key(tool.name)]
            ],
        )


def saved_as(versions: PromptVersions, workflow: Workflow, key: str, text: str) -> str | None:
    """What already holds `text`: the newest saved version's label, `Default`, or None."""
    for version in reversed(versions.versions(workflow.name, key)):
        if version.text == text:
            return version.label
    return "Default" if text == defaults(workflow)[key] else None


def _editor_status(
    versions: PromptVersions, workflow: Workflow, key: str, text: str, active_text: str
) -> None:
    """Whether the editor's text is saved (as any version: saving does not activate)."""
    if text == active_text:
        return  # the editor shows what is in use: nothing to say
    label = saved_as(versions, workflow, key, text)
    if label is None:
        st.caption("✏️ Unsaved changes: save them as a new version, then activate it.")
    elif label == "Default":
        st.caption("The editor shows the default text (not active): **Use default** applies it.")
    else:
        st.caption(
            f"💾 The editor shows **{escape_markdown(label)}**, saved but not active: "
            "activate it under **Versions** to use it in new turns."
        )


def placeholders_help(workflow: Workflow, key: str) -> None:
    meanings = placeholder_meanings(workflow, key)
    with st.expander(f"Placeholders it may use: {_code_list([n for n, _ in meanings])}", icon="🧩"):
        st.markdown(
            "A placeholder is a name in braces, such as `{turn}`. Before every model call it "
            "is replaced by that value of **this conversation**, so one prompt fits every "
            "customer. Write `{{` or `}}` for a literal brace."
        )
        st.markdown("\n".join(f"- `{{{name}}}`: {meaning}" for name, meaning in meanings))


def prompt_view(versions: PromptVersions, workflow: Workflow, step: Step) -> None:
    """The step's prompt in use, to read (a visitor's view): line by line, escaped."""
    st.subheader(f"Prompt of {step.title}")
    st.markdown(f"Active: **{active_label(versions.active(workflow.name, step.name))}**")
    placeholders_help(workflow, step.name)
    with st.container(border=True):
        st.markdown(escape_lines(versions.current_text(workflow.name, step.name)))


def editor(versions: PromptVersions, workflow: Workflow, step: Step, key: str) -> None:
    k = PromptKeys(workflow.name, key)
    active = versions.active(workflow.name, key)
    current = active.text if active else defaults(workflow)[key]
    st.session_state.setdefault(k.text, current)
    tool = is_tool_key(key)

    st.subheader(f"Description of `{tool_name(key)}`" if tool else f"Prompt of {step.title}")
    st.markdown(f"Active: **{active_label(active)}**")
    if tool:
        st.caption(
            f"No placeholders here: the model reads this text as it is (write {{{{ and }}}} "
            f"for a literal brace). At most {TOOL_DESCRIPTION_CHARS:,} characters."
        )
    else:
        placeholders_help(workflow, key)

    text = st.text_area(
        "Template",
        key=k.text,
        height=160 if tool else 320,
        # No max_chars: the box would cut a paste silently; saving says what the limit is.
        help="Filled from the conversation's state before each model call."
        if not tool
        else "What the model reads about this tool when deciding to call it.",
    )
    if not tool:
        _placeholders_used(text, allowed_placeholders(workflow, key))
    _editor_status(versions, workflow, key, text, current)
    if not tool:
        _hold_back(versions, k, step, text)

    _save_row(versions, k, unchanged=text == current)


def _placeholders_used(text: str, allowed: list[str]) -> None:
    try:
        used = placeholders(text)
    except TemplateError:
        st.markdown("Placeholders it uses: _fix the template to see them_")
        return
    unknown = [n for n in used if n not in allowed]
    st.markdown(
        f"Placeholders it uses: {_code_list(used)}"
        + (f" · unknown here: {_code_list(unknown)}" if unknown else "")
    )


def _save_row(versions: PromptVersions, k: PromptKeys, *, unchanged: bool) -> None:
    left, right = st.columns([1, 2])
    left.text_input("Version name", key=k.name, max_chars=80, placeholder="e.g. shorter greeting")
    right.text_input("Note", key=k.note, max_chars=500, placeholder="why this change")
    save, revert = st.columns([1, 1])
    save.button(
        "Save as new version",
        type="primary",
        icon="💾",
        on_click=_save,
        args=(versions, k),
        width="stretch",
    )
    revert.button(
        "Revert editor to active",
        icon="↩️",
        on_click=_load,
        args=(versions, k, None),
        disabled=unchanged,
        width="stretch",
    )
    _show_flash(k)


def versions_panel(versions: PromptVersions, workflow: Workflow, key: str) -> None:
    k = PromptKeys(workflow.name, key)
    saved = versions.versions(workflow.name, key)
    active = versions.active(workflow.name, key)
    st.subheader("Versions")
    if not saved:
        st.caption("No saved versions yet: the default is in use.")
    else:
        st.dataframe(
            [
                {
                    "Version": f"v{v.number}",
                    "Name": v.name,
                    "Note": v.note,
                    "Saved": when(v.created_at),
                    "Active": "✅ active" if active and v.id == active.id else "",
                }
                for v in reversed(saved)
            ],
            hide_index=True,
            width="stretch",
        )
    by_label = {v.label: v for v in reversed(saved)}  # labels are unique: "v<n> · name"
    if st.session_state.get(k.pick) not in by_label:
        st.session_state.pop(k.pick, None)
    cols = st.columns([3, 2, 2, 2], vertical_alignment="bottom")
    label = cols[0].selectbox(
        "Version", list(by_label), key=k.pick, disabled=not saved, placeholder="no versions yet"
    )
    chosen = by_label.get(label)
    picked = chosen.id if chosen else None
    for column, (text, icon, act, args, off) in zip(
        cols[1:],
        [
            ("Activate", "🚀", _activate, (picked,), picked in (None, active and active.id)),
            ("Load into editor", "📥", _load, (picked,), picked is None),
            ("Use default", "🏠", _use_default, (), active is None),
        ],
        strict=True,
    ):
        column.button(
            text,
            icon=icon,
            type="primary" if act is _activate else "secondary",
            on_click=act,
            args=(versions, k, *args),
            disabled=off,
            width="stretch",
        )
    if chosen is not None:
        _experiments_of(chosen)


def _experiments_of(version: Version) -> None:
    tried = runtime.store().experiments.for_version(version.id)
    label = escape_markdown(version.label)
    if not tried:
        st.caption(
            f"No experiments with **{label}** yet: compare it with another version on the "
            "**Experiments** page."
        )
        return
    st.markdown(f"**Experiments with {label}**")
    for experiment in tried[:5]:
        line, button = st.columns([6, 1], vertical_alignment="center")
        line.caption(f"{when(experiment.created_at)} — {escape_markdown(experiment.summary())}")
        if button.button(
            "Open", icon="⚖️", key=keys.EXPERIMENT_OPEN_BUTTON.format("prompts", experiment.id)
        ):
            experiment_widgets.open_on_page(experiment.id)


def _line_markdown(line: Line | None, colour: str) -> str:
    """One template line as Markdown, every piece escaped, changed words marked in `colour`."""
    if not line:
        return "\u00a0"
    shown = "".join(
        f":{colour}-background[{escape_markdown(p.text)}]"
        if p.changed and p.text.strip()
        else escape_markdown(p.text)
        for p in line
    )
    indent = len(shown) - len(shown.lstrip(" "))  # Markdown drops leading spaces
    return "\u00a0" * indent + shown.lstrip(" ")


def diff_panel(versions: PromptVersions, workflow: Workflow, key: str) -> None:
    k = PromptKeys(workflow.name, key)
    saved = versions.versions(workflow.name, key)
    texts = {
        "Default": defaults(workflow)[key],
        **{v.label: v.text for v in saved},
        "Editor": st.session_state.get(k.text, defaults(workflow)[key]),
    }  # a version's label starts with "v<n>", so none is "Default" or "Editor"
    options = list(texts)
    st.subheader("Compare")
    left, right = st.columns(2)
    start = left.selectbox("From", options, key=k.diff_from)
    end = right.selectbox("To", options, index=len(options) - 1, key=k.diff_to)
    blocks = side_by_side(texts[start], texts[end])
    if not blocks:
        st.caption("No differences.")
        return
    st.caption(
        "Words only the left one has are marked red, words only the right one has green; "
        "unchanged stretches are folded."
    )
    for block in blocks:
        if block.unchanged:
            st.caption(f"⋯ {plural(block.unchanged, 'unchanged line')}")
            continue
        old, new = st.columns(2, border=True)
        old.markdown("  \n".join(_line_markdown(r.left, "red") for r in block.rows))
        new.markdown("  \n".join(_line_markdown(r.right, "green") for r in block.rows))


def studio(ctx: Context) -> None:
    versions = ctx.store.prompts
    if ctx.model.offline:
        st.info(OFFLINE_NOTICE, icon="🤖")
    left, right = st.columns(2)
    with left:
        workflow = pick_workflow(ctx.workflow)
    with right:
        step = pick_step(workflow)
    # The sidebar draws the step whose prompt is on screen, not the chat's.
    noun = "agent" if workflow.graph_endpoints else "step"
    doing = "✏️ Editing" if ctx.operator else "📖 Reading"  # a visitor can't edit here
    headline = f"{doing} the {noun} **{step.title}**"
    machine_panel.show(workflow, {workflow.state_key: step.name}, headline=headline, tickets={})
    step_overview(versions, workflow, step)
    if not ctx.operator:
        st.info(
            "Prompts are changed by the operator of this app: every visitor's conversations "
            "would use them. You can read them here.",
            icon="🔒",
        )
        prompt_view(versions, workflow, step)
        return
    key = pick_target(workflow, step)
    editor(versions, workflow, step, key)
    versions_panel(versions, workflow, key)
    diff_panel(versions, workflow, key)
