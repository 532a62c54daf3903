"""Is a chat model usable right now? One tiny request, with no retry, before a run that would
send many (an experiment), told in the words a turn would use (`errors.describe`).
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
    if getattr(model, "in_process", False):
        return None
    try:
        seconds = limits()[0]
        model.invoke([HumanMessage(PROBE)], **timeout_kwargs(model, seconds))
    except ModelConfigError as exc:
        return describe(exc)
    except Exception as exc:  # noqa: BLE001 - every provider failure, in our words
        try:
            # Raised here, so the original is the context `describe` reads a status from.
            raise told(model, exc) from None
        except ProviderError as said:
            return describe(said)
    return None
