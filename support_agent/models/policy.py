"""How the offline model decides, from rules a workflow declares.

The model sees what any chat model sees: the conversation and the tools bound
for this call. Each `Rule` names a tool (or none, for a plain reply), the
classifier that reads the customer's words, and conditions on what earlier
tool calls recorded. The first rule that fits wins; if none does, the model
asks the step's question. Same conversation, same answer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from support_agent.models.intents import Classifier, Verdict

Text = str | Mapping[str, str]  # a template, or templates by detail ("default" as fallback)

SUMMARY_SOURCE = "summarization"
_LEDGER_LINE = re.compile(r"^- ([a-z_]+) (\{.*\})$", re.MULTILINE)


@dataclass(frozen=True)
class Rule:
    """When to call `tool` (or, with no tool, what to reply) and with what."""

    tool: str | None = None
    offered: tuple[str, ...] = ()  # reply rules: fire only when one of these is bound
    classifier: str | None = None
    labels: tuple[
        str, ...
    ] = ()  # fire on these labels (empty: any label, or none if no classifier)
    arg: str | None = None  # tool argument that receives the label
    values: Mapping[str, str] = field(default_factory=dict)  # label -> argument value
    look_back: bool = False  # also read the customer's earlier messages
    need_label: bool = True
    fact: str | None = None  # the fact this tool's `arg` records
    contradicts: str | None = None  # fire only when the label differs from this recorded fact
    when: Mapping[str, str] = field(default_factory=dict)  # recorded facts that must hold
    args: Mapping[str, Text] = field(default_factory=dict)
    say: Text = ""  # said alongside the tool call, or the reply itself
    reply_after: Text | None = None  # the answer once this tool's result is back
    ask: str | None = None  # the step's question when no rule fits
    ask_unsure: str | None = None  # ... when the customer's answer was unclear
    unsure_labels: tuple[str, ...] = ("unsure",)

    @property
    def names(self) -> tuple[str, ...]:
        return (self.tool,) if self.tool else self.offered


@dataclass(frozen=True)
class OfflineRules:
    classifiers: Mapping[str, Classifier]
    rules: tuple[Rule, ...]

    def __add__(self, other: OfflineRules) -> OfflineRules:
        return OfflineRules({**self.classifiers, **other.classifiers}, self.rules + other.rules)


@dataclass(frozen=True)
class Plan:
    text: str
    tool_calls: list[dict]


def _pick(text: Text, *keys: str | None) -> str:
    """The template for the first key present (detail, then label), else "default"."""
    if isinstance(text, str):
        return text
    for key in keys:
        if key and key in text:
            return text[key]
    return text.get("default", "")


def _fill(template: str, values: Mapping[str, object]) -> str:
    # Only our own declared templates reach here; still, no attribute access.
    return re.sub(r"\{([a-z_]+)\}", lambda m: str(values.get(m.group(1), m.group(0))), template)


def is_summary(message: BaseMessage) -> bool:
    return message.additional_kwargs.get("lc_source") == SUMMARY_SOURCE


_QUOTED = re.compile(r'^(?:- |The customer first said: )"(.+)"$', re.MULTILINE)


def customer_messages(messages: Sequence[BaseMessage]) -> list[str]:
    """What the customer said, oldest first; summaries contribute their quotes."""
    texts: list[str] = []
    for m in messages:
        if isinstance(m, HumanMessage):
            texts.extend(_QUOTED.findall(m.text) if is_summary(m) else [m.text])
    return texts


def latest_calls(calls: Sequence[tuple[str, dict]]) -> list[tuple[str, dict]]:
    """Each tool's most recent call, in the order those calls happened."""
    last = {name: i for i, (name, _args) in enumerate(calls)}
    return [call for i, call in enumerate(calls) if last[call[0]] == i]


def ledger(messages: Sequence[BaseMessage]) -> list[tuple[str, dict]]:
    """Every tool call visible in the conversation, summaries included, in order."""
    calls: list[tuple[str, dict]] = []
    for m in messages:
        if isinstance(m, HumanMessage) and is_summary(m):
            for name, args in _LEDGER_LINE.findall(m.text):
                calls.append((name, json.loads(args)))
        elif isinstance(m, AIMessage):
            calls.extend((c["name"], c["args"]) for c in m.tool_calls)
    return calls


def format_ledger(calls: Sequence[tuple[str, dict]]) -> str:
    return "\n".join(f"- {name} {json.dumps(args, sort_keys=True)}" for name, args in calls)


class Policy:
    """Applies `OfflineRules` to a conversation and the tools bound to this call."""

    def __init__(self, rules: OfflineRules):
        self.rules = rules

    def facts(self, messages: Sequence[BaseMessage]) -> dict[str, str]:
        by_tool = {r.tool: r for r in self.rules.rules if r.tool and r.fact and r.arg}
        facts: dict[str, str] = {}
        for name, args in ledger(messages):
            rule = by_tool.get(name)
            if rule and rule.arg in args:
                facts[rule.fact] = args[rule.arg]
        return facts

    def classify(self, rule: Rule, texts: list[str]) -> Verdict:
        classifier = self.rules.classifiers[rule.classifier]
        first = classifier.classify(texts[-1]) if texts else Verdict(None, None)
        if first.label or not rule.look_back:
            return first
        for text in reversed(texts[:-1]):
            verdict = classifier.classify(text)
            if verdict.label and verdict.label not in rule.unsure_labels:
                return verdict
        return first

    def decide(self, messages: Sequence[BaseMessage], bound: Sequence[str]) -> Plan:
        start = max(
            (
                i
                for i, m in enumerate(messages)
                if isinstance(m, HumanMessage) and not is_summary(m)
            ),
            default=0,
        )
        this_turn = messages[start + 1 :]
        facts = self.facts(messages)

        if this_turn and isinstance(this_turn[-1], ToolMessage):
            done = self._after_tool(this_turn, facts)
            if done is not None:
                return done

        called = {c["name"] for m in this_turn if isinstance(m, AIMessage) for c in m.tool_calls}
        failed = {
            m.tool_call_id for m in this_turn if isinstance(m, ToolMessage) and m.status == "error"
        }
        succeeded = [
            c
            for m in this_turn
            if isinstance(m, AIMessage)
            for c in m.tool_calls
            if c["id"] not in failed
        ]
        texts = customer_messages(messages)
        unsure = False
        for rule in self.rules.rules:
            if not any(n in bound for n in rule.names) or (rule.tool and rule.tool in called):
                continue
            if rule.tool is None and succeeded:
                continue  # a plain reply answers the customer's words, not a tool's result
            if any(facts.get(k) != v for k, v in rule.when.items()):
                continue
            verdict = self.classify(rule, texts) if rule.classifier else Verdict(None, None)
            if verdict.label in rule.unsure_labels:
                unsure = True
            if rule.classifier and rule.need_label:
                if verdict.label is None or verdict.label in rule.unsure_labels:
                    continue
                if rule.labels and verdict.label not in rule.labels:
                    continue
            if rule.contradicts and facts.get(rule.contradicts) in (
                None,
                self._value(rule, verdict),
            ):
                continue
            values = {**facts, "label": verdict.label, "detail": verdict.detail or "unspecified"}
            values["value"] = self._value(rule, verdict)
            text = _fill(_pick(rule.say, verdict.detail, verdict.label), values)
            if rule.tool is None:
                return Plan(text, [])
            args = {
                k: _fill(_pick(v, verdict.detail, verdict.label), values)
                for k, v in rule.args.items()
            }
            if rule.arg:
                args[rule.arg] = values["value"]
            return Plan(text, [{"name": rule.tool, "args": args}])
        return Plan(self._ask(bound, unsure), [])

    @staticmethod
    def _value(rule: Rule, verdict: Verdict) -> str | None:
        return rule.values.get(verdict.label, verdict.label) if verdict.label else None

    def _after_tool(self, this_turn: Sequence[BaseMessage], facts: dict) -> Plan | None:
        result = this_turn[-1]
        call = next(
            (
                c
                for m in reversed(this_turn)
                if isinstance(m, AIMessage)
                for c in m.tool_calls
                if c["id"] == result.tool_call_id
            ),
            None,
        )
        if call is None:
            return None
        if result.status == "error":
            return None  # the tool refused: decide again without it (it counts as called)
        # The most specific rule wins: the one whose recorded-fact conditions hold.
        for rule in sorted(self.rules.rules, key=lambda r: -len(r.when)):
            if (
                rule.tool == call["name"]
                and rule.reply_after is not None
                and all(facts.get(k) == v for k, v in rule.when.items())
            ):
                detail = call["args"].get("detail")
                values = {**facts, **call["args"], "result": result.text}
                return Plan(_fill(_pick(rule.reply_after, detail), values), [])
        return None

    def _ask(self, bound: Sequence[str], unsure: bool) -> str:
        for rule in self.rules.rules:
            if rule.tool in bound and rule.ask:
                return rule.ask_unsure if unsure and rule.ask_unsure else rule.ask
        return "Could you tell me a little more about what you need?"
