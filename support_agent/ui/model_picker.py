"""Sidebar: which model answers. Keys are read, never shown."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import streamlit as st

from support_agent.models import BASE_URL_ENV, KEY_VARS, OFFLINE, default_model_spec, split_spec
from support_agent.ui.runtime import secret

OFFLINE_LABEL = "Offline demo model"
# label -> (provider, default model name, asks for a base URL)
CHOICES = {
    OFFLINE_LABEL: (None, "", False),
    "OpenAI": ("openai", "gpt-4.1-mini", False),
    "Anthropic": ("anthropic", "claude-sonnet-4-5", False),
    "Ollama (local)": ("ollama", "llama3.1", True),
    "OpenAI-compatible server": ("openai", "local-model", True),
}


@dataclass(frozen=True)
class ModelChoice:
    spec: str
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)  # typed in this session
    operator_key: str | None = field(default=None, repr=False)  # from secrets.toml

    @property
    def offline(self) -> bool:
        return self.spec == OFFLINE


def _initial_label() -> tuple[str, str]:
    spec = default_model_spec()
    if spec == OFFLINE:
        return OFFLINE_LABEL, ""
    try:
        provider, name = split_spec(spec)
    except ValueError:
        return OFFLINE_LABEL, ""
    for label, (choice_provider, _default, _url) in CHOICES.items():
        if choice_provider == provider:
            return label, name
    return OFFLINE_LABEL, ""


def _key_source(variable: str) -> str | None:
    if st.session_state.get("model.api_key"):
        return "this session"
    if os.environ.get(variable):
        return "environment"
    if secret(variable):
        return "secrets.toml"
    return None


def model_picker() -> ModelChoice:
    """Render the picker; return the choice for this run."""
    label0, name0 = _initial_label()
    st.session_state.setdefault("model.label", label0)
    label = st.selectbox("Model", list(CHOICES), key="model.label")
    provider, default_name, wants_url = CHOICES[label]
    if provider is None:
        st.caption(
            "Runs with no key. It follows built-in rules for each workflow, so it "
            "**ignores prompt edits**; pick a real model to try edited prompts."
        )
        return ModelChoice(OFFLINE)

    name = st.text_input("Model name", value=name0 or default_name, key=f"model.name.{label}")
    base_url = None
    if wants_url:
        fallback = os.environ.get(BASE_URL_ENV) or (
            "http://localhost:11434" if provider == "ollama" else "http://localhost:8000/v1"
        )
        base_url = st.text_input("Base URL", value=fallback, key=f"model.url.{label}")
    variable = KEY_VARS.get(provider)
    api_key = None
    source = None
    if variable:
        typed = st.text_input(
            f"{variable} (kept in this browser session only)",
            type="password",
            key="model.api_key",
            placeholder="optional if set in the environment or secrets.toml",
        )
        source = _key_source(variable)
        if source:
            st.caption(f"🔑 {variable} found ({source}); it is never displayed.")
        elif not wants_url:
            st.caption(
                f"No {variable} found: set it in the environment or .streamlit/secrets.toml, or type it above."
            )
        api_key = typed or None
        operator_key = secret(variable) or None
        if wants_url and base_url and not typed and source != "this session":
            configured = os.environ.get(BASE_URL_ENV, "").strip().rstrip("/")
            if base_url.strip().rstrip("/") != configured:
                st.caption(
                    f"The operator's {variable} is only sent to the provider or the server "
                    "the operator configured; type a key if this server needs one."
                )
    else:
        operator_key = None
    return ModelChoice(
        f"{provider}:{name.strip()}", base_url=base_url, api_key=api_key, operator_key=operator_key
    )
