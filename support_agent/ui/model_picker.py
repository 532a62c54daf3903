"""Sidebar: which model answers (the rows of `models.providers.PROVIDERS`). Keys are never shown."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

from support_agent.base.settings import settings
from support_agent.models import (
    OFFLINE,
    PROVIDERS,
    ModelConfigError,
    Provider,
    resolve_spec,
)
from support_agent.models.providers import OFFLINE_PROVIDER, by_label
from support_agent.ui import identity, keys
from support_agent.ui.runtime import ModelChoice, secret

NOT_ALLOWED = (
    "The operator hasn't allowed visitors to choose a server address here, so {which} is used."
)
NO_SERVER = (
    "The operator hasn't set up a server here, nor allowed visitors to choose one: "
    "pick another model."
)


@dataclass(frozen=True)
class Start:
    provider: Provider
    name: str = ""
    problem: str | None = None  # why the configured setting can't be used, if it can't


def configured() -> Start:
    """The row and model `SUPPORT_AGENT_MODEL` names; else the offline row, with the reason."""
    try:
        provider, name = resolve_spec()
    except ModelConfigError as exc:
        return Start(OFFLINE_PROVIDER, problem=str(exc))
    return Start(provider, name)


def _key_source(variable: str) -> str | None:
    if st.session_state.get(keys.MODEL_API_KEY):
        return "this session"
    if settings().api_key(variable):
        return "environment"
    if secret(variable):
        return "secrets.toml"
    return None


def _same(a: str, b: str) -> bool:
    return a.strip().rstrip("/") == b.strip().rstrip("/")


@dataclass(frozen=True)
class Server:
    url: str | None
    visitor_url: bool = False  # a visitor typed it (see `ModelChoice.visitor_url`)
    problem: str = ""  # why it can't be used from this session ("" when it can)


def server_url(provider: Provider, key: str, label: str, where: Any = st) -> Server:
    """The server address for `provider`, drawn in `where`: typed by the operator, or by a visitor
    when allowed (then only a public address, its failures told without detail); otherwise the
    operator's configured server, its address not shown.
    """
    if not provider.needs_base_url:
        return Server(None)
    configured = settings().support_agent_base_url.strip()
    fallback = configured or provider.default_base_url or ""
    who = identity.owner()
    if not identity.may_type_server_url(who):
        where.text_input(label, placeholder="the operator's server", disabled=True)
        if configured:
            where.caption(NOT_ALLOWED.format(which="the server the operator set up"))
            return Server(configured)
        where.caption(NO_SERVER)
        return Server(None, problem=NO_SERVER)
    st.session_state.setdefault(key, fallback)
    url = (where.text_input(label, key=key) or "").strip()
    typed = not identity.is_operator(who) and not (configured and _same(url, configured))
    return Server(url or None, visitor_url=typed)


def choice(provider: Provider, name: str, server: Server, typed: str | None) -> ModelChoice:
    """A picked row as graphs are built from it: a key typed in this session, else the
    operator's (never shown)."""
    return ModelChoice(
        provider.spec(name),
        base_url=server.url,
        api_key=typed or None,
        operator_key=secret(provider.key_var) if provider.key_var else None,
        visitor_url=server.visitor_url,
        problem=server.problem,
    )


def model_picker() -> ModelChoice:
    start = configured()
    st.session_state.setdefault(keys.MODEL_LABEL, start.provider.label)
    label = st.selectbox("Model", [p.label for p in PROVIDERS], key=keys.MODEL_LABEL)
    provider = by_label(label)
    if provider.offline:
        if start.problem:
            st.caption(
                f"⚠️ The configured model can't be used, so this one answers: {start.problem}"
            )
        st.caption(
            "Runs with no key. It follows built-in rules for each workflow, so it "
            "**ignores prompt edits**; pick a real model to try edited prompts."
        )
        return ModelChoice(OFFLINE)

    first = start.name if provider == start.provider else provider.default_model
    name = st.text_input("Model name", value=first, key=keys.MODEL_NAME.format(label))
    server = server_url(provider, keys.MODEL_URL.format(label), "Base URL")
    variable = provider.key_var
    typed = None
    if variable:
        typed = st.text_input(
            f"{variable} (kept in this browser session only)",
            type="password",
            key=keys.MODEL_API_KEY,
            placeholder="optional if set in the environment or secrets.toml",
        )
        if source := _key_source(variable):
            st.caption(f"🔑 {variable} found ({source}); it is never displayed.")
        elif not provider.needs_base_url:
            st.caption(
                f"No {variable} found: set it in the environment or .streamlit/secrets.toml, or type it above."
            )
        # `server.url` is set only for a provider that needs a server (see `server_url`).
        if server.url and not typed and not _same(server.url, settings().support_agent_base_url):
            st.caption(
                f"The operator's {variable} is only sent to the provider or the server "
                "the operator configured; type a key if this server needs one."
            )
    return choice(provider, name, server, typed)
