"""The offline demo model: a chat model that needs no key and no weights.

It decides from the rules of the workflow it serves and reads the conversation and the
bound tools only, never the system prompt: prompt edits don't change it (the app says so).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.utils.function_calling import convert_to_openai_tool

from support_agent.base.oneline import clip
from support_agent.offline.policy import (
    OfflineRules,
    Plan,
    Policy,
    format_ledger,
    is_customer,
    is_summary,
    latest_calls,
    ledger,
)

_FIRST_SAID = re.compile(r'^The customer first said: "(.*)"$', re.M)


def _one_line(text: str, limit: int = 160) -> str:
    return clip(text.replace('"', "'"), limit)


class OfflineChatModel(BaseChatModel):
    model_name: str = "offline"
    rules: OfflineRules | None = None  # set from the declaration (`serving`)
    # A failure in it is a bug of ours, not a provider's (middleware/provider_errors).
    in_process: ClassVar[bool] = True

    @property
    def _llm_type(self) -> str:
        return "handoff-studio-offline"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name}

    def bind_tools(self, tools: Sequence[Any], *, tool_choice: str | None = None, **kwargs: Any):
        return self.bind(tools=[convert_to_openai_tool(t) for t in tools], **kwargs)

    def _plan(self, messages: list[BaseMessage], tools: list[dict] | None) -> Plan:
        bound = [t["function"]["name"] for t in tools or []]
        if not bound:
            return Plan(
                "I'm the offline demo model: I can only help within a workflow's steps.", []
            )
        if self.rules is None:
            return Plan("I'm the offline demo model: I was given no workflow's rules.", [])
        return Policy(self.rules).decide(messages, bound)

    @staticmethod
    def summarize(messages: Sequence[BaseMessage]) -> str:
        """`SummarizationMiddleware`'s `summarizer`: handed the messages, it parses no prompt."""
        summaries = [m.text for m in messages if isinstance(m, HumanMessage) and is_summary(m)]
        said = [m.text.strip() for m in messages if is_customer(m)]
        first = next((f for s in summaries if (f := _FIRST_SAID.search(s))), None)
        opening = first.group(1) if first else (said[0] if said else "")
        calls = ledger(messages)
        quotes = "\n".join(f'- "{_one_line(s)}"' for s in said[-4:]) or "- None"
        return (
            "## SESSION INTENT\nA customer is being helped through a support workflow.\n"
            f'The customer first said: "{_one_line(opening)}"\n\n'
            f"## SUMMARY\nThe customer's most recent earlier messages:\n{quotes}\n\n"
            f"## ARTIFACTS\nTool calls so far:\n{format_ledger(latest_calls(calls)) or 'None'}"
            "\n\n## NEXT STEPS\nContinue from the current step."
        )

    def _message(self, plan: Plan, messages: list[BaseMessage]) -> AIMessage:
        # Ids unique in the thread (records are keyed by them), the same for the same messages.
        seen = hashlib.sha256()
        for m in messages:
            seen.update(f"{m.type}\x00{m.text}\x00".encode())
            for call in getattr(m, "tool_calls", None) or []:
                seen.update(f"{call['id']}\x00".encode())
        digest = seen.hexdigest()[:12]
        calls = [
            {"name": c["name"], "args": c["args"], "id": f"call_{digest}_{i}"}
            for i, c in enumerate(plan.tool_calls)
        ]
        return AIMessage(content=plan.text, tool_calls=calls, response_metadata={"act": plan.act})

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        message = self._message(self._plan(messages, kwargs.get("tools")), messages)
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        message = self._message(self._plan(messages, kwargs.get("tools")), messages)
        for token in re.findall(r"\S+\s*|\s+", message.text):
            yield ChatGenerationChunk(message=AIMessageChunk(content=token))
        yield ChatGenerationChunk(
            message=AIMessageChunk(content="", response_metadata=message.response_metadata)
        )
        for i, c in enumerate(message.tool_calls):
            chunk = tool_call_chunk(name=c["name"], args=json.dumps(c["args"]), id=c["id"], index=i)
            yield ChatGenerationChunk(message=AIMessageChunk(content="", tool_call_chunks=[chunk]))


def serving(model: BaseChatModel, rules: OfflineRules) -> BaseChatModel:
    """`model` set up for a workflow: the offline model is given that workflow's rules."""
    if not isinstance(model, OfflineChatModel) or model.rules is rules:
        return model
    return model.model_copy(update={"rules": rules})
