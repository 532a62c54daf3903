"""The state machine panel: diagram, recorded facts, transition history, "Jump to a step".

Drawn as soon as its place is reserved and redrawn in place as moves happen, so it never
goes blank while a turn runs.
"""

from __future__ import annotations

import streamlit as st

from support_agent.core.declaration import (
    Step,
    Workflow,
    is_decision,
    is_handover,
    is_jump,
    turn_of,
)
from support_agent.core.diagram import dot_source, handovers
from support_agent.core.engine import ApprovalRequest, is_store_error
from support_agent.core.state_view import customer_turns, facts, handed_to
from support_agent.ui import jump, keys, runtime, transcript
from support_agent.ui.safe_text import escape_markdown

SHOWN_MOVES = 8  # the panel stays short however long the conversation; exports hold them all


def reserve_slot(
    workflow: Workflow,
    state: dict,
    where,
    *,
    wide: bool = False,
    waiting: ApprovalRequest | None = None,
    controls=None,
    thread_id: str | None = None,
    jump_control: bool = True,
) -> None:
    """Keep a place for the panel in `where` and draw it now; "Jump to a step" below it (its
    widgets can't live in a panel redrawn in place), or in `controls` when given.
    """
    st.session_state[keys.MACHINE_SLOT] = (where.empty(), wide)
    width = "stretch" if controls is None else "content"  # in the sidebar, or in a row
    st.session_state.pop(keys.MACHINE_DRAWN, None)
    show(workflow, state, waiting=waiting, tickets=ticket_ids(state, thread_id))
    if jump_control:
        jump.control(workflow, where if controls is None else controls, width=width)


def _dot(workflow: Workflow, state: dict, *, wide: bool, waiting: str, tickets: dict) -> str:
    """The diagram's DOT, made again only when what it is made of changed (a run asks twice)."""
    made_of = (
        wide, waiting, tuple(tickets.items()), workflow.current(state), turn_of(state),
        bool(customer_turns(state.get("messages") or [])), repr(state.get("transitions") or []),
    )  # fmt: skip
    memo = st.session_state.get(keys.MACHINE_DOT)
    # The workflow itself, not its name: a prompt version may retitle a step.
    if memo is None or memo[0] is not workflow or memo[1] != made_of:
        memo = (
            workflow,
            made_of,
            dot_source(workflow, state, wide=wide, waiting=waiting, tickets=tickets),
        )
        st.session_state[keys.MACHINE_DOT] = memo
    return memo[2]


def remember_facts(workflow: Workflow, state: dict) -> None:
    st.session_state[keys.MACHINE_FACTS_BEFORE] = facts(workflow, state)


def show(
    workflow: Workflow,
    state: dict,
    *,
    live: bool = False,
    viewing: str | None = None,
    waiting: ApprovalRequest | None = None,
    headline: str | None = None,
    tickets: dict[str, str] | None = None,
) -> None:
    """Draw the panel into the reserved place; `headline` and `tickets` for another state."""
    slot, wide = st.session_state.get(keys.MACHINE_SLOT) or (None, False)
    if slot is None:
        return
    # Drawn at the start and end of every run: skip the second when nothing shown changed.
    tickets = ticket_ids(state) if tickets is None else tickets
    dot = _dot(workflow, state, wide=wide, waiting=waiting.tool if waiting else "", tickets=tickets)
    shown = (
        workflow.name, workflow.current(state), live, viewing, dot, headline,
        waiting.id if waiting else None,
        tuple(r.get("id") for r in state.get("transitions") or []),
        tuple(state.get(key) for key in workflow.fact_keys),
        _changed(workflow, state) if headline is None else (),
    )  # fmt: skip
    if st.session_state.get(keys.MACHINE_DRAWN) == shown:
        return
    st.session_state[keys.MACHINE_DRAWN] = shown
    # Every draw puts its elements in the same places (a line that may be absent keeps an
    # `st.empty` place): redrawn within one run, a container keeps the elements of the first
    # draw that the second leaves unused, so after a rewind the history showed twice.
    with slot.container():
        step = workflow.step(workflow.current(state))
        st.markdown(_headline(step, headline, waiting, live=live, wide=wide))
        rewound, tuned = st.empty(), st.empty()
        if viewing:
            rewound.caption(f"🕰️ Showing: {viewing}")
        if headline is None and (version := _tuned_prompt(workflow, step)):
            tuned.caption(f"📝 Prompt for {step.title}: **{version}**")
        st.graphviz_chart(
            dot,
            # The presenter view's drawing fills the column, no taller than the screen allows.
            width="stretch" if wide else "content",
            alt=f"State machine of {workflow.title}; the active step is {step.title}.",
        )
        left, right = st.columns(2) if wide else (st.container(), st.container())
        with left:
            _facts(workflow, state, new=shown[-1])
        with right:
            _history(workflow, state, tickets, wide=wide)
        with left if wide else right:
            _details(workflow, state)


def _tuned_prompt(workflow: Workflow, step: Step) -> str:
    """The label of the saved prompt version the step uses ("v2 · shorter"); "" for the
    default, so a demo on the shipped prompts shows no line."""
    try:
        version = runtime.store().prompts.active(workflow.name, step.name)
    except Exception as exc:  # noqa: BLE001 - a store that is down: the panel still draws
        if not is_store_error(exc):
            raise
        return ""
    return "" if version is None else escape_markdown(version.label)


def _headline(
    step: Step, headline: str | None, waiting: ApprovalRequest | None, *, live: bool, wide: bool
) -> str:
    """Where the machine is, in a line: a page's own headline, a pause, or "Now at"."""
    small = step.description
    if headline is not None:
        first = headline
    elif waiting is not None:
        first, small = f"⏸️ Waiting at **{step.title}** for a person", waiting.question
    else:
        first = ("⏳ " if live else "") + f"Now at **{step.title}**"
    small = escape_markdown(small)
    return first + (f" — :small[{small}]" if wide else f"  \n:small[{small}]")


def ticket_ids(state: dict, thread_id: str | None = None) -> dict[str, str]:
    """The ticket each hand-over in `state` opened, by its tool call id ("T-1004")."""
    if not handovers(state):
        return {}
    if thread_id is None:
        thread_id = st.session_state.get(keys.THREAD) or ""
    return {call: t.id for call, t in transcript.thread_tickets(thread_id).items()}


def _changed(workflow: Workflow, state: dict) -> tuple[str, ...]:
    before = st.session_state.get(keys.MACHINE_FACTS_BEFORE) or {}
    return tuple(
        fact.key
        for fact in workflow.facts
        if fact.key in before
        and before[fact.key] != state.get(fact.key)
        and state.get(fact.key) is not None
    )


def _facts(workflow: Workflow, state: dict, new: tuple[str, ...]) -> None:
    if not workflow.facts:
        st.empty()  # holds the place, so another workflow's facts drawn earlier go (see `show`)
        return
    lines = [
        f"- **{fact.title}**: "
        + ("_not yet known_" if value is None else escape_markdown(fact.words(value)))
        + (" :green-badge[new this turn]" if fact.key in new else "")
        for fact in workflow.facts
        for value in [state.get(fact.key)]
    ]
    st.markdown("**Recorded facts**\n" + "\n".join(lines))


def history_lines(
    workflow: Workflow, state: dict, tickets: dict[str, str] | None = None
) -> list[str]:
    """Each move as Markdown, newest first: ⤵ a jump, ✋ a decision, 🙋 a hand-over."""
    lines = []
    for record in reversed(state.get("transitions") or []):
        source = workflow.step(record["source"]).title
        why = record.get("reason", "")
        if is_handover(record):  # the machine stays; the case went to a person
            move = f"🙋 {source} → **{handed_to(workflow, record, tickets or {})}**"
        elif is_decision(record):  # a person's decision where the conversation waited
            move = f"✋ at **{source}**"
        else:
            move = f"{source} → **{workflow.step(record['target']).title}**"
            why = why or workflow.tool_label(record["tool"])
            why = f"⤵ {why}" if is_jump(record) else why
        lines.append(
            f"**Turn {record.get('turn', '?')}** · {move}  \n:small[{escape_markdown(why)}]"
        )
    return lines


def _history(workflow: Workflow, state: dict, tickets: dict[str, str], *, wide: bool) -> None:
    lines = history_lines(workflow, state, tickets)
    shown = 2 if wide else SHOWN_MOVES
    st.markdown("**Transition history** :small[(newest first)]")
    moves, more = st.empty(), st.empty()  # the same places, moves or not (see `show`)
    if not lines:
        moves.caption("No moves yet.")
        return
    moves.markdown("\n\n".join(lines[:shown]))
    if not wide and len(lines) > shown:
        more.caption(
            f"The latest {shown} of {len(lines)} moves. The Threads page exports the whole history."
        )


def _details(workflow: Workflow, state: dict) -> None:
    """The identifiers behind the words, for engineers (not `st.code`: it loads a highlighter)."""
    with st.expander("Details for engineers", icon=":material/code:"):
        values = {workflow.state_key: workflow.current(state)}
        values |= {key: state.get(key) for key in workflow.fact_keys}
        lines = [f"- {_code(key)} = {_code(value)}" for key, value in values.items()]
        moves = (state.get("transitions") or [])[-SHOWN_MOVES:]
        lines += ["", "**Latest moves** (oldest first)"] if moves else []
        lines += [
            f"- turn {int(r.get('turn') or 0)}: {_code(r['source'])} → {_code(r['target'])}"
            f" · {_code(r['tool'])}"
            for r in moves
        ]
        st.markdown("\n".join(lines))


def _code(value) -> str:
    return f"`{str(value).replace('`', chr(39))}`"
