"""Model-provider failures as safe, classified errors, before anything stores them.

A provider's error text is untrusted: it can echo the request (and its key),
and LangGraph saves a failed step's exception with the checkpoint so Retry can
resume. This middleware sits next to the model: any failure of the call
becomes a `ProviderError` whose message says the cause and the fix in our own
words, with nothing of the provider's body. The original is not chained, so it
is neither stored nor shown.

Example:
    ```python
    create_agent(model, tools, middleware=[..., ProviderErrorMiddleware()])
    ```
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from langchain.agents.middleware import (
    AgentMiddleware,
    ModelRequest,
    ModelResponse,
    SummarizationMiddleware,
)
from langgraph.errors import GraphBubbleUp

from support_agent.models import RETRIES_ENV, TIMEOUT_ENV, limits

_SECRET = re.compile(
    r"(?i)\b(sk|pk|rk|ak)-[a-z0-9_\-]{6,}|\bbearer\s+\S+|\b(api[_-]?key|x-api-key|token"
    r"|secret|password)\b\s*[\"':=]+\s*\S+|\b[a-z0-9_\-]{32,}\b"
)


def redact(text: str) -> str:
    """Text with anything that looks like a credential replaced by `***`."""
    return _SECRET.sub("***", text)


class ProviderError(RuntimeError):
    """A model call failed; `str()` is safe to show and to store."""

    def __init__(self, message: str, *, retryable: bool = True, kind: str = "provider"):
        super().__init__(message)
        self.retryable, self.kind = retryable, kind


def explain(exc: BaseException) -> ProviderError:
    """Our words for what went wrong with a provider call, and what to do."""
    name = type(exc).__name__
    status = getattr(exc, "status_code", None) or getattr(
        getattr(exc, "response", None), "status_code", None
    )
    timeout, retries = limits()
    if "Timeout" in name or isinstance(exc, TimeoutError):
        return ProviderError(
            f"The model did not answer within {timeout:g} s (the request time limit, "
            f"{TIMEOUT_ENV}). Your message is kept: Retry, or try again later."
        )
    if status == 429 or "RateLimit" in name:
        return ProviderError(
            f"The model provider is rate-limiting requests (still refused after {retries} "
            f"retries, {RETRIES_ENV}). Your message is kept: wait a moment, then Retry."
        )
    if status in (401, 403) or "Authentication" in name or "PermissionDenied" in name:
        return ProviderError(
            "The model provider rejected the API key. Check the key in the sidebar, the "
            "environment or .streamlit/secrets.toml.",
            retryable=False,
            kind="config",
        )
    if status == 404 or "NotFound" in name:
        return ProviderError(
            "The model provider does not know that model name. Check it in the sidebar "
            "(provider:model).",
            retryable=False,
            kind="config",
        )
    if isinstance(status, int) and status >= 500:
        return ProviderError(
            f"The model provider had an internal error (HTTP {status}). Your message is "
            "kept: Retry."
        )
    if "Connection" in name or isinstance(exc, ConnectionError | OSError):
        return ProviderError(
            f"The model provider could not be reached ({name}). Your message is kept: check "
            "the server or your connection, then Retry."
        )
    if "JSON" in name or "Decode" in name or isinstance(exc, ValueError):
        return ProviderError(
            "The model provider sent an answer that could not be read. Your message is "
            "kept: Retry, or try another model."
        )
    if isinstance(status, int):
        return ProviderError(
            f"The model provider refused the request (HTTP {status}). Your message is kept: "
            "Retry, or check the model settings."
        )
    return ProviderError(f"The model call failed ({name}). Your message is kept: Retry.")


def _ours(request: ModelRequest) -> bool:
    """A model that runs in this process (the offline one): its failures are our bugs."""
    return getattr(request.model, "in_process", False)


class ProviderErrorMiddleware(AgentMiddleware):
    """Turn any failure of the model call into a `ProviderError` (innermost middleware)."""

    @property
    def name(self) -> str:
        return "ProviderErrors"

    def wrap_model_call(
        self, request: ModelRequest, handler: Callable[[ModelRequest], ModelResponse]
    ) -> ModelResponse:
        try:
            return handler(request)
        except (GraphBubbleUp, ProviderError):
            raise
        except Exception as exc:  # noqa: BLE001 - every provider failure, in our words
            if _ours(request):
                raise  # the offline model is our code: a failure there is our bug
            raise explain(exc) from None

    async def awrap_model_call(
        self, request: ModelRequest, handler: Callable[[ModelRequest], Awaitable[ModelResponse]]
    ) -> ModelResponse:
        try:
            return await handler(request)
        except (GraphBubbleUp, ProviderError):
            raise
        except Exception as exc:  # noqa: BLE001 - every provider failure, in our words
            if _ours(request):
                raise  # the offline model is our code: a failure there is our bug
            raise explain(exc) from None


class SafeSummarization(SummarizationMiddleware):
    """`SummarizationMiddleware` whose own model call fails the same safe way."""

    def before_model(self, state, runtime):  # noqa: ANN001 - the parent's signature
        try:
            return super().before_model(state, runtime)
        except (GraphBubbleUp, ProviderError):
            raise
        except Exception as exc:  # noqa: BLE001 - every provider failure, in our words
            raise explain(exc) from None

    async def abefore_model(self, state, runtime):  # noqa: ANN001
        try:
            return await super().abefore_model(state, runtime)
        except (GraphBubbleUp, ProviderError):
            raise
        except Exception as exc:  # noqa: BLE001 - every provider failure, in our words
            raise explain(exc) from None
