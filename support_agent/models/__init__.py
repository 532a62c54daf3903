"""Choosing the chat model, in one place: `offline` (the built-in demo model) or a
`provider:model` string for LangChain's `init_chat_model`, a provider of `providers.py`'s
table. Keys are handed to the client, never stored or logged here.
"""

from __future__ import annotations

from langchain.chat_models import init_chat_model
from langchain_core.language_models import BaseChatModel

from support_agent.base.settings import SettingsError, settings
from support_agent.models.addresses import RefusedAddress, check_public_url
from support_agent.models.providers import KEY_VARS as KEY_VARS
from support_agent.models.providers import OFFLINE, OFFLINE_PROVIDER, Provider, for_prefix, prefixes
from support_agent.models.providers import PROVIDERS as PROVIDERS
from support_agent.offline.model import OfflineChatModel

MODEL_ENV = "SUPPORT_AGENT_MODEL"
MODEL_SPEC_HELP = (
    "'offline' or provider:model, e.g. openai:gpt-4.1 (default: $SUPPORT_AGENT_MODEL, else offline)"
)
TIMEOUT_ENV = "SUPPORT_AGENT_TIMEOUT"  # seconds one answer may take, retries included (default 60)
RETRIES_ENV = "SUPPORT_AGENT_MAX_RETRIES"  # retries of a failed request (default 2)
# Marks a model whose server a visitor typed (`metadata`): its failures are told without detail.
VISITOR_SERVER = "handoff_visitor_server"


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
    return settings().support_agent_model.strip() or OFFLINE


def split_spec(spec: str) -> tuple[str, str]:
    provider, sep, name = spec.partition(":")
    if not sep or not provider or not name:
        raise ModelConfigError(
            f"Model {spec!r} is not of the form provider:model, e.g. openai:gpt-4.1, "
            "anthropic:claude-sonnet-4-5, ollama:llama3.1 — or 'offline'."
        )
    return provider.strip().lower(), name.strip()


def resolve_spec(spec: str | None = None) -> tuple[Provider, str]:
    """The provider row and model name a setting names (`None`: `SUPPORT_AGENT_MODEL`);
    with `SUPPORT_AGENT_BASE_URL` set, `openai:` is the OpenAI-compatible server's row."""
    spec = (spec or default_model_spec()).strip()
    if spec == OFFLINE:
        return OFFLINE_PROVIDER, ""
    prefix, name = split_spec(spec)
    provider = for_prefix(prefix, base_url=bool(settings().support_agent_base_url))
    if provider is None:
        raise ModelConfigError(
            f"Model {spec!r} names the provider {prefix!r}, which isn't one of "
            f"{', '.join(prefixes())} — or 'offline'."
        )
    return provider, name


def resolve_model(model: BaseChatModel | str | None = None) -> BaseChatModel:
    return get_model(model) if model is None or isinstance(model, str) else model


def limits() -> tuple[float, int]:
    """(seconds one answer may take, retries of a failed request), with safe defaults."""
    try:
        current = settings().checked(TIMEOUT_ENV, RETRIES_ENV)
    except SettingsError as exc:
        raise ModelConfigError(
            f"{TIMEOUT_ENV} must be a number of seconds and {RETRIES_ENV} a whole number."
        ) from exc
    return max(current.support_agent_timeout, 1.0), max(current.support_agent_max_retries, 0)


def _same_url(a: str | None, b: str | None) -> bool:
    return bool(a and b) and a.strip().rstrip("/") == b.strip().rstrip("/")


def check_server(url: str | None) -> None:
    try:
        check_public_url(url or "")
    except RefusedAddress as exc:
        raise ModelConfigError(str(exc)) from None


def from_visitor(model: object) -> bool:
    return bool((getattr(model, "metadata", None) or {}).get(VISITOR_SERVER))


def get_model(
    spec: str | None = None,
    *,
    base_url: str | None = None,
    api_key: str | None = None,
    operator_key: str | None = None,
    visitor_url: bool = False,
    temperature: float = 0.0,
) -> BaseChatModel:
    """The chat model for `spec` (`offline` or `provider:model`).

    `base_url` points an `openai:` model at any OpenAI-compatible server. The operator's key
    (`operator_key` or the environment) goes only to the provider's own endpoint or the
    configured base URL, never to one a visitor typed; `api_key` is the visitor's own.
    `visitor_url=True`: `base_url` must be public, redirects are not followed (they could lead
    inside), and failures are told without detail (`from_visitor`).
    """
    spec = (spec or default_model_spec()).strip()
    row, name = resolve_spec(spec)
    if row.offline:
        return OfflineChatModel()
    provider, variable = row.prefix, row.key_var
    configured_url = settings().support_agent_base_url or None
    base_url = base_url or configured_url
    trusted = base_url is None or _same_url(base_url, configured_url)
    if visitor_url:
        check_server(base_url)
    kwargs = _client_options(provider, visitor_url, temperature)
    if base_url:
        kwargs["base_url"] = base_url
    key = _key_for(provider, variable, base_url, trusted, api_key, operator_key)
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


def _client_options(provider: str, visitor_url: bool, temperature: float) -> dict:
    """The client's time limit and redirects; it never retries (the middleware does)."""
    timeout, _retries = limits()
    if provider == "ollama":
        kwargs: dict = {"temperature": temperature, "client_kwargs": {"timeout": timeout}}
    else:
        kwargs = {"temperature": temperature, "max_retries": 0, "timeout": timeout}
    if visitor_url:
        kwargs["metadata"] = {VISITOR_SERVER: True}
        if provider == "ollama":
            kwargs["client_kwargs"]["follow_redirects"] = False
        elif provider == "openai":
            import openai  # installed with langchain-openai, the only client for `openai:`

            kwargs["http_client"] = openai.DefaultHttpxClient(follow_redirects=False)
            kwargs["http_async_client"] = openai.DefaultAsyncHttpxClient(follow_redirects=False)
    return kwargs


def _key_for(
    provider: str,
    variable: str | None,
    base_url: str | None,
    trusted: bool,
    api_key: str | None,
    operator_key: str | None,
) -> str | None:
    operators = operator_key or settings().api_key(variable)
    key = api_key or (operators if trusted else None)
    if key:
        return key
    if base_url and provider == "openai":
        return "not-needed"  # local OpenAI-compatible servers ignore it
    if variable and not trusted:
        raise ModelConfigError(
            f"The base URL {base_url} was typed in this session, so the operator's "
            f"{variable} is not sent there. Type a key for that server, or use the "
            f"provider's own endpoint."
        )
    if variable:
        raise MissingKeyError(provider, variable)
    return None
