"""Model-provider failures as safe, classified errors, before anything stores them.

A provider's error text may echo the request (and its key), and LangGraph saves a failed
step's exception with the checkpoint: so any failure becomes a `ProviderError` in our words,
unchained. A server a visitor typed is told only that it could not be used (`ServerUnusable`).
Failed calls are retried (`SUPPORT_AGENT_MAX_RETRIES`) within the answer's deadline.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

from langchain.agents.middleware import (
    AgentMiddleware,
    ModelRequest,
    ModelResponse,
    SummarizationMiddleware,
)
from langchain_core.runnables import RunnableConfig, RunnableLambda
from langgraph.errors import GraphBubbleUp

from support_agent.models import RETRIES_ENV, TIMEOUT_ENV, from_visitor, limits
from support_agent.models.deadline import (
    RETRIES_MADE,
    acall_with_retries,
    call_with_retries,
    deadline_of,
    timeout_kwargs,
    within,
)

logger = logging.getLogger(__name__)

_SECRET = re.compile(
    r"(?i)\b(sk|pk|rk|ak)-[a-z0-9_\-]{6,}|\bbearer\s+\S+|\b(api[_-]?key|x-api-key|token"
    r"|secret|password)\b\s*[\"':=]+\s*\S+|\b[a-z0-9_\-]{32,}\b"
)


def redact(text: str) -> str:
    return _SECRET.sub("***", text)


class ProviderError(RuntimeError):
    """A model call failed; `str()` is safe to show and to store: `what` happened, and
    the `advice` for someone in a conversation (a page without one shows `what` only)."""

    def __init__(
        self, what: str, advice: str = "", *, retryable: bool = True, kind: str = "provider"
    ):
        super().__init__(f"{what} {advice}".strip())
        self.what, self.advice = what, advice
        self.retryable, self.kind = retryable, kind


class ServerUnusable(ProviderError):
    """A server a visitor typed failed: said the same way whatever happened."""

    def __init__(self) -> None:
        super().__init__(
            "The server at the address you typed could not be used.",
            "Your message is kept: check the address, or pick another model.",
        )


def http_status(exc: BaseException | None) -> int | None:
    status = getattr(exc, "status_code", None) or getattr(
        getattr(exc, "response", None), "status_code", None
    )
    return status if isinstance(status, int) else None


def retryable(exc: BaseException) -> bool:
    """Worth another try: a time limit, a connection, a rate limit or a server error (the
    statuses the OpenAI SDK retries); never a refused key or an unreadable answer."""
    status = http_status(exc)
    if status is not None:
        return status in (408, 409, 429) or status >= 500
    name = type(exc).__name__
    return (
        "Timeout" in name or "Connection" in name or isinstance(exc, TimeoutError | ConnectionError)
    )


def told(model: object, exc: BaseException) -> ProviderError:
    """`exc` in our words; for a server a visitor typed, only `ServerUnusable` (the
    explanation goes to the log, for the operator)."""
    said = exc if isinstance(exc, ProviderError) else explain(exc)
    if from_visitor(model):
        logger.info("A server a visitor typed failed: %s", said)
        return ServerUnusable()
    return said


def explain(exc: BaseException) -> ProviderError:
    name = type(exc).__name__
    status = http_status(exc)
    timeout, retries = limits()
    if "Timeout" in name or isinstance(exc, TimeoutError):
        return ProviderError(
            f"The model did not answer within {timeout:g} s (the time limit for one answer, "
            f"{TIMEOUT_ENV}).",
            "Your message is kept: Retry, or try again later.",
        )
    if status == 429 or "RateLimit" in name:
        retries = getattr(exc, RETRIES_MADE, retries)  # fewer when the answer's time ran out
        return ProviderError(
            f"The model provider is rate-limiting requests (still refused after {retries} "
            f"retries, {RETRIES_ENV}).",
            "Your message is kept: wait a moment, then Retry.",
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
    if status is not None and status >= 500:
        return ProviderError(
            f"The model provider had an internal error (HTTP {status}).",
            "Your message is kept: Retry.",
        )
    if "Connection" in name or isinstance(exc, ConnectionError | OSError):
        return ProviderError(
            f"The model provider could not be reached ({name}).",
            "Your message is kept: check the server or your connection, then Retry.",
        )
    if "JSON" in name or "Decode" in name or isinstance(exc, ValueError):
        return ProviderError(
            "The model provider sent an answer that could not be read.",
            "Your message is kept: Retry, or try another model.",
        )
    if status is not None:
        return ProviderError(
            f"The model provider refused the request (HTTP {status}).",
            "Your message is kept: Retry, or check the model settings.",
        )
    return ProviderError(f"The model call failed ({name}).", "Your message is kept: Retry.")


def _retry() -> dict:
    return {"retries": limits()[1], "retryable": retryable}


def _ours(request: ModelRequest) -> bool:
    return getattr(request.model, "in_process", False)


def _timed(request: ModelRequest, seconds: float) -> ModelRequest:
    extra = timeout_kwargs(request.model, seconds)
    if not extra:
        return request
    return request.override(model_settings={**request.model_settings, **extra})


@contextmanager
def _in_our_words(model: object, runtime: object) -> Iterator[None]:
    """Within the turn's deadline; any provider failure raised as a `ProviderError` (a
    graph's own interrupts pass through)."""
    try:
        with within(deadline_of(runtime)):
            yield
    except GraphBubbleUp:
        raise
    except Exception as exc:  # noqa: BLE001 - every provider failure, in our words
        raise told(model, exc) from None


class ProviderErrorMiddleware(AgentMiddleware):
    """Retry a failed model call within the answer's time, then say any failure
    in our words (innermost middleware)."""

    name = "ProviderErrors"

    def wrap_model_call(
        self, request: ModelRequest, handler: Callable[[ModelRequest], ModelResponse]
    ) -> ModelResponse:
        if _ours(request):
            return handler(request)  # the offline model is our code: a failure is our bug
        with _in_our_words(request.model, request.runtime):
            return call_with_retries(lambda seconds: handler(_timed(request, seconds)), **_retry())

    async def awrap_model_call(
        self, request: ModelRequest, handler: Callable[[ModelRequest], Awaitable[ModelResponse]]
    ) -> ModelResponse:
        if _ours(request):
            return await handler(request)
        with _in_our_words(request.model, request.runtime):
            return await acall_with_retries(
                lambda seconds: handler(_timed(request, seconds)), **_retry()
            )


class SafeSummarization(SummarizationMiddleware):
    """`SummarizationMiddleware` whose model call is retried and fails the same way."""

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003 - the parent's
        # The offline model writes its own summaries from the messages, not a prompt.
        kwargs.setdefault("summarizer", getattr(kwargs.get("model"), "summarize", None))
        super().__init__(*args, **kwargs)
        # The parent retries with growing pauses whatever time is left; this, within it.
        self._summary_model = RunnableLambda(self._summarize, afunc=self._asummarize)

    def _summarize(self, prompt, config: RunnableConfig):  # noqa: ANN001, ANN202
        model = self.model
        return call_with_retries(
            lambda seconds: model.invoke(prompt, config=config, **timeout_kwargs(model, seconds)),
            **_retry(),
        )

    async def _asummarize(self, prompt, config: RunnableConfig):  # noqa: ANN001, ANN202
        model = self.model
        return await acall_with_retries(
            lambda seconds: model.ainvoke(prompt, config=config, **timeout_kwargs(model, seconds)),
            **_retry(),
        )

    def before_model(self, state, runtime):  # noqa: ANN001 - the parent's signature
        with _in_our_words(self.model, runtime):
            return super().before_model(state, runtime)

    async def abefore_model(self, state, runtime):  # noqa: ANN001
        with _in_our_words(self.model, runtime):
            return await super().abefore_model(state, runtime)
