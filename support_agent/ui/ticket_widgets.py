"""Tickets page widgets: the queue of hand-overs to a person, and one ticket opened.

An operator sees, replies to and resolves every ticket; anyone else reads only the tickets of
their own conversations. A ticket opens on the branch it was raised on (`tickets.branch_of`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from support_agent.core.engine import describe_failure, is_store_error
from support_agent.core.state_view import transcript as chat_items
from support_agent.features.thread_titles import plural, showing
from support_agent.features.tickets import (
    EARLIER_WORDS,
    OPEN,
    RESOLVED,
    Ticket,
    TicketBranch,
    TicketError,
    branch_of,
    reply,
)
from support_agent.service.backend import TICKET_REPLY
from support_agent.ui import keys, machine_panel, runtime, transcript
from support_agent.ui.safe_text import escape_markdown, when
from support_agent.ui.thread_list import first_page, page_picker
from support_agent.workflows import WORKFLOWS

if TYPE_CHECKING:
    from collections.abc import Callable

    from support_agent.ui.app_context import Context

STATUS_FILTERS = {"Open": OPEN, "Resolved": RESOLVED, "All": None}
CONVERSATION_HEIGHT = 460  # px: the conversation scrolls inside the ticket, under its actions


def visible(ctx: Context, ticket: Ticket) -> bool:
    return ctx.operator or ticket.owner == ctx.owner


def page(ctx: Context) -> None:
    st.caption(
        "The support team's queue: every hand-over to a person, from every conversation. "
        "Open a ticket to read the conversation, reply in it, and resolve it."
        if ctx.operator
        else "Your requests to speak to a person. The support team replies in the conversation "
        "itself; here you see where each request stands."
    )
    _flash()
    if opened := st.session_state.get(keys.TICKETS_OPEN):
        ticket = ctx.store.tickets.get(opened)
        if ticket is not None and visible(ctx, ticket):
            detail(ctx, ticket)
            return
        st.session_state.pop(keys.TICKETS_OPEN, None)  # gone, or not this visitor's
    queue(ctx)


def queue(ctx: Context) -> None:
    everyone = ctx.store.tickets.all(owner=None if ctx.operator else ctx.owner)
    if not everyone:
        st.info(
            "No tickets yet. A ticket opens when the agent hands a conversation over to a "
            "person: try `I want to talk to a person` on the Chat page.",
            icon="🎫",
        )
        return
    left, middle, right = st.columns([2, 4, 1], vertical_alignment="bottom")
    chosen = left.radio(
        "Status", list(STATUS_FILTERS), horizontal=True, key=keys.TICKETS_STATUS,
        on_change=first_page, args=(keys.TICKETS_PAGE,),
    )  # fmt: skip
    query = middle.text_input(
        "Search",
        placeholder="A ticket id, a reason, a fact or words from the conversation",
        key=keys.TICKETS_SEARCH,
        on_change=first_page,
        args=(keys.TICKETS_PAGE,),
    )
    status = STATUS_FILTERS[chosen or "Open"]
    listed = [t for t in everyone if status is None or t.status == status]
    matched = [t for t in listed if t.matches(query)]
    start, end = page_picker(right, keys.TICKETS_PAGE, len(matched))
    if not matched:
        if listed:
            st.info("No ticket matches this search.", icon="🔎")
        else:
            st.info(f"No {chosen.lower()} tickets.", icon="🎫")
        return
    open_count = sum(1 for t in everyone if t.is_open)
    st.caption(f"{showing(len(matched), start, end)} · {plural(open_count, 'open ticket')} in all")
    for ticket in matched[start:end]:
        row(ctx, ticket)


def _branch(ctx: Context, ticket: Ticket) -> TicketBranch | None:
    """The branch `ticket` lives on now; None when its conversation or workflow is gone."""
    if ticket.workflow not in WORKFLOWS:
        return None
    if ctx.runs.on_server:  # the server's conversation is followed on its latest branch
        return TicketBranch(None) if ctx.runs.info(ticket.thread_id) else None
    return branch_of(ctx.store, runtime.reader_graph(ticket.workflow), ticket)


EARLIER = f"🕰️ {EARLIER_WORDS[:1].upper()}{EARLIER_WORDS[1:]}"


def _open(ticket_id: str | None) -> None:
    st.session_state[keys.TICKETS_OPEN] = ticket_id  # None: back to the queue


def row(ctx: Context, ticket: Ticket) -> None:
    with st.container(border=True, key=keys.TICKET_PART.format("row", ticket.id)):
        top = st.columns([3, 3, 3, 2], vertical_alignment="center")
        top[0].markdown(f"**🎫 {ticket.id}** · {transcript.badge(ticket)}")
        top[1].caption(f"{ticket.workflow_title} · {escape_markdown(ticket.step)}")
        replies = f" · {plural(ticket.replies, 'reply', 'replies')}" if ticket.replies else ""
        top[2].caption(f"Opened {when(ticket.created_at)}{replies}")
        top[3].button(
            "Open ticket", key=keys.TICKET_PART.format("open", ticket.id), icon="📂",
            on_click=_open, args=(ticket.id,), width="stretch",
        )  # fmt: skip
        st.markdown(f"**Reason:** {escape_markdown(ticket.reason)}")
        if ticket.checkpoint_id and (found := _branch(ctx, ticket)) and found.earlier:
            st.caption(f"{EARLIER}: it has since gone on from an earlier turn.")
        if ticket.facts:
            st.caption(
                " · ".join(f"{escape_markdown(t)}: {escape_markdown(w)}" for t, w in ticket.facts)
            )
        if not ticket.is_open:
            st.markdown(f"**Resolution:** {escape_markdown(ticket.resolution)}")
        if ticket.excerpt:
            st.expander("Last lines before the hand-over").markdown(
                "\n\n".join(
                    f"**{escape_markdown(who)}:** {escape_markdown(t)}" for who, t in ticket.excerpt
                )
            )


def detail(ctx: Context, ticket: Ticket) -> None:
    _header(ticket)
    workflow = WORKFLOWS.get(ticket.workflow)
    if workflow is None:
        st.warning(f"This ticket's workflow ({ticket.workflow}) is no longer part of the app.")
        return
    branch = _branch(ctx, ticket)
    if branch is not None and branch.earlier:
        st.info(
            f"**{EARLIER}.** After this hand-over the conversation went back to an earlier "
            "turn and carried on differently. The ticket still belongs to the version it was raised "
            "on: that is the one shown below and opened in Chat"
            + (
                ", and replies are written there (it then becomes the conversation's latest)."
                if ctx.operator and ticket.is_open
                else "."
            ),
            icon="🕰️",
        )
    if st.button("Open in chat", icon="💬", key=keys.TICKET_PART.format("chat", ticket.id)):
        ctx.open_thread(ticket.thread_id)
        if branch is not None and branch.earlier:
            ctx.view_point(
                branch.checkpoint_id,
                f"The earlier version of this conversation that {ticket.id} was raised on",
                ticket=ticket.id,
            )
        st.switch_page("app_pages/chat.py")
    if ctx.operator and ticket.is_open:
        _actions(ctx, ticket)
    elif not ctx.operator:
        st.info(
            "The support team answers in the conversation: open it in Chat to read their "
            "replies and write back.",
            icon="💬",
        )
    st.markdown("#### Conversation")
    values = branch and ctx.runs.read(workflow.name, ticket.thread_id, branch.checkpoint_id).values
    if not values:
        st.info("This conversation has been deleted.", icon="🗑️")
        return
    handed = {t.call_id: t.id for t in ctx.store.tickets.of_thread(ticket.thread_id)}
    at = workflow.step(workflow.current(values)).title
    machine_panel.show(
        workflow, dict(values), headline=f"🎫 {ticket.id}: at **{at}**", tickets=handed
    )
    with st.container(border=True, height=CONVERSATION_HEIGHT):
        transcript.show_saved(workflow, chat_items(dict(values)), ticket.thread_id)


def _header(ticket: Ticket) -> None:
    st.button(
        "All tickets",
        icon="⬅️",
        on_click=_open,
        args=(None,),
        key=keys.TICKET_PART.format("back", ticket.id),
    )
    st.subheader(f"🎫 {ticket.id}")
    st.markdown(
        f"{transcript.badge(ticket)} · {escape_markdown(ticket.workflow_title)} · at "
        f"**{escape_markdown(ticket.step)}** · opened {when(ticket.created_at)}"
    )
    st.markdown(f"**Reason:** {escape_markdown(ticket.reason)}")
    if ticket.facts:
        st.markdown(
            "\n".join(f"- **{escape_markdown(t)}**: {escape_markdown(w)}" for t, w in ticket.facts)
        )
    if not ticket.is_open:
        st.success(
            f"**Resolved** {when(ticket.resolved_at or '')}: {escape_markdown(ticket.resolution)}",
            icon="✅",
        )


def _actions(ctx: Context, ticket: Ticket) -> None:
    with st.container(border=True):
        if not ctx.runs.offers(TICKET_REPLY):
            st.info(
                "Replying from here isn't available: this conversation is answered by the "
                "agent server. You can still mark the ticket resolved.",
                icon="🛰️",
            )
        else:
            st.text_area(
                "Reply to the customer",
                key=keys.TICKET_BOX.format("reply", ticket.id),
                placeholder="Written into the conversation as the support team",
            )  # no max_chars: it would cut a paste silently; sending says what the limit is
            st.button(
                "Send reply", icon="✉️", type="primary", on_click=_send_reply,
                args=(ctx, ticket.number), key=keys.TICKET_PART.format("reply", ticket.id),
            )  # fmt: skip
    with st.container(border=True):
        st.text_input(
            "Resolution note",
            key=keys.TICKET_BOX.format("note", ticket.id),
            placeholder="What was done, in a sentence the customer will read",
            max_chars=1000,
        )
        st.button(
            "Mark resolved", icon="✅", key=keys.TICKET_PART.format("resolve", ticket.id),
            on_click=_resolve, args=(ctx, ticket.number),
        )  # fmt: skip


def _say(kind: str, text: str) -> None:
    st.session_state[keys.TICKETS_FLASH] = {"kind": kind, "text": text}


def _flash() -> None:
    if said := st.session_state.pop(keys.TICKETS_FLASH, None):
        (st.success if said["kind"] == "success" else st.warning)(said["text"])


def _act(
    ctx: Context, number: int, box: str, act: Callable[[Ticket, str], None], done: str
) -> Ticket | None:
    """Run `act(ticket, its box's text)` and say what happened; the ticket, when it was done."""
    ticket = ctx.store.tickets.get(number)  # as stored now: another operator may have acted
    if ticket is None:
        _say("warning", "That ticket no longer exists (its conversation was deleted).")
    if ticket is None or not ctx.operator:  # replies and resolutions are the operator's
        return None
    try:
        act(ticket, str(st.session_state.get(keys.TICKET_BOX.format(box, ticket.id)) or ""))
    except TicketError as exc:
        _say("warning", str(exc))
    except Exception as exc:  # noqa: BLE001 - a store that is down: say so, change nothing
        if not is_store_error(exc):
            raise
        _say("warning", describe_failure(exc).message)
    else:
        _say("success", done.format(id=ticket.id))
        return ticket
    return None


def _send_reply(ctx: Context, number: int) -> None:
    def send(ticket: Ticket, text: str) -> None:
        reply(ctx.store, runtime.reader_graph(ticket.workflow), ticket, text, ctx.owner)

    done = "Reply sent: the customer sees it in the conversation ({id})."
    if sent := _act(ctx, number, "reply", send, done):
        st.session_state[keys.TICKET_BOX.format("reply", sent.id)] = ""


def _resolve(ctx: Context, number: int) -> None:
    def resolve(ticket: Ticket, note: str) -> None:
        ctx.store.tickets.resolve(ticket, note, ctx.owner)

    _act(ctx, number, "note", resolve, "{id} is resolved: the customer sees your note in the chat.")


def approval_queue(ctx: Context) -> None:
    waiting = ctx.store.approvals.waiting(owner=None if ctx.operator else ctx.owner)
    if not waiting:
        return
    with st.container(border=True, key=keys.APPROVAL_QUEUE):
        st.markdown(f"✋ **Waiting for approval** ({len(waiting)})")
        if not ctx.operator:
            st.caption("The support team is deciding; the reply appears in the conversation.")
        for item in waiting:
            flow = WORKFLOWS.get(item.workflow)
            title = flow.title if flow else item.workflow
            text, button = st.columns([4, 1], vertical_alignment="center")
            text.markdown(
                f"{escape_markdown(item.question)} :small[· {escape_markdown(title)} · waiting "
                f"since {when(item.since)}]"
            )
            if button.button("Open", icon="💬", key=keys.APPROVAL_OPEN.format(item.thread_id)):
                ctx.open_thread(item.thread_id)
                st.switch_page("app_pages/chat.py")
