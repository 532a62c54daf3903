"""One time limit per customer answer (`SUPPORT_AGENT_TIMEOUT`), screening and retries included.

The engine sets a deadline when a turn starts; every model call in the turn runs `within` it,
each request getting only the time left, and none starting once it has passed. It is a context
variable set around each synchronous call, so turns running side by side don't share it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from itertools import count
from typing import Any, TypeVar

from support_agent.models import ModelConfigError, limits

T = TypeVar("T")
_DEADLINE: ContextVar[float | None] = ContextVar("handoff_answer_deadline", default=None)
# Chat models taking a per-request `timeout`; others keep the client's own.
_TIMEOUT_PER_CALL = {"openai-chat", "anthropic-chat", "groq-chat"}
MAX_PAUSE = 8.0  # seconds between retries at most (the OpenAI SDK's own cap)
RETRIES_MADE = "handoff_retries_made"  # set on the failure that ended a call


class DeadlinePassed(TimeoutError):
    """The answer's time ran out before (another) request could start."""


def turn_deadline() -> float | None:
    """When an answer starting now must be done (`time.monotonic()`); None when the
    setting can't be read (the model's own construction reports that)."""
    try:
        return time.monotonic() + limits()[0]
    except ModelConfigError:
        return None


def deadline_of(runtime: Any) -> float | None:
    return getattr(getattr(runtime, "context", None), "deadline", None)


@contextmanager
def within(deadline: float | None) -> Iterator[None]:
    token = _DEADLINE.set(deadline)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def remaining() -> float | None:
    deadline = _DEADLINE.get()
    return None if deadline is None else deadline - time.monotonic()


def request_timeout() -> float:
    configured = limits()[0]
    left = remaining()
    return configured if left is None else max(min(configured, left), 0.0)


def timeout_kwargs(model: Any, seconds: float) -> dict[str, float]:
    """The call arguments giving one request `seconds` at most ({} if it takes none)."""
    return {"timeout": seconds} if getattr(model, "_llm_type", "") in _TIMEOUT_PER_CALL else {}


def _pause(attempt: int, exc: BaseException) -> float:
    """The server's Retry-After when it sent a short one, else 0.5 s doubling."""
    headers = getattr(getattr(exc, "response", None), "headers", None) or {}
    try:
        asked = float(headers.get("retry-after", ""))
    except (TypeError, ValueError):
        asked = -1.0
    return asked if 0 <= asked <= 60 else min(0.5 * 2**attempt, MAX_PAUSE)


def _next_pause(attempt: int, retries: int, exc: Exception, retryable: Callable) -> float:
    """The pause before the next try, or re-raise `exc` (counting the retries made): none
    left, not worth it, or one that could only start after the deadline."""
    pause = _pause(attempt, exc) if attempt < retries and retryable(exc) else None
    left = remaining()
    if pause is None or (left is not None and left <= pause):
        with suppress(AttributeError):  # an exception type without a __dict__: uncounted
            setattr(exc, RETRIES_MADE, attempt)
        raise exc
    return pause


def _started() -> float:
    left = remaining()
    if left is not None and left <= 0:
        raise DeadlinePassed
    return request_timeout()


def call_with_retries(
    call: Callable[[float], T], *, retries: int, retryable: Callable[[BaseException], bool]
) -> T:
    """`call(seconds)`, retried up to `retries` times on a `retryable` failure, never
    starting after the deadline (`DeadlinePassed`)."""
    for attempt in count():
        try:
            return call(_started())
        except DeadlinePassed:
            raise
        except Exception as exc:  # noqa: BLE001 - retried or re-raised as it is
            time.sleep(_next_pause(attempt, retries, exc, retryable))


async def acall_with_retries(
    call: Callable[[float], Awaitable[T]],
    *,
    retries: int,
    retryable: Callable[[BaseException], bool],
) -> T:
    for attempt in count():
        try:
            return await call(_started())
        except DeadlinePassed:
            raise
        except Exception as exc:  # noqa: BLE001 - retried or re-raised as it is
            await asyncio.sleep(_next_pause(attempt, retries, exc, retryable))
