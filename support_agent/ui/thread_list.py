"""Threads page widgets: every conversation, to find, open, rename, export or delete."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import streamlit as st

from support_agent.core.declaration import Workflow
from support_agent.features.exports import as_json, as_markdown
from support_agent.features.thread_titles import (
    Listed,
    describe,
    distinct,
    first_customer_message,
    page_slice,
    pages,
    plural,
    showing,
    stored_form,
)
from support_agent.ui import keys
from support_agent.ui.safe_text import escape_markdown, when
from support_agent.workflows import WORKFLOWS

if TYPE_CHECKING:
    from support_agent.service.backend import Backend
    from support_agent.ui.app_context import Context


def where_kept(ctx: Context) -> None:
    """Where conversations are kept; the file or database only for the operator."""
    if ctx.runs.on_server:
        st.caption(
            "Conversations are kept on the agent server; their titles, tickets and approvals "
            "are kept by this app."
        )
    else:
        st.caption(ctx.store.where())
    if ctx.operator:
        with st.expander("Engineer details", icon="🔧"):
            st.caption("Where the app keeps conversations (credentials removed):")
            st.code(ctx.store.address(), language=None, wrap_lines=True)


@dataclass(frozen=True)
class Entry:
    listed: Listed
    workflow: Workflow
    state: dict
    waiting: bool = False  # paused for a person's approval


def entries(ctx: Context, records: list[dict]) -> list[Entry]:
    found: list[Entry] = []
    waiting = {w.thread_id for w in ctx.store.approvals.waiting()}
    for record in records:
        workflow = WORKFLOWS.get(record["workflow"])
        if workflow is None:
            continue
        state = ctx.runs.read(workflow.name, record["thread_id"]).values
        first = first_customer_message(state)
        earlier: list[str] = []
        if first is None or record["title"] != stored_form(first):
            # Renamed, summarized or turn 1 edited: the turn-1 texts tell if the title is still it.
            rows = ctx.store.turn_points.of(record["thread_id"])
            earlier = [r["text"] for r in rows if int(r["turn"]) == 1]
        listed = describe(workflow, record, state, earlier)
        found.append(Entry(listed, workflow, state, record["thread_id"] in waiting))
    titled = distinct([e.listed for e in found])
    return [Entry(t, e.workflow, e.state, e.waiting) for t, e in zip(titled, found, strict=True)]


def first_page(key: str) -> None:
    st.session_state[key] = 1


def page_picker(where, key: str, total: int) -> tuple[int, int]:
    """The page box (only past one page's worth); (start, end) of the rows shown."""
    count = pages(total)
    number = 1
    if count > 1:
        st.session_state[key] = min(max(int(st.session_state.get(key) or 1), 1), count)
        number = int(
            where.number_input(f"Page (of {count})", min_value=1, max_value=count, step=1, key=key)
        )
    return page_slice(total, number)


def search_and_page(found: list[Entry]) -> list[Entry]:
    left, right = st.columns([4, 1], vertical_alignment="bottom")
    query = left.text_input(
        "Search",
        placeholder="A title or a recorded fact, e.g. battery, in warranty",
        key=keys.THREADS_SEARCH,
        on_change=first_page,
        args=(keys.THREADS_PAGE,),
    )
    matched = [e for e in found if e.listed.matches(query)]
    start, end = page_picker(right, keys.THREADS_PAGE, len(matched))
    if not matched:
        st.info("No conversation matches this search.", icon="🔎")
        return []
    if query.strip():
        st.caption(
            f"{showing(len(matched), start, end)} · {plural(len(found), 'conversation')} in all"
        )
    elif pages(len(matched)) > 1:
        st.caption(showing(len(matched), start, end))
    else:
        st.caption(plural(len(found), "conversation"))
    return matched[start:end]


def thread_card(ctx: Context, entry: Entry) -> None:
    listed, workflow, state = entry.listed, entry.workflow, entry.state
    thread_id = listed.thread_id
    is_open = thread_id == ctx.thread_id
    with st.container(border=True):
        top = st.columns([5, 2, 2, 2], vertical_alignment="center")
        badge = "  :blue-badge[open in chat]" if is_open else ""
        badge += "  :orange-badge[✋ waiting for approval]" if entry.waiting else ""
        top[0].markdown(f"**{escape_markdown(listed.title)}**{badge}")
        top[1].caption(workflow.title)
        top[2].caption(f"{listed.step} · {plural(listed.turns, 'turn')}")
        top[3].caption(f"Last activity {when(listed.updated_at)}")
        actions = st.columns([2, 3, 2, 2, 2], vertical_alignment="bottom")
        if actions[0].button(
            "Open in chat",
            key=keys.PART.format("open", thread_id),
            icon="💬",
            type="primary",
        ):
            ctx.open_thread(thread_id)
            st.switch_page("app_pages/chat.py")
        key = keys.PART.format("title", thread_id)
        st.session_state[key] = listed.title  # the box always shows the title as listed
        actions[1].text_input(
            "Rename",
            key=key,
            on_change=_rename,
            args=(ctx.runs, thread_id, key, listed.title),
            help="Your title replaces the automatic one for good; press Enter to save.",
        )
        name = f"conversation-{thread_id[:8]}"
        handed = {t.call_id: t.id for t in ctx.store.tickets.of_thread(thread_id)}
        about = {"thread_id": thread_id, "title": listed.title, "tickets": handed}
        actions[2].download_button(
            "Markdown", as_markdown(workflow, state, **about),
            file_name=f"{name}.md", mime="text/markdown", icon="⬇️",
            key=keys.PART.format("md", thread_id),
        )  # fmt: skip
        actions[3].download_button(
            "JSON", as_json(workflow, state, **about),
            file_name=f"{name}.json", mime="application/json", icon="⬇️",
            key=keys.PART.format("json", thread_id),
        )  # fmt: skip
        if actions[4].button("Delete", key=keys.PART.format("delete", thread_id), icon="🗑️"):
            st.session_state[keys.THREADS_CONFIRM_DELETE] = thread_id
        failed = st.session_state.get(keys.THREADS_RENAME_FAILED)
        if failed and failed[0] == thread_id:
            st.warning(failed[1])
            st.session_state.pop(keys.THREADS_RENAME_FAILED, None)
        if st.session_state.get(keys.THREADS_CONFIRM_DELETE) == thread_id:
            confirm_delete(ctx, thread_id)


def _rename(runs: Backend, thread_id: str, key: str, shown: str) -> None:
    typed = str(st.session_state.get(key) or "")
    if " ".join(typed.split()) == shown:
        return  # nothing changed: an automatic title stays automatic
    try:
        runs.rename(thread_id, typed)
    except ValueError as exc:
        st.session_state[keys.THREADS_RENAME_FAILED] = (thread_id, str(exc))
    else:
        st.toast("Title saved")


def confirm_delete(ctx: Context, thread_id: str) -> None:
    st.warning("This conversation and all its branches will be removed for good.", icon="🗑️")
    yes, no = st.columns(2)
    if yes.button(
        "Delete for good",
        key=keys.PART.format("confirm", thread_id),
        type="primary",
        width="stretch",
    ):
        ctx.runs.delete(thread_id)
        if thread_id == ctx.thread_id:
            ctx.new_conversation()
        st.session_state.pop(keys.THREADS_CONFIRM_DELETE, None)
        st.toast("Conversation deleted")
        st.rerun()
    if no.button("Keep it", key=keys.PART.format("keep", thread_id), width="stretch"):
        st.session_state.pop(keys.THREADS_CONFIRM_DELETE, None)
        st.rerun()
