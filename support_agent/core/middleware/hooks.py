"""Sync and async hook pairs written once: LangChain calls `wrap_*` from `invoke` and `awrap_*`
from `ainvoke`/`astream`, so a middleware defining only one breaks the other path.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from langchain.agents.middleware import ModelRequest, ModelResponse
from langchain.agents.middleware.types import ToolCallRequest
from langchain_core.messages import ToolMessage
from langgraph.types import Command


class ShapesModelRequests:
    """Rewrite every model request with `configure(request)`."""

    def configure(self, request: ModelRequest) -> ModelRequest:
        raise NotImplementedError

    def wrap_model_call(
        self, request: ModelRequest, handler: Callable[[ModelRequest], ModelResponse]
    ) -> ModelResponse:
        return handler(self.configure(request))

    async def awrap_model_call(
        self, request: ModelRequest, handler: Callable[[ModelRequest], Awaitable[ModelResponse]]
    ) -> ModelResponse:
        return await handler(self.configure(request))


def refusal(call: dict, text: str) -> ToolMessage:
    """A tool call answered without running it: the model reads `text` as its failed result."""
    return ToolMessage(content=text, tool_call_id=call["id"], name=call["name"], status="error")


class GatesToolCalls:
    """Answer a tool call with `refuse(request)` instead of running it, when that isn't None;
    then pass the result through `answered(request, result)`."""

    def refuse(self, request: ToolCallRequest) -> ToolMessage | Command | None:
        return None

    def answered(
        self, request: ToolCallRequest, result: ToolMessage | Command
    ) -> ToolMessage | Command:
        return result

    def wrap_tool_call(
        self,
        request: ToolCallRequest,
        handler: Callable[[ToolCallRequest], ToolMessage | Command],
    ) -> ToolMessage | Command:
        return self.answered(request, self.refuse(request) or handler(request))

    async def awrap_tool_call(
        self,
        request: ToolCallRequest,
        handler: Callable[[ToolCallRequest], Awaitable[ToolMessage | Command]],
    ) -> ToolMessage | Command:
        return self.answered(request, self.refuse(request) or await handler(request))
