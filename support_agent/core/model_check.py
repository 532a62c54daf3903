"""Is a chat model usable right now? One short request, answered in our words.

Before a run that would send many requests (an experiment's arms), one tiny
request tells a server that isn't there, a key it refuses or a model name it
doesn't know, in the same words a turn would (`errors.describe`), so the run can
stop before anything is kept. The offline model runs in this process and is
always usable. The request gets the configured time limit for one answer and
no retry: a server that is down is told at once.

Example:
    ```python
    problem = check_model(chat_model)  # None, or an `errors.Error`
    ```
"""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage

from support_agent.core.errors import Error, describe
from support_agent.core.middleware.provider_errors import ProviderError, told
from support_agent.models import ModelConfigError, limits
from support_agent.models.deadline import timeout_kwargs

PROBE = "Reply with the single word OK."


def check_model(model: BaseChatModel) -> Error | None:
    """None when `model` answered a one-line request; else why it can't be used."""
    if getattr(model, "in_process", False):
        return None
    try:
        seconds = limits()[0]
        model.invoke([HumanMessage(PROBE)], **timeout_kwargs(model, seconds))
    except ModelConfigError as exc:
        return describe(exc)
    except Exception as exc:  # noqa: BLE001 - every provider failure, in our words
        try:
            # Raised inside the handler, as the middleware does, so the original is the
            # context `describe` reads a status from (and is still never chained).
            raise told(model, exc) from None
        except ProviderError as said:
            return describe(said)
    return None
