"""The walkthrough's widgets: what to replay, and Back / Next (or ← / →) through its turns.

The replay is kept while the same thing stays picked, so a step redraws without rereading.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from support_agent.features import replays
from support_agent.features.scenarios import load_each, scenarios_dir
from support_agent.features.scenarios.file_format import scenario_files
from support_agent.ui import keys, runtime
from support_agent.ui.app_context import Context
from support_agent.workflows import WORKFLOWS

SCENARIO, THREAD = "A shipped scenario", "A saved conversation"
FIRST_SCENARIO = "support-tutorial"  # the tutorial's story: where a talk usually starts


# Shared by every session; keyed on the file's modification time, so an edit reruns it.
@st.cache_resource(show_spinner="Running the scenario with the offline model…", max_entries=64)
def _scenario_replay(path: str, changed: float) -> replays.Replay:
    (scenario,), _errors = load_each([path])
    return replays.of_scenario(scenario)


@st.cache_data(show_spinner=False, max_entries=8)
def _names(folder: str, stamps: tuple) -> dict[str, str]:
    scenarios, _errors = load_each([folder])  # a file that doesn't load is left out
    return {str(s.source): s.name for s in scenarios if s.source is not None}


def _scenario_files() -> dict[str, str]:
    folder = scenarios_dir()
    files = scenario_files([folder]) if folder.is_dir() else []
    return _names(str(folder), tuple((str(p), p.stat().st_mtime) for p in files))


def pick(ctx: Context, where) -> replays.Replay | None:
    """The source picker in `where`; the replay picked (None: nothing, said on the page)."""
    # Buttons, not radio inputs: a focused radio would take the arrow keys for itself.
    source = where.segmented_control(
        "Replay", [SCENARIO, THREAD], default=SCENARIO, required=True, key=keys.WALK_SOURCE,
        label_visibility="collapsed",
    )  # fmt: skip
    if source == SCENARIO:
        files = _scenario_files()
        if not files:
            where.info(f"No scenario files in {scenarios_dir().name}/.", icon="🧪")
            return None
        paths = list(files)
        first = next((i for i, p in enumerate(paths) if FIRST_SCENARIO in p), 0)
        path = where.selectbox(
            "Scenario", paths, index=first, format_func=files.get, key=keys.WALK_SCENARIO
        )
        return _scenario_replay(path, Path(path).stat().st_mtime)
    records = ctx.store.threads.all(owner=ctx.owner)  # a visitor replays only their own
    if not records:
        where.info("No saved conversations yet. Start one on the Chat page.", icon="💬")
        return None
    titles = {r["thread_id"]: _thread_title(r) for r in records}
    ids = list(titles)
    current = ids.index(ctx.thread_id) if ctx.thread_id in titles else 0
    thread_id = where.selectbox(
        "Conversation", ids, index=current, format_func=titles.get, key=keys.WALK_THREAD
    )
    record = records[ids.index(thread_id)]
    workflow = WORKFLOWS.get(record["workflow"])
    if workflow is None:
        where.warning("This conversation's workflow no longer exists.", icon="⚠️")
        return None
    return _thread_replay(workflow.name, thread_id, record["title"], record["updated_at"])


def _thread_replay(workflow: str, thread_id: str, title: str, updated: str) -> replays.Replay:
    """Read once per change of the thread (its last activity): stepping reads nothing."""
    kept = st.session_state.get(keys.WALK_REPLAY)
    marker = (thread_id, updated)
    if kept is None or kept[0] != marker:
        graph = runtime.reader_graph(workflow)
        kept = (marker, replays.of_thread(graph, WORKFLOWS[workflow], thread_id, title))
        st.session_state[keys.WALK_REPLAY] = kept
    return kept[1]


def _thread_title(record: dict) -> str:
    workflow = WORKFLOWS.get(record["workflow"])
    return f"{record['title']} · {workflow.title}" if workflow else record["title"]


def _identity(replay: replays.Replay) -> tuple:
    return (replay.thread_id or replay.title, replay.turns)


def shown_turn(replay: replays.Replay) -> int:
    kept = st.session_state.get(keys.WALK_TURN)
    if kept is None or kept[0] != _identity(replay):
        return 0
    return max(0, min(kept[1], replay.turns))


def _step(replay: replays.Replay, by: int) -> None:
    st.session_state[keys.WALK_TURN] = (
        _identity(replay),
        max(0, min(shown_turn(replay) + by, replay.turns)),
    )


def controls(replay: replays.Replay, where) -> int:
    turn = shown_turn(replay)
    where.button(
        "Back", icon=":material/arrow_back:", shortcut="Left", disabled=turn == 0,
        on_click=_step, args=(replay, -1), key=keys.WALK_BACK,
        help="One turn back (← key)",
    )  # fmt: skip
    where.markdown(f"**Turn {turn} of {replay.turns}**")
    where.button(
        "Next", icon=":material/arrow_forward:", shortcut="Right", type="primary",
        disabled=turn >= replay.turns, on_click=_step, args=(replay, 1), key=keys.WALK_NEXT,
        help="The next turn (→ key)",
    )  # fmt: skip
    return turn
