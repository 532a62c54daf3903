"""What every page of a run shares: store, thread, workflow, model choice."""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

from support_agent.engine import thread_config
from support_agent.storage import Store, StoreUnavailable
from support_agent.ui import runtime, session
from support_agent.ui.model_picker import ModelChoice, model_picker

CTX_KEY = "app.ctx"


@dataclass
class Context:
    store: Store
    thread_id: str
    workflow: str
    model: ModelChoice
    notice: str | None = None
    final_state: dict | None = field(default=None)

    def config(self) -> dict:
        return {**thread_config(self.thread_id), "metadata": {"workflow": self.workflow}}

    def read_state(self) -> dict:
        graph = runtime.reader_graph(self.workflow)
        return dict(graph.get_state(thread_config(self.thread_id)).values)

    def runner(self):
        graph = runtime.runner_graph(
            self.workflow, self.model.spec, self.model.base_url, self.model.api_key
        )
        # Every checkpoint of this thread records its workflow, so a link reopens it right.
        return graph.with_config(metadata={"workflow": self.workflow})

    def new_conversation(self) -> None:
        session.start_new(self.workflow)


def init() -> Context:
    """Set up this run's context (call once, from app.py, before the page runs)."""
    try:
        store = runtime.store()
    except StoreUnavailable as exc:
        st.error(f"{exc}\n\nConversations can't be opened or saved until this is fixed.", icon="🛑")
        st.stop()
    thread_id = session.current_thread(store.checkpointer)
    with st.sidebar.expander("Model", icon="🧠", expanded=False):
        model = model_picker()
    ctx = Context(store, thread_id, session.current_workflow(), model, session.pop_notice())
    st.session_state[CTX_KEY] = ctx
    return ctx


def context() -> Context:
    return st.session_state[CTX_KEY]
