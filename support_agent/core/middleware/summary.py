"""`SummaryInModelCall`: LangChain's summarization, run inside the model call.

`SummarizationMiddleware` decides and writes its summary in a `before_model` hook, and each
hook is a graph node: a step of every model call, though a summary is written about once in
fifty turns. Here the same decision (the parent's own `before_model`, called directly) runs
in `wrap_model_call`: the model answers the shortened conversation, and the rewrite of the
history is returned with the answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from langchain.agents.middleware import AgentMiddleware, ModelRequest, ModelResponse
from langchain.agents.middleware.types import ExtendedModelResponse
from langchain_core.messages import RemoveMessage
from langgraph.types import Command

from support_agent.core.middleware.provider_errors import SafeSummarization


class SummaryInModelCall(SafeSummarization):
    """Summarize past the trigger, keeping the last messages, with no node of its own."""

    # Not hooks: create_agent adds a node for a class whose hooks differ from the base's.
    before_model = AgentMiddleware.before_model
    abefore_model = AgentMiddleware.abefore_model

    @staticmethod
    def _shortened(request: ModelRequest, rewrite: list) -> ModelRequest:
        """The request with the summarized messages gone and the summary first. What the
        outer layers left out of the request (a refused message) stays out."""
        history = [m for m in rewrite if not isinstance(m, RemoveMessage)]
        before = {m.id for m in request.state["messages"]}
        gone = before - {m.id for m in history}
        summary = [m for m in history if m.id not in before]
        messages = [*summary, *(m for m in request.messages if m.id not in gone)]
        return request.override(state={**request.state, "messages": history}, messages=messages)

    @staticmethod
    def _with(response: ModelResponse, rewrite: list) -> ExtendedModelResponse:
        # Applied after the answer's own update: the rewritten history ends with the answer,
        # the same messages by id.
        SafeSummarization._ensure_message_ids(response.result)
        return ExtendedModelResponse(
            response, Command(update={"messages": [*rewrite, *response.result]})
        )

    def wrap_model_call(
        self, request: ModelRequest, handler: Callable[[ModelRequest], ModelResponse]
    ) -> ModelResponse | ExtendedModelResponse:
        update: dict[str, Any] | None = SafeSummarization.before_model(
            self, request.state, request.runtime
        )
        if not update:
            return handler(request)
        rewrite = update["messages"]
        return self._with(handler(self._shortened(request, rewrite)), rewrite)

    async def awrap_model_call(
        self, request: ModelRequest, handler: Callable[[ModelRequest], Awaitable[ModelResponse]]
    ) -> ModelResponse | ExtendedModelResponse:
        update = await SafeSummarization.abefore_model(self, request.state, request.runtime)
        if not update:
            return await handler(request)
        rewrite = update["messages"]
        return self._with(await handler(self._shortened(request, rewrite)), rewrite)
