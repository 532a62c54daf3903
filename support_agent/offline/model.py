"""The offline demo model: a real chat model that needs no key and no weights.

It honours the tool-calling protocol (`bind_tools`, tool calls that survive
streaming), decides from the intent rules of the workflow it was built for
(`serving`, `support_agent.offline.policy`), and writes its own deterministic
summaries as `SummarizationMiddleware`'s `summarizer` (handed the messages,
so no prompt text is parsed). It reads the conversation and
the bound tools only, never the system prompt: prompt edits don't change it,
which the app says plainly.
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
    """Deterministic, rule-driven chat model; the product's default."""

    model_name: str = "offline"
    # The rules of the workflow this model serves; `build_graph` sets them from the
    # declaration (`with_rules`), so the model needs no registry of workflows.
    rules: OfflineRules | None = None
    # Runs in this process: a failure in it is a bug of ours, not a provider's
    # (see middleware/provider_errors). A stand-in for a remote provider sets False.
    in_process: ClassVar[bool] = True

    @property
    def _llm_type(self) -> str:
        return "handoff-studio-offline"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name}

    def with_rules(self, rules: OfflineRules) -> OfflineChatModel:
        """This model, following `rules` (a workflow's `offline_rules`)."""
        return self if self.rules is rules else self.model_copy(update={"rules": rules})

    def bind_tools(self, tools: Sequence[Any], *, tool_choice: str | None = None, **kwargs: Any):
        specs = [convert_to_openai_tool(t) for t in tools]
        return self.bind(tools=specs, **kwargs)

    # -- decisions -----------------------------------------------------------------
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
        """A deterministic summary of `messages`, for `SummarizationMiddleware`'s
        `summarizer`: it hands us the messages themselves, so no prompt is parsed."""
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


def serving(model: BaseChatModel, rules: OfflineRules) -> BaseChatModel:
    """`model` set up for a workflow: the offline model is given that workflow's rules."""
    return model.with_rules(rules) if isinstance(model, OfflineChatModel) else model
