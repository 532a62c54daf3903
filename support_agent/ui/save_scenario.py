"""Chat page: save the conversation just held as a scenario file, editable first."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

from support_agent.core.declaration import Workflow, turn_of
from support_agent.core.state_view import customer_turns
from support_agent.features.scenarios import ScenarioLoadError, parse_yaml, scenarios_dir
from support_agent.features.scenarios.file_format import ROOT
from support_agent.features.scenarios.from_thread import (
    draft_from_state,
    save_scenario_text,
    slugify,
)
from support_agent.ui import keys
from support_agent.ui.safe_text import escape_markdown

if TYPE_CHECKING:
    from support_agent.ui.app_context import Context


def _every_turn(ctx: Context, state: dict, said: list[str]) -> list[str]:
    """The customer's messages, including turns summarized away, once asked for (reading the
    history walks every checkpoint: seconds at 200 turns).
    """
    held = turn_of(state)
    if held <= len(said) or ctx.checkpoint_id:
        return said
    cache = keys.SAVE_TURNS.format(ctx.thread_id, held)
    if cache not in st.session_state:
        if not st.button(
            f"Include the {held - len(said)} earlier turns (reads the saved history)",
            icon="📜",
            key=keys.SAVE_RECOVER,
        ):
            return said
        try:
            timeline = ctx.runs.timeline(ctx.flow, ctx.thread_id, history_allowed=True)
            st.session_state[cache] = [p.text for p in timeline.turns()]
        except Exception:  # noqa: BLE001 - the draft then says which turns are missing
            st.session_state[cache] = []
    texts = st.session_state[cache]
    return texts if len(texts) == held and texts[-len(said) :] == said else said


def _draft(workflow: Workflow, state: dict, turns: list[str]):
    """The draft of this conversation, made again only when it has moved on: every rerun
    draws the closed expander, and writing the YAML cost a tenth of a page."""
    messages = state.get("messages") or []
    last = messages[-1].id if messages else None
    made_from = (workflow.name, len(messages), last, turn_of(state), tuple(turns))
    kept = st.session_state.get(keys.SAVE_DRAFT)
    if kept is None or kept[0] != made_from:
        kept = (made_from, draft_from_state(workflow, state, turns=turns))
        st.session_state[keys.SAVE_DRAFT] = kept
    return kept[1]


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def save_scenario_button(ctx: Context, workflow: Workflow, state: dict) -> Path | None:
    said = [str(t) for t in customer_turns(state.get("messages") or [])]
    if not said:
        return None
    directory = scenarios_dir()
    # Its draft only when open: a closed box costs a rerun nothing.
    box = st.expander("Save as scenario", icon="🧪", key=keys.SAVE_OPEN, on_change="rerun")
    if not box.open:
        return None
    with box:
        st.caption(
            "Replays the customer's messages and expects what happened this time: final "
            "step, facts, tools called and path. Edit it to say what *should* happen, then "
            "run it on the Scenarios page."
        )
        draft = _draft(workflow, state, _every_turn(ctx, state, said))
        version = hashlib.sha1(draft.text.encode()).hexdigest()[:12]
        for warning in draft.warnings:
            st.warning(warning, icon="📝")
        text = st.text_area(
            "Scenario (YAML)", value=draft.text, height=360, key=keys.SAVE_TEXT.format(version)
        )
        overwrite = st.checkbox("Overwrite an existing file", key=keys.SAVE_OVERWRITE)
        try:
            # Only an edited text is parsed again (parsing every rerun cost a tenth of a turn).
            name = draft.name if text == draft.text else parse_yaml(text).name
            target = directory / f"{slugify(name)}.yaml"
        except ScenarioLoadError:
            target = None
        if target is not None:
            exists = " (exists)" if target.exists() else ""
            st.caption(f"Saves as `{_shown(target)}`{exists}")
        if not st.button("Save scenario", icon="💾", key=keys.SAVE_BUTTON):
            return None
        try:
            path = save_scenario_text(text, directory, overwrite=overwrite)
        except ScenarioLoadError as exc:
            why = " — fix these first:\n\n" + "\n".join(
                f"- {escape_markdown(p)}" for p in exc.problems
            )
        except FileExistsError:
            why = (
                f": `{_shown(target or directory)}` already exists. Tick "
                "*Overwrite an existing file* to replace it, or change the name."
            )
        except OSError as exc:
            why = f": can't write the file ({exc.strerror or exc})."
        else:
            st.success(f"Saved `{_shown(path)}`.", icon="✅")
            return path
        st.error(f"**Not saved**{why}", icon="🚫")
    return None
