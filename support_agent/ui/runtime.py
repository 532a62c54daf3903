"""Process-wide resources for the app: the store, and graphs built on it."""

from __future__ import annotations

import gc
import threading
from dataclasses import dataclass, field

import streamlit as st
from langchain_core.language_models import BaseChatModel

from support_agent.features.app_store import AppStore, open_store
from support_agent.models import (
    OFFLINE,
    ModelConfigError,
    OfflineChatModel,
    check_server,
    get_model,
)
from support_agent.offline.understanding import warm_up
from support_agent.service.backend import Backend, choose
from support_agent.service.remote import AgentServer, server_address
from support_agent.store.storage import DB_URL_ENV, configured_url
from support_agent.workflows.builders import build_graph, screening_model


@dataclass(frozen=True)
class ModelChoice:
    """The model a session chose in the sidebar (`ui.model_picker`), as graphs are built from it."""

    spec: str
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)  # typed in this session
    operator_key: str | None = field(default=None, repr=False)  # from secrets.toml
    # Typed by a visitor: only a public address is called, its failures told without detail.
    visitor_url: bool = False
    problem: str = ""  # why this choice can't be used from this session ("" when it can)

    @property
    def offline(self) -> bool:
        return self.spec == OFFLINE

    @property
    def shown(self) -> str:
        """How pages name it: `offline demo model`, or its setting (`openai:gpt-4.1`)."""
        return "offline demo model" if self.offline else self.spec


def secret(name: str) -> str | None:
    try:
        value = st.secrets.get(name)
    except Exception:  # no secrets.toml: Streamlit raises rather than returning None
        return None
    return str(value) if value else None


@st.cache_resource(show_spinner="Opening the conversation store…")
def _store(url: str) -> AppStore:
    return open_store(url)


@st.cache_resource(show_spinner=False)
def _understanding() -> threading.Thread:
    # The offline model learns on first use (~0.4 s): in the background, not in the first turn.
    thread = threading.Thread(target=warm_up, name="offline-model-warm-up", daemon=True)
    thread.start()
    return thread


def _url() -> str:
    return secret(DB_URL_ENV) or configured_url()


def store() -> AppStore:
    _understanding()
    return _store(_url())


@st.cache_resource(show_spinner=False)
def _reader(workflow: str, url: str):
    return build_graph(workflow, OfflineChatModel(), _store(url).checkpointer)


def reader_graph(workflow: str):
    """A graph for reading state (it never calls its offline model); one per workflow."""
    return _reader(workflow, _url())


@st.cache_resource(show_spinner=False)
def _agent_server(url: str, key: str | None) -> AgentServer:
    return AgentServer.connect(url, key)


def backend() -> Backend:
    """Where conversations run: LangGraph's server when `HANDOFF_AGENT_URL` is set, else here."""
    address = server_address()
    server = _agent_server(*address) if address else None
    return choose(store(), reader_graph, server)


def chat_model(choice: ModelChoice) -> BaseChatModel:
    """The chat model the picker's choice names. Raises `ModelConfigError`."""
    if choice.problem:
        raise ModelConfigError(choice.problem)
    return get_model(
        choice.spec,
        base_url=choice.base_url or None,
        api_key=choice.api_key or None,
        operator_key=choice.operator_key or None,
        visitor_url=choice.visitor_url,
    )


@st.cache_resource(show_spinner=False, max_entries=32)
def _runner(workflow: str, choice: ModelChoice, url: str, approvals: bool):
    # Compiling is ~30% of an offline turn's CPU: one graph per workflow and model, shared; the
    # prompt versions are read at each model call, so it still sees every edit.
    current = _store(url)
    model = chat_model(choice)
    return build_graph(
        workflow,
        model,
        current.checkpointer,
        prompts=current.prompts.source(),
        screen_with=screening_model(model),
        approvals=approvals,
    )


@st.cache_resource(show_spinner=False)
def _settled() -> bool:
    # Freeze what lives as long as the process (~200k objects): unfrozen, each full collection
    # walked it all (~100 ms holding the GIL, a stall for every browser).
    gc.collect()
    gc.freeze()
    return True


def runner_graphs(workflow: str, choice: ModelChoice) -> tuple:
    """The graph that runs turns, and its twin without the approval review (it can't pause,
    and runs the turns that need none). Raises `ModelConfigError` (from `chat_model`)."""
    if choice.visitor_url:  # checked at every turn: what a name resolves to may change
        check_server(choice.base_url)
    store()  # opens the store (and warms the offline model) if this is the first call
    graphs = _runner(workflow, choice, _url(), True), _runner(workflow, choice, _url(), False)
    _settled()
    return graphs
