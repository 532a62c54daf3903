"""The offline demo model: a real chat model that needs no key and no weights.

It honours the tool-calling protocol (`bind_tools`, tool calls that survive
streaming), decides from the intent rules each workflow declares next to its
tools (`support_agent.models.policy`), and writes its own deterministic
summaries when `SummarizationMiddleware` asks. It reads the conversation and
the bound tools only, never the system prompt: prompt edits don't change it,
which the app says plainly.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.utils.function_calling import convert_to_openai_tool

from support_agent.models.policy import (
    Plan,
    Policy,
    format_ledger,
    latest_calls,
    rules_for,
)
from support_agent.text import clip

_SUMMARY_MARKER = "Messages to summarize:"
_XML_TOOL_CALL = re.compile(r'<tool_call id="[^"]*" name="([^"]+)">(.*?)</tool_call>', re.S)
_XML_LEDGER = re.compile(r"^- ([a-z_]+) (\{.*\})$", re.M)
_XML_HUMAN = re.compile(r'<message type="human">(.*?)</message>', re.S)
_FIRST_SAID = re.compile(r'^The customer first said: "(.*)"$', re.M)
SUMMARY_PREFIX = "Here is a summary"


def _one_line(text: str, limit: int = 160) -> str:
    return clip(text.replace('"', "'"), limit)


class OfflineChatModel(BaseChatModel):
    """Deterministic, rule-driven chat model; the product's default."""

    model_name: str = "offline"
    # Runs in this process: a failure in it is a bug of ours, not a provider's
    # (see middleware/provider_errors). A stand-in for a remote provider sets False.
    in_process: ClassVar[bool] = True

    @property
    def _llm_type(self) -> str:
        return "handoff-studio-offline"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name}

    def bind_tools(self, tools: Sequence[Any], *, tool_choice: str | None = None, **kwargs: Any):
        specs = [convert_to_openai_tool(t) for t in tools]
        return self.bind(tools=specs, **kwargs)

    # -- decisions -----------------------------------------------------------------
    def _plan(self, messages: list[BaseMessage], tools: list[dict] | None) -> Plan:
        bound = [t["function"]["name"] for t in tools or []]
        last = messages[-1].text if messages else ""
        if not bound and _SUMMARY_MARKER in last:
            return Plan(self._summarise(last), [])
        if not bound:
            return Plan(
                "I'm the offline demo model: I can only help within a workflow's steps.", []
            )
        rules = rules_for(bound)
        if rules is None:
            return Plan("I'm the offline demo model: these tools belong to no workflow I know.", [])
        return Policy(rules).decide(messages, bound)

    @staticmethod
    def _summarise(prompt: str) -> str:
        body = html.unescape(prompt.split(_SUMMARY_MARKER, 1)[1])
        calls = [(name, json.loads(args)) for name, args in _XML_LEDGER.findall(body)]
        calls += [(name, json.loads(raw)) for name, raw in _XML_TOOL_CALL.findall(body)]
        said = [t.strip() for t in _XML_HUMAN.findall(body) if not t.startswith(SUMMARY_PREFIX)]
        first = _FIRST_SAID.search(body)
        opening = first.group(1) if first else (said[0] if said else "")
        quotes = "\n".join(f'- "{_one_line(s)}"' for s in said[-4:]) or "- None"
        return (
            "## SESSION INTENT\nA customer is being helped through a support workflow.\n"
            f'The customer first said: "{_one_line(opening)}"\n\n'
            f"## SUMMARY\nThe customer's most recent earlier messages:\n{quotes}\n\n"
            f"## ARTIFACTS\nTool calls so far:\n{format_ledger(latest_calls(calls)) or 'None'}"
            "\n\n## NEXT STEPS\nContinue from the current step."
        )

    def _message(self, plan: Plan, messages: list[BaseMessage]) -> AIMessage:
        # Ids must be unique in the thread (transition records are keyed by them)
        # and the same for the same conversation: a digest of what was seen.
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

    # -- BaseChatModel -----------------------------------------------------------
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
            # BaseChatModel reports each yielded chunk to callbacks itself.
            yield ChatGenerationChunk(message=AIMessageChunk(content=token))
        yield ChatGenerationChunk(
            message=AIMessageChunk(content="", response_metadata=message.response_metadata)
        )
        for index, call in enumerate(message.tool_calls):
            yield ChatGenerationChunk(
                message=AIMessageChunk(
                    content="",
                    tool_call_chunks=[
                        tool_call_chunk(
                            name=call["name"],
                            args=json.dumps(call["args"]),
                            id=call["id"],
                            index=index,
                        )
                    ],
                )
            )
