"""Human approval in the app: the per-workflow setting, and the card a paused conversation
shows until a person decides (a new customer message withdraws the request).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from support_agent.core.declaration import Workflow
from support_agent.core.engine import ApprovalRequest
from support_agent.ui import identity, keys
from support_agent.ui.safe_text import escape_markdown
from support_agent.workflows import WORKFLOWS

if TYPE_CHECKING:
    from support_agent.features.app_store import AppStore as Store

WATCH_SECONDS = 5  # how often a waiting visitor's page looks for the decision


def gated(workflow: Workflow) -> str:
    """The gated actions in words ("refund issued, exchange arranged, handed over…")."""
    return ", ".join(workflow.tool_label(a.tool) for a in workflow.approvals)


def setting(store: Store, workflow: str, operator: bool) -> None:
    """The sidebar switch; always drawn (disabled for visitors) so the sidebar keeps its layout."""
    flow = WORKFLOWS[workflow]
    on = store.approvals.is_on(workflow)
    key = keys.APPROVALS_TOGGLE.format(workflow)
    st.session_state[key] = on  # another session may have changed it
    st.sidebar.toggle(
        "✋ A person approves first",
        key=key,
        disabled=not operator or not flow.approvals,
        on_change=_changed,
        args=(store, workflow, key),
        help=(
            f"When on, the conversation pauses before: {gated(flow)}. A person approves, "
            "edits or rejects; the decision is kept in the history and drawn on the diagram."
            + ("" if operator else " Only an operator can change this.")
            if flow.approvals
            else "This workflow has no actions that need approval."
        ),
    )


def _changed(store: Store, workflow: str, key: str) -> None:
    store.approvals.set(workflow, bool(st.session_state[key]), identity.owner())


def card(workflow: Workflow, request: ApprovalRequest, operator: bool) -> tuple[str, str] | None:
    """The paused action; an operator's decision this run: ("approve" | "edit" | "reject", text)."""
    asked = workflow.request_label(request.tool)
    with st.container(border=True, key=keys.APPROVAL_CARD):
        # A request, never a finished action: nothing has run until a person says yes.
        st.markdown(
            f"✋ **{escape_markdown(asked[:1].upper() + asked[1:])} — waiting for a person**"
        )
        st.caption(
            f"A person is asked: {escape_markdown(request.question)}"
            + "".join(
                f" · {escape_markdown(name)}: “{escape_markdown(str(value))}”"
                for name, value in request.args.items()
            )
        )
        if not operator:
            st.info(
                "A member of the support team is looking at this. The reply appears here "
                "once they decide.",
                icon="⏳",
            )
        st.caption("A new message from the customer withdraws this request; nothing runs.")
        if not operator:
            _watch()
            return None
        return _decision_form(request)


def _decision_form(request: ApprovalRequest) -> tuple[str, str] | None:
    edited = ""
    if "edit" in request.decisions:
        edited = st.text_area(
            f"{request.editable.capitalize()} (edit before approving if needed)",
            value=request.editable_value,
            key=keys.approval(request.id, "text"),
            height=80,
        )
    note = st.text_input(
        "Note for a rejection (optional, the customer sees it)",
        key=keys.approval(request.id, "note"),
        max_chars=500,
    )
    approve, reject = st.columns(2)
    st.session_state[keys.APPROVAL_SHOWN] = request.id
    if approve.button("Approve", icon="✅", type="primary", width="stretch",
                      key=keys.approval(request.id, "approve")):  # fmt: skip
        changed = "edit" in request.decisions and edited.strip() != request.editable_value
        return ("edit", edited) if changed else ("approve", "")
    if reject.button("Reject", icon="🚫", width="stretch",
                     key=keys.approval(request.id, "reject")):  # fmt: skip
        return ("reject", note)
    return None


def pressed_after_it_was_decided(waiting: ApprovalRequest | None) -> bool:
    """Was Approve or Reject pressed for an action decided meanwhile elsewhere?"""
    shown = st.session_state.get(keys.APPROVAL_SHOWN)
    if shown is None or (waiting is not None and waiting.id == shown):
        return False
    st.session_state.pop(keys.APPROVAL_SHOWN)
    return any(st.session_state.get(keys.approval(shown, d)) for d in DECIDED_BY)


DECIDED_BY = ("approve", "reject")  # the card's buttons
ALREADY_DECIDED = (
    "That action was already decided (in another tab or on the Tickets page), or the "
    "conversation has moved on: nothing else was done. Here is where it stands now."
)


@st.fragment(run_every=WATCH_SECONDS)
def _watch() -> None:
    """Rerun the page once the decision was taken elsewhere (the Tickets page)."""
    ctx = st.session_state.get(keys.CTX)
    if ctx is None:
        return
    ctx.reread()
    if ctx.waiting is None:
        st.rerun()
