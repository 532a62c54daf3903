"""Choosing the chat model, in one place.

`get_model("offline")` is the built-in demo model; anything else is a
`provider:model` string handed to LangChain's `init_chat_model`. The default
comes from `SUPPORT_AGENT_MODEL` (default `offline`). Keys come from the
environment (the app also passes ones from `st.secrets` or its masked field);
they are handed to the client and never stored or logged here.
"""

from __future__ import annotations

import os

from langchain.chat_models import init_chat_model
from langchain_core.language_models import BaseChatModel

from support_agent.models.offline import OfflineChatModel

MODEL_ENV = "SUPPORT_AGENT_MODEL"
BASE_URL_ENV = "SUPPORT_AGENT_BASE_URL"
OFFLINE = "offline"

# provider -> environment variable holding its key (None: no key needed)
KEY_VARS: dict[str, str | None] = {
    "openai": "OPENAI_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
    "google_genai": "GOOGLE_API_KEY",
    "mistralai": "MISTRAL_API_KEY",
    "groq": "GROQ_API_KEY",
    "ollama": None,
}


class ModelConfigError(ValueError):
    """The model setting can't be used as given; the message says what to do."""


class MissingKeyError(ModelConfigError):
    def __init__(self, provider: str, variable: str):
        self.provider, self.variable = provider, variable
        super().__init__(
            f"No API key for {provider}: set the environment variable {variable} "
            f"(or add {variable} to .streamlit/secrets.toml), or pick the offline model."
        )


def default_model_spec() -> str:
    return os.environ.get(MODEL_ENV, "").strip() or OFFLINE


def split_spec(spec: str) -> tuple[str, str]:
    provider, sep, name = spec.partition(":")
    if not sep or not provider or not name:
        raise ModelConfigError(
            f"Model {spec!r} is not of the form provider:model, e.g. openai:gpt-4.1, "
            "anthropic:claude-sonnet-4-5, ollama:llama3.1 — or 'offline'."
        )
    return provider.strip().lower(), name.strip()


def key_status(environ: dict[str, str] | None = None) -> dict[str, bool]:
    """Which providers have a key available, without revealing any key."""
    env = os.environ if environ is None else environ
    return {p: (var is None or bool(env.get(var))) for p, var in KEY_VARS.items()}


def get_model(
    spec: str | None = None,
    *,
    base_url: str | None = None,
    api_key: str | None = None,
    temperature: float = 0.0,
) -> BaseChatModel:
    """The chat model for `spec` (`offline` or `provider:model`).

    `base_url` (or `SUPPORT_AGENT_BASE_URL`) points an `openai:` model at any
    OpenAI-compatible server, such as a local llama.cpp or vLLM; such servers
    rarely need a real key, so a placeholder is sent when none is set.
    """
    spec = (spec or default_model_spec()).strip()
    if spec == OFFLINE:
        return OfflineChatModel()
    provider, name = split_spec(spec)
    base_url = base_url or os.environ.get(BASE_URL_ENV) or None
    kwargs: dict = {"temperature": temperature}
    variable = KEY_VARS.get(provider)
    key = api_key or (os.environ.get(variable) if variable else None)
    if base_url:
        kwargs["base_url"] = base_url
    if not key:
        if base_url and provider == "openai":
            key = "not-needed"  # local OpenAI-compatible servers ignore it
        elif variable:
            raise MissingKeyError(provider, variable)
    if key:
        kwargs["api_key"] = key
    try:
        return init_chat_model(name, model_provider=provider, **kwargs)
    except ImportError as exc:
        raise ModelConfigError(
            f"The {provider} integration is not installed ({exc}). "
            "Install it or pick another provider."
        ) from exc
    except Exception as exc:  # integrations raise their own types; all mean "can't use it"
        detail = str(exc).replace(key, "***") if key else str(exc)
        raise ModelConfigError(f"Can't use model {spec!r}: {detail}") from exc


__all__ = [
    "OFFLINE",
    "MissingKeyError",
    "ModelConfigError",
    "OfflineChatModel",
    "default_model_spec",
    "get_model",
    "key_status",
]
