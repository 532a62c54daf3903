"""Process-wide resources for the app: the store, and graphs built on it."""

from __future__ import annotations

import threading

import streamlit as st

from support_agent.builders import build_graph
from support_agent.models import OfflineChatModel, get_model
from support_agent.storage import DB_URL_ENV, Store, configured_url, open_store
from support_agent.understanding import warm_up


def _secret(name: str) -> str | None:
    try:
        value = st.secrets.get(name)
    except Exception:  # no secrets.toml: Streamlit raises rather than returning None
        return None
    return str(value) if value else None


@st.cache_resource(show_spinner="Opening the conversation store…")
def _store(url: str) -> Store:
    return open_store(url)


@st.cache_resource(show_spinner=False)
def _understanding() -> threading.Thread:
    # The offline model learns from its data on first use (~0.4 s): do it in the
    # background while the first page draws, not during the first customer turn.
    thread = threading.Thread(target=warm_up, name="offline-model-warm-up", daemon=True)
    thread.start()
    return thread


def store() -> Store:
    """The shared store, from `HANDOFF_DB_URL` (environment, then secrets.toml)."""
    _understanding()
    return _store(_secret(DB_URL_ENV) or configured_url())


def secret(name: str) -> str | None:
    return _secret(name)


def _url() -> str:
    return _secret(DB_URL_ENV) or configured_url()


@st.cache_resource(show_spinner=False)
def _reader(workflow: str, url: str):
    return build_graph(workflow, OfflineChatModel(), _store(url).checkpointer)


def reader_graph(workflow: str):
    """A graph for reading state (it never calls its offline model); one per workflow."""
    return _reader(workflow, _secret(DB_URL_ENV) or configured_url())


@st.cache_resource(show_spinner=False, max_entries=32)
def _runner(
    workflow: str,
    spec: str,
    base_url: str | None,
    api_key: str | None,
    operator_key: str | None,
    url: str,
):
    # Compiling a graph is ~30% of an offline turn's CPU: build one per workflow and
    # model setting, shared by every session. The active prompt versions are read
    # from the store at each model call, so a cached graph still sees every edit.
    model = get_model(spec, base_url=base_url, api_key=api_key, operator_key=operator_key)
    current = _store(url)
    return build_graph(workflow, model, current.checkpointer, prompts=current.prompts.source())


def runner_graph(
    workflow: str,
    spec: str,
    base_url: str | None,
    api_key: str | None,
    operator_key: str | None = None,
):
    """The graph that runs turns with the chosen model. Raises `ModelConfigError`."""
    store()  # opens the store (and warms the offline model) if this is the first call
    return _runner(workflow, spec, base_url or None, api_key or None, operator_key or None, _url())
