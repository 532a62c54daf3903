"""How the offline model decides from the conversation and the tools bound: a request for a
person first, then the first `Rule` that fits, else the workflow's `Dialogue`. Same
conversation, same answer: nothing here reads a clock or a random number.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from support_agent.offline import dialogue as d
from support_agent.offline import questions as q
from support_agent.offline.dialogue import Dialogue, Faq, Text
from support_agent.offline.intents import (
    CaseReader,
    Classifier,
    LearnedClassifier,
    Reader,
    Verdict,
)
from support_agent.offline.sentences import sentences, without_repeats

SUMMARY_SOURCE = "summarization"
UNREAD = (None, "unclear", "unsure")
_LEDGER_LINE = re.compile(r"^- ([a-z_]+) (\{.*\})$", re.MULTILINE)


@dataclass(frozen=True)
class Rule:
    """When to call `tool` (or, with no tool, what to reply) and with what."""

    tool: str | None = None
    offered: tuple[str, ...] = ()  # fire only when one of these is bound too (the step's tools)
    classifier: str | None = None
    labels: tuple[str, ...] = ()  # fire on these labels (empty: any clear label)
    arg: str | None = None  # tool argument that receives the label
    values: Mapping[str, str] = field(default_factory=dict)  # label -> argument value
    look_back: bool = False  # also read the customer's earlier messages
    need_label: bool = True
    fact: str | None = None  # the fact this tool's `arg` records
    # facts a call of this tool records whatever its arguments (a refund: the choice made)
    records: Mapping[str, str] = field(default_factory=dict)
    contradicts: str | None = None  # fire only when the label differs from this recorded fact
    when: Mapping[str, str] = field(default_factory=dict)  # recorded facts that must hold
    args: Mapping[str, Text] = field(default_factory=dict)
    say: Text = ""  # said alongside the tool call, or the reply itself
    reply_after: Text | None = None  # the answer once this tool's result is back
    again: Text | None = None  # said instead of `say` said again ("still too expensive")
    ask: Text | None = None  # the step's question when no rule fits
    once: bool = False  # at most once between two moves of the machine
    after: tuple[str, ...] = ()  # fire only once one of these tools ran since the last move
    same_detail: bool = False  # fire only when an earlier message of the case named this detail
    after_act: tuple[str, ...] = ()  # fire only when the agent's last reply was of these kinds
    min_margin: float = 0.0  # how sure a learned classifier must be for this rule
    faq: bool = False  # answer a follow-up from the FAQ, once a `once` rule has answered
    act: str = d.ANSWER  # the kind of a plain reply
    unsure_labels: tuple[str, ...] = ("unsure", "unclear")
    # a plain reply also said in the turn the machine moved (half an answer given with the
    # order number): the step's question without the half already said
    with_move: bool = False


AnyReader = Classifier | LearnedClassifier | Reader | CaseReader


@dataclass(frozen=True)
class OfflineRules:
    classifiers: Mapping[str, AnyReader]  # declared as a sequence; found by name
    rules: tuple[Rule, ...]
    dialogue: Dialogue
    related: Mapping[str, Collection[str]] = field(default_factory=dict)  # same problem

    def __post_init__(self) -> None:
        if not isinstance(self.classifiers, Mapping):
            object.__setattr__(self, "classifiers", {c.name: c for c in self.classifiers})


@dataclass(frozen=True)
class Plan:
    text: str
    tool_calls: list[dict]
    act: str = d.ANSWER
    again: str = ""  # the rule's words for when `text` was said before


def _pick(text: Text, *keys: str | None) -> str:
    if isinstance(text, str):
        return text
    for key in keys:
        if key and key in text:
            return text[key]
    return text.get("default", "")


def fill_template(template: str, values: Mapping[str, object]) -> str:
    """A declared reply template with its {names} filled; unknown names stay as written."""
    # Only our own declared templates reach here; still, no attribute access.
    return re.sub(r"\{([a-z_]+)\}", lambda m: str(values.get(m.group(1), m.group(0))), template)


def is_summary(message: BaseMessage) -> bool:
    return message.additional_kwargs.get("lc_source") == SUMMARY_SOURCE


def is_customer(message: BaseMessage) -> bool:
    return isinstance(message, HumanMessage) and not is_summary(message)


def last_customer_index(messages: Sequence[BaseMessage]) -> int:
    """-1 when there is none; this turn follows it."""
    return max((i for i, m in enumerate(messages) if is_customer(m)), default=-1)


_QUOTED = re.compile(r'^(?:- |The customer first said: )"(.+)"$', re.MULTILINE)


def customer_messages(messages: Sequence[BaseMessage]) -> list[str]:
    texts: list[str] = []
    for m in messages:
        if isinstance(m, HumanMessage):
            texts.extend(_QUOTED.findall(m.text) if is_summary(m) else [m.text])
    return texts


def latest_calls(calls: Sequence[tuple[str, dict]]) -> list[tuple[str, dict]]:
    last = {name: i for i, (name, _args) in enumerate(calls)}
    return [call for i, call in enumerate(calls) if last[call[0]] == i]


def ledger(messages: Sequence[BaseMessage]) -> list[tuple[str, dict]]:
    """Every tool call visible, summaries included; a call a person rejected never happened."""
    rejected = {m.tool_call_id for m in messages if d.is_rejection(m)}
    calls: list[tuple[str, dict]] = []
    for m in messages:
        if isinstance(m, HumanMessage) and is_summary(m):
            calls.extend((name, json.loads(args)) for name, args in _LEDGER_LINE.findall(m.text))
        elif isinstance(m, AIMessage):
            calls.extend((c["name"], c["args"]) for c in m.tool_calls if c["id"] not in rejected)
    return calls


def format_ledger(calls: Sequence[tuple[str, dict]]) -> str:
    return "\n".join(f"- {name} {json.dumps(args, sort_keys=True)}" for name, args in calls)


def _calls_of(this_turn: Sequence[BaseMessage]) -> tuple[set[str], list[dict]]:
    calls = [c for m in this_turn if isinstance(m, AIMessage) for c in m.tool_calls]
    failed = {m.tool_call_id for m in this_turn if getattr(m, "status", None) == "error"}
    return {c["name"] for c in calls}, [c for c in calls if c["id"] not in failed]


def _last_call(messages: Sequence[BaseMessage], names: Collection[str | None]) -> int:
    """The index of the latest message that calls one of the tools `names` (-1: none)."""
    return max(
        (
            i
            for i, m in enumerate(messages)
            if isinstance(m, AIMessage) and any(c["name"] in names for c in m.tool_calls)
        ),
        default=-1,
    )


def _replies(messages: Sequence[BaseMessage]) -> list[AIMessage]:
    return [m for m in messages if isinstance(m, AIMessage) and not m.tool_calls]


def act_of(message: BaseMessage) -> str | None:
    return (message.response_metadata or {}).get("act") if isinstance(message, AIMessage) else None


def _in_turn(sayings: Sequence[str], act: str, messages: Sequence[BaseMessage]) -> str:
    """The next of `sayings`, said in turn: by how many replies of `act` came before."""
    return sayings[sum(1 for m in messages if act_of(m) == act) % len(sayings)]


@dataclass(frozen=True)
class _Turn:
    """What every part of one decision reads, worked out once."""

    messages: Sequence[BaseMessage]
    bound: list[str]
    facts: dict[str, str]
    text: str  # the customer's latest words
    done: set[str]  # the tools called since the machine last moved
    start: int  # the customer's latest message (0 when none)
    previous_act: str | None  # of the agent's last reply before it

    @property
    def this_turn(self) -> Sequence[BaseMessage]:
        return self.messages[self.start + 1 :]


class Policy:
    def __init__(self, rules: OfflineRules):
        self.rules = rules
        self.dialogue = rules.dialogue

    def _read(self, messages: Sequence[BaseMessage], bound: list[str]) -> _Turn:
        by_tool = {r.tool: r for r in self.rules.rules if r.tool and r.fact and r.arg}
        recorded = {r.tool: r.records for r in self.rules.rules if r.tool and r.records}
        facts: dict[str, str] = {}
        calls = ledger(messages)
        for name, args in calls:
            if name == self.dialogue.new_case_tool:
                facts.clear()
            rule = by_tool.get(name)
            if rule and rule.arg in args:
                facts[rule.fact] = args[rule.arg]
            facts.update(recorded.get(name, {}))
        names = [name for name, _args in calls]
        moved = max((i for i, n in enumerate(names) if n in self.dialogue.moves), default=-1)
        start = max(last_customer_index(messages), 0)
        earlier = _replies(messages[:start])
        text = next(reversed(customer_messages(messages)), "")
        act = act_of(earlier[-1]) if earlier else None
        return _Turn(messages, bound, facts, text, set(names[moved + 1 :]), start, act)

    def _case_texts(self, messages: Sequence[BaseMessage]) -> list[str]:
        """What the customer said since the latest new case opened; when the opening message
        only answered "the same problem, or a separate one?", the problem before it."""
        opened = _last_call(messages, {self.dialogue.new_case_tool} - {None})
        said = [i for i in range(opened) if is_customer(messages[i])]
        if not said:
            return customer_messages(messages)
        replies = _replies(messages[: said[-1]])
        if len(said) > 1 and replies and act_of(replies[-1]) == d.SAME_OR_NEW:
            before = customer_messages(messages[said[-2] : said[-1]])
            return before + customer_messages(messages[said[-1] + 1 :])
        return customer_messages(messages[said[-1] :])

    def classify(self, rule: Rule, texts: list[str]) -> Verdict:
        classifier = self.rules.classifiers[rule.classifier]
        if isinstance(classifier, CaseReader):  # it weighs the earlier messages itself
            return classifier.read(texts) if texts else Verdict(None, None)
        first = classifier.classify(texts[-1]) if texts else Verdict(None, None)
        if (first.label and first.label not in rule.unsure_labels) or not rule.look_back:
            return first
        for text in reversed(texts[:-1]):
            verdict = classifier.classify(text)
            if verdict.label and verdict.label not in rule.unsure_labels:
                return verdict
        return first

    def _reads_case(self, rule: Rule) -> bool:
        classifier = self.rules.classifiers.get(rule.classifier or "")
        return rule.look_back and isinstance(classifier, CaseReader)

    def _named_before(self, rule: Rule, texts: list[str], detail: str | None) -> bool:
        """Whether an earlier message of the case named `detail` ("screen", "battery")."""
        classifier = self.rules.classifiers[rule.classifier]
        named = getattr(classifier, "named", None) or (
            lambda text: {classifier.classify(text).detail}
        )
        kin = {detail, *self.rules.related.get(detail, ())}
        return detail is not None and any(kin & named(text) for text in texts[:-1])

    def decide(self, messages: Sequence[BaseMessage], bound: Sequence[str]) -> Plan:
        t = self._read(messages, list(bound))
        plan = self._decide(t)
        replies = _replies(messages)
        this_turn = messages[last_customer_index(messages) + 1 :]
        # A question asked again after this turn's tools changed the case (a corrected
        # order number) is asked in the same words, not as "I didn't quite get that".
        moved = any(isinstance(m, ToolMessage) for m in this_turn)
        if self._block_again(plan, replies):
            plan = self._instead_of_repeating(plan, t)
        elif replies and plan.text and not moved and self._said_before(plan, replies):
            plan = replace(plan, text=self._rephrase(plan, t))
        plan = self._with_answers(plan, t, this_turn)
        said_anything = any(isinstance(m, AIMessage) and m.text for m in messages)
        asks = plan.act in (d.ASK, d.CLARIFY) and not plan.tool_calls
        if asks and not said_anything and d.upset(t.text):
            # The first reply to an upset customer says sorry before it asks anything (an
            # answer or a hand-over already meets them: it needs no preamble).
            plan = replace(plan, text=f"{d.SAY['sorry_upset']} {plan.text}")
        if messages and d.withdrew_hand_overs(messages[-1]):
            # A correction withdrew an earlier hand-over: the customer hears it first.
            plan = replace(plan, text=f"{d.SAY['withdrawn']} {plan.text}".strip())
        # One reply says each thing once, however many parts it was composed from.
        said = [m.text for m in this_turn if isinstance(m, AIMessage) and m.text]
        return replace(plan, text=without_repeats(plan.text, said))

    def _decide(self, t: _Turn) -> Plan:
        if t.this_turn and isinstance(t.this_turn[-1], ToolMessage):
            done = self._after_tool(t)
            if done is not None:
                return done

        called, succeeded = _calls_of(t.this_turn)
        if not succeeded:
            # Small talk never gets here: the guardrails refuse it first (`small_talk`).
            first = (
                self._declined(t)
                or self._person(t, called)
                or self._sarcastic(t)
                or self._abilities(t)
                or self._presence(t)
                or self._welcome(t)
            )
            if first is not None:
                return first

        # A new case reads only what was said since it began; a sarcastic remark before
        # ("oh great, another bot") describes no problem, though a model reads one into it.
        case = self._case_texts(t.messages)
        case = texts = [x for x in case[:-1] if not d.SARCASM.matches(x.lower())] + case[-1:]
        # A turn left on a rejection was withdrawn by the customer writing again: a "no".
        withdrawn = t.start > 0 and d.is_rejection(t.messages[t.start - 1])
        if self.dialogue.human_tool in t.done or t.previous_act == d.AFTER_REJECTION or withdrawn:
            # After a hand-over, or a person's "no", earlier words don't start anything new.
            texts = texts[-1:]
        for rule in self.rules.rules:
            if not self._in_play(rule, t, called, succeeded):
                continue
            if rule.faq:
                # Follow-ups come after the step's own answer (a fix, a repair, a hand-over).
                answered = any(r.once and r.tool in t.done for r in self.rules.rules)
                # "I changed the cable also, not working" reports, it asks nothing about cables.
                # So does "I tried all the steps but it still disconnects. What now?": the
                # report is outside its question.
                told = t.text
                for asked in q.questions(t.text):
                    told = told.replace(asked, " ")
                reports = d.STILL.matches(told.lower())
                answers = answered and not succeeded and not reports and self._answers(t)
                if answers:
                    return Plan(answers, [], d.FAQ)
                continue
            # A case reader acts only on what the latest message says, and reads the earlier
            # ones beside it ("actually it's unused" with "it came last week"), hand-over or not.
            reads = case if self._reads_case(rule) else texts
            verdict = self._verdict(rule, reads, t.facts, case)
            if verdict is not None:
                return self._plan(rule, verdict, t.facts)
        if succeeded:
            return Plan(self._ask(t), [], d.ASK)
        return self._questions_first(t) or self._unclear(t)

    def _questions_first(self, t: _Turn) -> Plan | None:
        """Questions asked before the step's own was answered: each answered from the FAQ,
        then the step's question again."""
        if self.dialogue.human_tool in t.done or not q.questions(t.text):
            return None
        if self._clarification(t):
            return None  # "where do I find that?" is about the step's question: clarified
        answers = self._answers(t)
        if not answers:
            return None
        return Plan(f"{answers}\n\n{self._own_ask(t) or ''}".strip(), [], d.FAQ)

    def _with_answers(self, plan: Plan, t: _Turn, this_turn: Sequence[BaseMessage]) -> Plan:
        """After tools acted, the last reply also answers the message's other questions
        ("order 1234, how long does a refund take?"), before a question it ends on."""
        if plan.tool_calls or not _calls_of(this_turn)[1]:
            return plan
        if self.dialogue.human_tool in t.done or not q.questions(t.text):
            return plan
        answers = self._answers(t)
        said = [m.text for m in this_turn if isinstance(m, AIMessage)] + [plan.text]
        if not answers or any(answers in s for s in said):
            return plan
        parts = [answers, plan.text] if plan.act == d.ASK else [plan.text, answers]
        return replace(plan, text="\n\n".join(p for p in parts if p))

    def _in_play(self, rule: Rule, t: _Turn, called: set[str], succeeded: list) -> bool:
        offered = any(n in t.bound for n in rule.offered)
        if rule.tool is None:  # a plain reply answers the customer's words, not a tool's result
            ready = offered and (not succeeded or rule.with_move)
        else:
            ready = rule.tool in t.bound and rule.tool not in called
            ready = ready and (offered or not rule.offered)
            ready = ready and not (rule.once and rule.tool in t.done)
        # a plain reply too: "ok" after a hand-over is no promise to try the steps
        ready = ready and (not rule.after or not t.done.isdisjoint(rule.after))
        # Once a person has the case, a reply to what came before (a repair to book, steps to
        # try) is out of date: "k" after a hand-over is no promise to book the repair.
        human = self.dialogue.human_tool
        ready = ready and not (rule.after and human in t.done and human not in rule.after)
        ready = ready and (not rule.after_act or t.previous_act in rule.after_act)
        return ready and all(t.facts.get(k) == v for k, v in rule.when.items())

    def _verdict(self, rule, texts: list[str], facts: dict, case: list[str]) -> Verdict | None:
        verdict = self.classify(rule, texts) if rule.classifier else Verdict(None, None)
        # The whole case: after a hand-over too, "a replacement battery?" is about the battery.
        if rule.same_detail and not self._named_before(rule, case, verdict.detail):
            return None
        if rule.classifier and rule.need_label:
            if verdict.label is None or verdict.label in rule.unsure_labels:
                return None
            if rule.labels and verdict.label not in rule.labels:
                return None
            learned = isinstance(self.rules.classifiers[rule.classifier], LearnedClassifier)
            if verdict.margin < rule.min_margin and learned:
                return None
        if rule.contradicts and facts.get(rule.contradicts) in (None, self._value(rule, verdict)):
            return None
        return verdict

    def _plan(self, rule, verdict: Verdict, facts: dict) -> Plan:
        values = {
            **facts,
            **verdict.words,
            "label": verdict.label,
            "detail": verdict.detail or "unspecified",
        }
        values["value"] = self._value(rule, verdict)
        said = fill_template(_pick(rule.say, verdict.detail, verdict.label), values)
        if verdict.words.get("also"):  # a reader's note on the rest of the message
            said = f"{said}\n\n{verdict.words['also']}"
        if rule.tool is None:
            again = _pick(rule.again, verdict.detail, verdict.label) if rule.again else ""
            return Plan(said, [], rule.act, fill_template(again, values))
        args = {
            k: fill_template(_pick(v, verdict.detail, verdict.label), values)
            for k, v in rule.args.items()
        }
        if rule.arg:
            args[rule.arg] = values["value"]
        return Plan(said, [{"name": rule.tool, "args": args}], d.ANSWER)

    def _person(self, t: _Turn, called: set[str]) -> Plan | None:
        tool = self.dialogue.human_tool
        if tool not in t.bound or tool in called:
            return None
        asked = d.PERSON.matches(t.text)
        accepted = t.previous_act == d.OFFER_PERSON and d.YES.classify(t.text).label == "yes"
        if not (asked or accepted):
            return None
        if tool in t.done and t.previous_act != d.WITH_PERSON:
            # A second ticket would split the case between two people; asked once more, it opens.
            replied = any(isinstance(m, AIMessage) and m.name == d.HUMAN_AGENT for m in t.messages)
            return Plan(d.SAY["after_human_reply" if replied else "with_person"], [], d.WITH_PERSON)
        reason = "Customer asked to speak to a person"
        call = {"name": tool, "args": {"reason": reason, "requested": True}}
        return Plan(self.dialogue.human_say, [call], d.ANSWER)

    def _declined(self, t: _Turn) -> Plan | None:
        """ "no thanks" or "ok, bye" to the offer of a person: taken as said. "No, it's the
        speaker" is another try at describing it, read as one."""
        if t.previous_act != d.OFFER_PERSON or not d.DECLINE.matches(t.text.lower()):
            return None
        return Plan(d.SAY["offer_declined"], [], d.THANKS)

    def _sarcastic(self, t: _Turn) -> Plan | None:
        """ "oh great, another bot", "wow super helpful": no answer and no problem, though a
        learned model reads one into "great" or "helpful". A sorry, and what the agent waits
        on: the step's question, where the case stands, or what was missing."""
        if not d.SARCASM.matches(t.text.lower()):
            return None
        sorry = d.SAY["sorry_upset"]
        if self.dialogue.human_tool in t.done:
            reply = fill_template(self.dialogue.after_escalation[0], t.facts)
            return Plan(f"{sorry} {reply}", [], d.AFTER_ESCALATION)
        ask = self._own_ask(t)
        if ask:
            return Plan(f"{sorry} {ask}", [], d.ASK)
        return Plan(d.SAY["sarcastic"], [], d.CLARIFY)

    def _abilities(self, t: _Turn) -> Plan | None:
        dia = self.dialogue
        if not (
            dia.abilities and dia.abilities_cue and re.search(dia.abilities_cue, t.text.lower())
        ):
            return None
        return Plan(dia.at(dia.abilities, t.bound), [], d.ABILITIES)

    def _presence(self, t: _Turn) -> Plan | None:
        """ "hello?? are you there" (or a later "hi"): here, and the question waited on."""
        replies = [m for m in _replies(t.messages) if m.text]
        greeting = d.GREETING.matches(t.text)
        if not replies or not (greeting or d.PRESENCE_CHECK.matches(t.text)):
            return None
        asked = [s.strip() for s in sentences(replies[-1].text) if s.strip().endswith("?")]
        if self.dialogue.human_tool in t.done:
            # Handed over: what the agent waits on is the person, so say where that stands.
            question = fill_template(self.dialogue.after_escalation[0], t.facts)
        else:  # a step with no question of its own: the last one asked
            question = self._own_ask(t) or (asked or [self._ask(t)])[-1]
        earlier = (i for i, m in enumerate(reversed(replies)) if act_of(m) != d.PRESENCE)
        streak = next(earlier, len(replies))  # presence replies in a row, just before
        here = d.SAY["presence"][streak % len(d.SAY["presence"])]
        if greeting and not streak:
            here = d.SAY["greeting_again"]
        return Plan(f"{here} {question}", [], d.PRESENCE)

    def _welcome(self, t: _Turn) -> Plan | None:
        """ "Many thanks for your help." while the step's question waits: taken, and the
        question again (not "I didn't get that")."""
        ask = self._own_ask(t)
        if not ask or self.dialogue.human_tool in t.done:
            return None
        if not d.THANKS_ONLY.matches(t.text.lower()):
            return None
        return Plan(f"{d.SAY['welcome']} {ask}", [], d.ASK)

    def _answers(self, t: _Turn) -> str:
        """Each question of the customer's words answered from the FAQ, unknown ones said
        plainly."""
        escalated = self.dialogue.human_tool in t.done
        values = [t.facts.get(name) for name in self.dialogue.faq_by]
        case = "_".join(map(str, values))
        # "escalated_hardware_in_warranty" before "escalated": a warranty repair a person
        # took over is still free
        keys = (f"escalated_{case}" if escalated else None, "escalated" if escalated else None)
        keys += (case, *values)
        replies = [m.text for m in _replies(t.messages)]

        # The case's facts, and what its tools were given ("{solution}": the steps sent)
        values = {k: v for _n, args in ledger(t.messages) for k, v in args.items()} | t.facts

        def answer_of(entry: Faq) -> str:
            answer = fill_template(_pick(entry.answer, *keys), values)
            if entry.again and any(answer in reply for reply in replies):
                return fill_template(_pick(entry.again, *keys), values)
            return answer

        asked = q.questions(t.text)
        said: list[str] = []
        known = 0
        for piece in asked if len(asked) > 1 else [t.text]:
            entry = next((e for e in self.dialogue.faq if e.matches(piece)), None)
            if entry is None:
                answer = fill_template(d.SAY["unknown_question"], {"question": q.quoted(piece)})
            else:
                known += 1
                answer = answer_of(entry)
            if answer not in said:
                said.append(answer)
        if not known:
            # The message as a whole may name a topic no single part does.
            whole = next((e for e in self.dialogue.faq if e.matches(t.text)), None)
            return answer_of(whole) if whole else ""
        return "\n\n".join(said)

    def _unclear(self, t: _Turn) -> Plan:
        dia, messages = self.dialogue, t.messages
        language = self._language(t.text)
        if language not in ("English", None):
            return Plan(dia.language_note, [], d.LANGUAGE_NOTE)
        if dia.human_tool in t.done:
            if any(isinstance(m, AIMessage) and m.name == d.HUMAN_AGENT for m in messages):
                return Plan(d.SAY["after_human_reply"], [], d.AFTER_HUMAN_REPLY)
            reply = _in_turn(dia.after_escalation, d.AFTER_ESCALATION, messages)
            return Plan(fill_template(reply, t.facts), [], d.AFTER_ESCALATION)
        replies = _replies(messages)
        just_asked = bool(replies) and replies[-1].text.endswith(self._ask(t))
        if t.previous_act not in d.UNCLEAR_ACTS and self._own_ask(t) and not just_asked:
            early = self._clarification(t, before_asking=True)
            return Plan(early, [], d.CLARIFY) if early else Plan(self._ask(t), [], d.ASK)
        streak = 0
        for m in reversed(messages):
            if isinstance(m, AIMessage) and (m.tool_calls or act_of(m) not in d.UNCLEAR_ACTS):
                break
            if act_of(m) == d.CLARIFY:
                streak += 1
        if streak >= 2:
            return Plan(dia.offer_person, [], d.OFFER_PERSON)
        fitting = self._clarification(t)
        if fitting and fitting not in {m.text for m in messages if isinstance(m, AIMessage)}:
            return Plan(fitting, [], d.CLARIFY)
        first, second = self._clarify(t)
        # In other words once the first was used at this step: the same words read as canned.
        since_move = messages[_last_call(messages, dia.moves) + 1 :]
        used = any(m.text == first for m in _replies(since_move))
        return Plan(second if streak or used else first, [], d.CLARIFY)

    def _clarification(self, t: _Turn, before_asking: bool = False) -> str:
        """What `clarify_for` says at this step to "I don't know" or "what do you mean?"."""
        entries = (e for e in self.dialogue.clarify_for if e.before_asking or not before_asking)
        entry = next((e for e in entries if e.matches(t.text) and self._reads(e, t.text)), None)
        return _pick(entry.answer, *t.bound) if entry else ""

    def _reads(self, entry, text: str) -> bool:
        if not entry.classifier:
            return True
        return self.rules.classifiers[entry.classifier].classify(text).label not in UNREAD

    @property
    def _learned(self) -> list[LearnedClassifier]:
        return [c for c in self.rules.classifiers.values() if isinstance(c, LearnedClassifier)]

    def small_talk(self, text: str) -> bool:
        """Small talk none of the workflow's questions reads ("will it rain?"); the
        guardrails ask this, so the offline model never decides it."""
        if not d.OFF_TOPIC.matches(text) or len(text.split()) > d.OFF_TOPIC_MAX_WORDS:
            return False
        if d.PERSON.matches(text):
            return False
        return all(c.classify(text).label in ("unclear", None) for c in self._learned if not c.gate)

    def _language(self, text: str) -> str | None:
        return next((c.classify(text).language for c in self._learned), None)

    def _own_ask(self, t: _Turn) -> str | None:
        """The step's own question, when a rule of its tools has one."""
        rule = next((r for r in self.rules.rules if r.tool in t.bound and r.ask), None)
        # Once the step's one-time action is done ("refund arranged"), its question is answered;
        # a one-time note of a fact (half an answer: "it came last week") answers only half.
        done = any(
            r.once and not r.fact and r.tool in t.done and r.tool in t.bound
            for r in self.rules.rules
        )
        return (
            fill_template(_pick(rule.ask, *t.facts.values()), t.facts)
            if rule and not done
            else None
        )

    def _ask(self, t: _Turn) -> str:
        return self._own_ask(t) or self._clarify(t)[0]

    def _clarify(self, t: _Turn) -> tuple[str, str]:
        """How to ask at this step, twice in other words; once its one-time action is done
        (a refund arranged), the words for after it, where the workflow has them."""
        dia = self.dialogue
        names = [name for name, _args in ledger(t.messages)]
        latest = next((n for n in reversed(names) if n in dia.clarify_after), None)
        if latest in t.done and latest in t.bound:
            return dia.clarify_after[latest]
        return dia.at(dia.clarify, t.bound)

    @staticmethod
    def _said_before(plan: Plan, replies: Sequence[AIMessage]) -> bool:
        """Whether `plan` repeats the last reply, or an answer given earlier ("how much is
        it?" asked again after something else)."""
        if plan.text == replies[-1].text:
            return True
        answer = not plan.tool_calls and plan.act in (d.ANSWER, d.FAQ)
        return answer and any(m.text == plan.text for m in replies)

    def _block_again(self, plan: Plan, replies: Sequence[AIMessage]) -> bool:
        """Whether `plan` would send again a block of steps or advice already sent (a
        question asked again, a price or a policy, is `_rephrase`'s business)."""
        if plan.tool_calls or plan.act not in (d.ANSWER, d.FAQ, d.INSTEAD_OF_REPEATING):
            return False
        # A rule's own "that didn't help" reply (act instead_of_repeating) counts as the
        # first other way: said again, the next way comes instead.
        own_way = plan.act == d.INSTEAD_OF_REPEATING
        if not self.dialogue.instead_of_repeating:
            return False
        advice = len(d.BLOCK.findall(plan.text)) >= 2 and bool(d.ADVICE.search(plan.text))
        if not (advice or own_way):
            return False
        # Said in other words already ("I won't send the same steps again"), it counts too.
        return any(m.text == plan.text or (own_way and _other_way(m)) for m in replies)

    def _instead_of_repeating(self, plan: Plan, t: _Turn) -> Plan:
        """Acknowledge and change approach, counted from when this block was first sent; the
        last way offers a person, and after that the block comes again as a repeat."""
        own_way = plan.act == d.INSTEAD_OF_REPEATING
        first = next(
            i
            for i, m in enumerate(t.messages)
            if isinstance(m, AIMessage) and (m.text == plan.text or (own_way and _other_way(m)))
        )
        since = t.messages[first:]
        ways = self.dialogue.instead_of_repeating
        tried = sum(1 for m in since if act_of(m) == d.INSTEAD_OF_REPEATING)
        if tried < len(ways) - 1:
            return Plan(ways[tried], [], d.INSTEAD_OF_REPEATING)
        if any(act_of(m) == d.OFFER_PERSON and m.text == ways[-1] for m in since):
            if d.STILL.matches(t.text):
                # Not asking for the block: saying it still fails. Never send it again.
                again = _in_turn(d.SAY["still_not_working"], d.STILL_NOT_WORKING, since)
                return Plan(again, [], d.STILL_NOT_WORKING)
            return Plan(self._rephrase(plan, t), [], plan.act)
        return Plan(ways[-1], [], d.OFFER_PERSON)

    def _rephrase(self, plan: Plan, t: _Turn) -> str:
        if plan.again:  # the rule's other words; said already, they are what is repeated
            if all(m.text != plan.again for m in _replies(t.messages)):
                return plan.again
            plan = replace(plan, text=plan.again)
        if plan.act == d.ASK:
            return self._clarify(t)[1]
        if plan.act == d.OFFER_PERSON:
            return d.SAY["offer_person_again"]
        if plan.act == d.THANKS:
            return d.SAY["thanks_again"]
        first = plan.text.split(" ", 1)[0]
        keep = first == "I" or first.startswith(("I'", "I\u2019"))  # "I'm" stays capital
        text = plan.text if keep else plan.text[0].lower() + plan.text[1:]
        repeat = "To repeat what I said: " + text
        # Asked a third time ("any news?" once more): the same repeat twice reads as a recording.
        replies = _replies(t.messages)
        if replies and replies[-1].text == repeat:
            return d.SAY["nothing_new"] + " " + text
        return repeat

    @staticmethod
    def _value(rule: Rule, verdict: Verdict) -> str | None:
        return rule.values.get(verdict.label, verdict.label) if verdict.label else None

    def _after_tool(self, t: _Turn) -> Plan | None:
        result, facts = t.this_turn[-1], t.facts
        calls = {c["id"]: c for m in t.this_turn if isinstance(m, AIMessage) for c in m.tool_calls}
        call = calls.get(result.tool_call_id)
        if call is None:
            return None
        if d.is_rejection(result):
            note = result.additional_kwargs[d.REJECTED]
            said = d.SAY["after_rejection"].format(note=f" ({note})" if note else "")
            return Plan(said, [], d.AFTER_REJECTION)
        if result.status == "error":
            return None  # the tool refused: decide again without it (it counts as called)
        asked = call["args"].get("reason", "").startswith("Customer asked")
        if call["name"] == self.dialogue.human_tool and asked:
            return Plan(fill_template(self.dialogue.human_reply_after, facts), [], d.ANSWER)
        # The most specific rule wins: the one whose recorded-fact conditions hold.
        fits = [r for r in self.rules.rules if r.tool == call["name"] and r.reply_after is not None]
        for rule in sorted(fits, key=lambda r: -len(r.when)):
            if all(facts.get(k) == v for k, v in rule.when.items()):
                detail = call["args"].get("detail")
                values = {**facts, **call["args"], "result": result.text}
                return Plan(fill_template(_pick(rule.reply_after, detail), values), [], d.ANSWER)
        return None


def _other_way(message: BaseMessage) -> bool:
    """A reply that changed approach instead of sending a block again."""
    return isinstance(message, AIMessage) and act_of(message) == d.INSTEAD_OF_REPEATING
