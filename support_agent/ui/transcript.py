"""Chat bubbles: saved turns from state, and a live turn from engine events."""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import chain, zip_longest

import streamlit as st

from support_agent.core.declaration import WITHDRAW, Workflow, is_decision, is_handover
from support_agent.core.engine import (
    Error,
    Token,
    ToolCall,
    ToolResult,
    Transition,
    TurnEnd,
    is_store_error,
)
from support_agent.core.screening import TITLES
from support_agent.core.state_view import ChatItem, ToolUse
from support_agent.features.tickets import HUMAN_AGENT, HUMAN_AGENT_TITLE, HUMAN_TOOL, Ticket
from support_agent.service.conversation import ServiceEvent, StateChanged
from support_agent.ui import keys, runtime
from support_agent.ui.safe_text import escape_markdown, inert_markdown, inert_stream, when

AGENT_AVATAR = "🎧"
SUMMARY_AVATAR = "📝"
HUMAN_AVATAR = "🧑‍💼"  # a person of the support team, writing into the conversation
TICKET_POLL_SECONDS = 5  # how often an open chat looks for a reply or a resolution
STOPPED = "(the turn stopped before this tool answered)"


def show_customer(text: str, checks: list[dict] | None = None):
    """A customer bubble; returns the place its guardrail badges go."""
    with st.chat_message("user"):
        st.markdown(escape_markdown(text))
        badges = st.empty()
        show_checks(checks or [], badges)
    return badges


def show_checks(checks: list[dict], where) -> None:
    if checks:
        where.markdown(
            " ".join(
                f":green-badge[:material/check: {TITLES[c['check']]}]"
                if c["passed"]
                else f":red-badge[:material/block: {TITLES[c['check']]}]"
                for c in checks
                if c.get("check") in TITLES
            )
        )


WINDOW = 16  # chat items drawn at first: a long conversation redraws as fast as a short one


def show_saved(workflow: Workflow, items: list[ChatItem], thread_id: str = "") -> None:
    """The saved transcript; with `thread_id`, hand-overs show their tickets, kept live."""
    tickets = thread_tickets(thread_id)
    hidden = len(items) - WINDOW
    if hidden > 0 and st.session_state.get(keys.SHOW_EARLIER) != thread_id:
        if st.button(f"Show {hidden} earlier messages", icon="⏫", key=keys.SHOW_EARLIER_BUTTON):
            st.session_state[keys.SHOW_EARLIER] = thread_id
            st.rerun()
        items = items[-WINDOW:]
    for item in items:
        if item.role == "customer":
            show_customer(item.text, item.checks)
        elif item.role == "jump":  # the conversation was started at a step for a walkthrough
            st.info(escape_markdown(item.text), icon=":material/move_down:")
        elif item.role == "summary":
            bubble = st.chat_message("assistant", avatar=SUMMARY_AVATAR)
            with bubble.expander("Earlier turns were summarized to keep the history short"):
                st.text(item.text)
        elif item.role == "agent" and item.agent == HUMAN_AGENT:
            with st.chat_message("assistant", avatar=HUMAN_AVATAR):
                st.caption(HUMAN_AGENT_TITLE)
                st.markdown(escape_markdown(item.text))
        else:
            with st.chat_message("assistant", avatar=AGENT_AVATAR):
                if workflow.graph_endpoints and item.agent in workflow.step_names:
                    st.caption(workflow.step(item.agent).title)
                for text, use in zip_longest(item.texts, item.tools):  # the words before each call
                    if text:
                        st.markdown(inert_markdown(text))
                    if use is None:
                        continue
                    _saved_tool(workflow, use)
                    if use.decision:
                        decision_line(use.decision)
                    if use.id in tickets:
                        ticket_card(tickets[use.id])
                    if use.transition:
                        _transition_line(
                            workflow, use.transition["target"], use.transition.get("reason", "")
                        )
    _watch(thread_id, tickets)


def thread_tickets(thread_id: str) -> dict[str, Ticket]:
    if not thread_id:
        return {}
    try:
        return {t.call_id: t for t in runtime.store().tickets.of_thread(thread_id)}
    except Exception as exc:  # noqa: BLE001 - a store that is down: the chat still shows
        if not is_store_error(exc):
            raise
        return {}


def badge(ticket: Ticket) -> str:
    return ":orange-badge[open]" if ticket.is_open else ":green-badge[resolved]"


def ticket_card(ticket: Ticket) -> None:
    """ "🎫 Ticket T-1042 · open": where the hand-over is drawn, and what became of it."""
    with st.container(border=True):
        st.markdown(f"🎫 **Ticket {ticket.id}** · {badge(ticket)}")
        if ticket.is_open:
            st.caption(
                "A person from the support team will reply here."
                if not ticket.replies
                else "The support team has replied below; the ticket stays open until resolved."
            )
        else:
            st.markdown(f"**Resolved:** {escape_markdown(ticket.resolution)}")
            st.caption(f"Resolved {when(ticket.resolved_at or '')}")


def _watch(thread_id: str, tickets: dict[str, Ticket]) -> None:
    """Keep the chat live while any of its tickets is open (`tickets`: as the page shows them)."""
    if any(t.is_open for t in tickets.values()):
        _watch_tickets(thread_id, tuple((t.number, t.status, t.replies) for t in tickets.values()))


@st.fragment(run_every=TICKET_POLL_SECONDS)
def _watch_tickets(thread_id: str, shown: tuple) -> None:
    """Redraw the chat when a person replies or resolves (a fragment never interrupts a turn)."""
    try:
        changed = runtime.store().tickets.signature(thread_id) != shown
    except Exception as exc:  # noqa: BLE001 - a store that is down: look again later
        if not is_store_error(exc):
            raise
        return
    if changed:
        st.rerun(scope="app")


def show_opened(tickets: list[Ticket], thread_id: str) -> None:
    """Draw the tickets a turn just opened, in the places its live bubble kept, and watch
    them: the page is not redrawn after a turn, so without this the customer who was just
    handed over would see the team's reply only once they did something else."""
    slots = st.session_state.pop(keys.TICKET_SLOTS, None) or {}
    for ticket in tickets:
        slot = slots.get(ticket.call_id)
        with slot.container() if slot is not None else st.container():
            ticket_card(ticket)
    if any(t.is_open for t in tickets):
        _watch(thread_id, thread_tickets(thread_id))


def _tool_title(workflow: Workflow, name: str, *, ran: bool = True) -> str:
    """A tool call's box title in the workflow's words ("🔧 Warranty recorded")."""
    label = workflow.tool_label(name) if ran else workflow.request_label(name)
    return f"🔧 {label[:1].upper()}{label[1:]}"


def _saved_tool(workflow: Workflow, use: ToolUse) -> None:
    # Not st.status: each sleeps 50 ms on every rerun (Streamlit 1.67).
    title = _tool_title(workflow, use.name, ran=not use.rejected and use.result is not None)
    if use.rejected:
        withdrawn = (use.decision or {}).get("decision") == WITHDRAW
        who = "withdrawn by the customer" if withdrawn else "rejected by a person"
        icon, title = ":material/block:", f"{title} — {who}"
    elif use.result is None:  # a gated call waiting for a person's decision
        icon, title = ":material/pending:", f"{title} — waiting for a person"
    else:
        icon = ":material/check_circle:" if use.ok else ":material/error:"
    with st.expander(title, icon=icon, expanded=False):
        st.caption(f"Tool `{use.name}`")
        st.markdown("**Arguments**")
        args = json.dumps(use.args, indent=2, ensure_ascii=False) if use.args else "(none)"
        st.code(args, language="json")
        if use.result is not None:
            st.markdown("**Result**")
            st.text(use.result)


def decision_line(record: dict) -> None:
    st.markdown(f"✋ {escape_markdown(record.get('reason', ''))}")


def _live_tool(
    workflow: Workflow, call: ToolCall, result: ToolResult | None, *, failed: bool = False
) -> None:
    """A tool call of the running turn (not `st.status`: it sleeps 50 ms twice, Streamlit 1.67)."""
    if result is None:  # unanswered: the turn ended (or failed) before the tool did
        use = ToolUse(call.id, call.name, call.args, STOPPED if failed else None, ok=not failed)
    else:
        use = ToolUse(call.id, call.name, call.args, result.content, result.ok)
    _saved_tool(workflow, use)


def _transition_line(workflow: Workflow, target: str, reason: str) -> None:
    """ "Moved to **Resolution** — the issue was classified as hardware"."""
    title = workflow.step(target).title
    why = f" — {escape_markdown(reason)}" if reason else ""
    st.markdown(f"➡️ Moved to **{title}**{why}")


def _drew(workflow: Workflow, event: ServiceEvent, calls: dict[str, ToolCall], on_state) -> bool:
    """Draw one event of a live turn other than words and calls; True when it ends the turn."""
    if isinstance(event, ToolResult):
        if (call := calls.pop(event.id, None)) is not None:
            _live_tool(workflow, call, event)
        if event.ok and event.name == HUMAN_TOOL:  # its ticket is drawn here after the turn
            slot = st.empty()
            slot.caption("🎫 Opening a ticket…")
            st.session_state.setdefault(keys.TICKET_SLOTS, {})[event.id] = slot
    elif isinstance(event, Transition) and is_handover(event.record):
        pass  # the ticket card in the tool's place says it (and the panel draws it)
    elif isinstance(event, Transition) and is_decision(event.record):
        decision_line(event.record)
    elif isinstance(event, Transition):
        _transition_line(workflow, event.target, event.reason)
    elif isinstance(event, StateChanged) and on_state:
        on_state(event.state)
    elif isinstance(event, Error | TurnEnd):
        for call in calls.values():
            _live_tool(workflow, call, None, failed=isinstance(event, Error))
        return True
    return False


def show_live(
    workflow: Workflow, events: Iterator[ServiceEvent], on_state=None
) -> list[ServiceEvent]:
    """Render a turn as it streams (`on_state` redraws the machine); return the events seen."""
    seen: list[ServiceEvent] = []
    calls: dict[str, ToolCall] = {}  # called, not yet answered: drawn with their result
    st.session_state.pop(keys.TICKET_SLOTS, None)  # places kept by an earlier turn
    pending: list[ServiceEvent] = []
    speaker = {"agent": ""}

    def new_speaker(agent: str) -> bool:
        return (
            workflow.graph_endpoints and agent in workflow.step_names and agent != speaker["agent"]
        )

    def introduce(agent: str) -> None:
        if new_speaker(agent):
            speaker["agent"] = agent
            st.caption(workflow.step(agent).title)

    def tokens() -> Iterator[str]:
        for event in events:
            if isinstance(event, Token) and not new_speaker(event.agent):
                yield event.text
            else:
                pending.append(event)
                return

    with st.chat_message("assistant", avatar=AGENT_AVATAR):
        st.write_stream(inert_stream(tokens()))
        while pending:
            event = pending.pop()
            if isinstance(event, Token):  # another agent speaks: name it, then stream on
                introduce(event.agent)
                st.write_stream(inert_stream(chain([event.text], tokens())))
                continue
            seen.append(event)
            if isinstance(event, ToolCall):
                introduce(event.agent)
                calls[event.id] = event
            elif _drew(workflow, event, calls, on_state):
                break  # the turn ended
            st.write_stream(inert_stream(tokens()))
    return seen
