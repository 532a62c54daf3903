"""What every page of a run shares: store, thread, workflow, branch, model choice."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import streamlit as st

from support_agent.core.declaration import Workflow
from support_agent.core.engine import (
    ApprovalRequest,
    approval_request,
    describe_failure,
    is_store_error,
)
from support_agent.features.app_store import AppStore as Store
from support_agent.features.tickets import branch_of
from support_agent.service.backend import Backend, Snapshot
from support_agent.service.conversation import Conversation
from support_agent.store.storage import StoreUnavailable
from support_agent.ui import (
    approval_card,
    identity,
    keys,
    machine_panel,
    runtime,
    session,
)
from support_agent.ui.model_picker import ModelChoice, model_picker
from support_agent.workflows import WORKFLOWS

SIDEBAR_WIDTH = 400  # px: the state machine's labels stay readable (measured in the browser test)


@dataclass
class Context:
    store: Store
    runs: Backend = field(repr=False)  # where conversations run: here, or the agent server
    thread_id: str
    workflow: str
    model: ModelChoice | None  # the sidebar's picker's (init draws it after the page's input)
    notice: str | None = None
    final_state: dict | None = field(default=None)
    owner: str = "local"  # who this session is (support_agent.ui.identity)
    _read: dict = field(default_factory=dict, repr=False)  # this run's reads: points, the owner
    # What the turn this run saved left waiting ({} until one is saved): known, not re-read.
    _left: dict = field(default_factory=dict, repr=False)
    typed: str | None = None  # what the chat input sent this run (the chat page's)

    @property
    def operator(self) -> bool:
        """May change what every visitor gets: prompt versions, scenario files."""
        return identity.is_operator(self.owner)

    @property
    def read_only(self) -> bool:
        key = ("owner", self.thread_id)  # asked by the chat input and the page: read once
        if key not in self._read:
            self._read[key] = self.runs.owner_of(self.thread_id)
        return self._read[key] is not None and self._read[key] != self.owner

    @property
    def model_shown(self) -> str:
        return "the agent server's" if self.runs.on_server else self.model.shown

    def fork(self) -> str:
        values = self.read_state()
        record = self.store.threads.get(self.thread_id) or {}
        copy = session.start_new(self.workflow)
        self.runs.seed(self.workflow, copy, values, self.owner)
        title = f"Copy of {record.get('title') or 'a conversation'}"
        self.store.threads.touch(copy, self.workflow, title, self.owner)
        session.publish(copy)
        return copy

    @property
    def flow(self) -> Workflow:
        return WORKFLOWS[self.workflow]

    @property
    def view(self) -> dict | None:
        return st.session_state.get(keys.TURN_VIEW)

    def view_point(self, checkpoint_id: str, label: str, *, ticket: str = "") -> None:
        """Look at (and continue from) an earlier checkpoint; `ticket`: that ticket's branch."""
        view = {"checkpoint_id": checkpoint_id, "label": label}
        st.session_state[keys.TURN_VIEW] = view | ({"ticket": ticket} if ticket else {})

    def follow_ticket(self) -> None:
        """A viewed ticket's branch moves on when the team replies there: follow its head."""
        view = self.view
        if not view or not view.get("ticket"):
            return
        ticket = self.store.tickets.get(view["ticket"])
        if ticket is None or ticket.thread_id != self.thread_id:
            self.back_to_latest()
            return
        branch = branch_of(self.store, runtime.reader_graph(self.workflow), ticket)
        if branch is None or not branch.earlier:
            self.back_to_latest()
        elif branch.checkpoint_id != view["checkpoint_id"]:
            self.view_point(branch.checkpoint_id, view["label"], ticket=ticket.id)

    def back_to_latest(self) -> None:
        st.session_state.pop(keys.TURN_VIEW, None)

    @property
    def checkpoint_id(self) -> str | None:
        return (self.view or {}).get("checkpoint_id")

    def read_state(self) -> dict:
        """The state at the point being viewed (read once per run: sidebar and page share it)."""
        return dict(self._snapshot().values)

    def reread(self) -> None:
        """Forget this run's reads: the next one sees what other sessions saved since."""
        self._read.clear()
        self._left.clear()

    def _snapshot(self, latest: bool = False) -> Snapshot:
        point = (self.thread_id, None if latest else self.checkpoint_id)
        if point not in self._read:
            self._read[point] = self.runs.read(self.workflow, *point)
        return self._read[point]

    def latest_id(self) -> str | None:
        return self._snapshot(latest=True).checkpoint_id

    @property
    def waiting(self) -> ApprovalRequest | None:
        """What waits for a person's decision (at the latest point only: earlier is history)."""
        if self.checkpoint_id:
            return None
        if self.thread_id in self._left and (self.thread_id, None) not in self._read:
            return self._left[self.thread_id]
        key = ("waiting", self.thread_id)  # asked five times a run
        if key not in self._read:
            self._read[key] = approval_request(self.flow, self._snapshot().interrupts)
        return self._read[key]

    @property
    def approvals(self) -> bool:
        return self.store.approvals.is_on(self.workflow)

    def runners(self) -> tuple:
        # Every checkpoint of this thread records its workflow, so a link reopens it right.
        meta = {"workflow": self.workflow}
        graphs = runtime.runner_graphs(self.workflow, self.model)
        return tuple(g.with_config(metadata=meta) for g in graphs)

    def conversation(self) -> Conversation:
        return self.runs.conversation(self.flow, self.thread_id, self.owner, self.runners)

    def turn_shown(self, waiting: ApprovalRequest | None) -> None:
        """After a saved turn: show the latest point, read afresh, and make the thread linkable."""
        self.back_to_latest()
        self._read.clear()
        self._left[self.thread_id] = waiting
        session.publish(self.thread_id)

    def new_conversation(self) -> None:
        session.start_new(self.workflow)

    def open_thread(self, thread_id: str) -> None:
        self.back_to_latest()
        session.open_thread(self.runs.info, thread_id)


def store_down(message: str) -> None:
    where = runtime.store().where(detail=identity.is_operator(identity.owner()))
    st.error(
        f"The conversation store is not answering. {message}\n\n"
        f"{where} What was saved is kept there; reload this page once it is back.",
        icon="🛑",
    )
    st.stop()


def agent_server_down(runs: Backend, exc: Exception) -> None:
    """Say the agent server can't be read and stop this run (in the words a turn uses)."""
    told = runs.conversation(WORKFLOWS[session.current_workflow()], "", "").failure(exc)
    st.error(f"{told.message}\n\nReload this page once it answers.", icon="🛑")
    st.stop()


def _workflow_picker(has_turns: bool) -> None:
    names = list(WORKFLOWS)
    current = session.current_workflow()
    choice = st.sidebar.selectbox(
        "Workflow",
        names,
        index=names.index(current),
        format_func=lambda n: WORKFLOWS[n].title,
        disabled=has_turns,
        key=keys.WORKFLOW_PICK.format(st.session_state.get(keys.THREAD)),
    )
    # Always one caption: one appearing after the first turn would redraw the panel blank.
    st.sidebar.caption(
        "🔒 This conversation keeps its workflow. Press **New conversation** to switch."
        if has_turns
        else "Used by the next conversation you start."
    )
    if choice != current and not has_turns:
        session.start_new(choice)
        st.rerun()


def init(
    *,
    panel_in_sidebar: bool = True,
    beside: str = "the chat (presenter view)",
    first: Callable[[Context], str | None] | None = None,
) -> Context:
    """Set up this run's context (once, from app.py); without `panel_in_sidebar` the page
    draws the state machine itself (presenter view, walkthrough). `first` draws the page's
    input before the sidebar (its value: `Context.typed`)."""
    owner = identity.owner()  # with authentication on, this asks to log in first
    try:
        store = runtime.store()
    except StoreUnavailable as exc:
        # The operator is told which file or server and why; a visitor learns no path.
        why = str(exc) if identity.is_operator(owner) else "The conversation store can't be opened."
        st.error(f"{why}\n\nConversations can't be opened or saved until this is fixed.", icon="🛑")
        st.stop()
    runs = runtime.backend()
    try:
        thread_id = session.current_thread(runs.info)
        saved = runs.info(thread_id) is not None
    except Exception as exc:  # noqa: BLE001
        if runs.on_server and not is_store_error(exc):
            agent_server_down(runs, exc)
        if not is_store_error(exc):
            raise
        store_down(describe_failure(exc).message)
    if saved:  # page switches drop query params; a saved thread stays linkable
        session.publish(thread_id)
    notice = st.session_state.pop(keys.NOTICE, None)  # a message for this page (a dead link)
    # The model is the sidebar's to pick, below: what runs before it reads no model.
    ctx = Context(store, runs, thread_id, session.current_workflow(), None, notice, owner=owner)
    try:
        ctx.follow_ticket()
        ctx.typed = first(ctx) if first is not None else None
    except Exception as exc:  # noqa: BLE001
        if not is_store_error(exc):
            raise
        store_down(describe_failure(exc).message)
    _workflow_picker(has_turns=saved)
    approval_card.setting(store, session.current_workflow(), identity.is_operator(owner))
    slot = st.sidebar.container()  # below the workflow, above the model
    with st.sidebar.expander("Model", icon="🧠", expanded=False):
        if runs.on_server:
            st.caption(
                "Conversations are answered by the agent server with its own model. "
                "The choice below is used by the Experiments page only."
            )
        ctx.model = model_picker()
    if panel_in_sidebar:
        machine_panel.reserve_slot(ctx.flow, ctx.read_state(), slot, waiting=ctx.waiting)
    else:
        st.session_state.pop(keys.MACHINE_SLOT, None)
        slot.caption(f"📽️ The state machine is beside {beside}.")
    st.session_state[keys.CTX] = ctx
    st.session_state[keys.PROMPTS_SOURCE] = store.prompts.source()
    return ctx


def context() -> Context:
    return st.session_state[keys.CTX]
