"""What the agent says when no step rule moves the machine (a workflow's `Dialogue`, data).

Every plain reply carries its kind (`act`) in `response_metadata`, so tests and the
transcript tell a clarifying question from an answer without parsing prose.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import yaml
from langchain_core.messages import ToolMessage

from support_agent.offline.intents import Classifier, Cue, Pattern

T = TypeVar("T")
Text = str | Mapping[str, str]  # a template, or templates by key ("default" as fallback)

# Reply kinds, as reported in response_metadata["act"].
ASK, CLARIFY, OFFER_PERSON, STEER_BACK = "ask", "clarify", "offer_person", "steer_back"
ABILITIES, PRESENCE, STILL_NOT_WORKING = "abilities", "presence", "still_not_working"
INSTEAD_OF_REPEATING = "instead_of_repeating"  # a block already sent is not sent again
BLOCK = re.compile(r"[.!?](?:\s|$)|\n\d+\. ")  # two sentences or list items
LANGUAGE_NOTE, FAQ, AFTER_ESCALATION = "language_note", "faq", "after_escalation"
THANKS, ANSWER, AFTER_HUMAN_REPLY = "thanks", "answer", "after_human_reply"
SAME_OR_NEW = "same_or_new"  # "Is that the same problem or a separate one?"
WITH_PERSON = "with_person"  # asked for a person while one already has the case
UNCLEAR_ACTS = (ASK, CLARIFY, OFFER_PERSON, STEER_BACK, LANGUAGE_NOTE, SAME_OR_NEW, PRESENCE)

HUMAN_AGENT = "human_agent"  # the name on a person's messages (a ticket's reply)
# A person's rejection of a gated tool call: its result carries this key, with their note.
REJECTED = "rejected_by_person"
AFTER_REJECTION = "after_rejection"
# A correction's tool result lists the hand-overs it withdrew under this key.
WITHDREW_HAND_OVERS = "hand_overs_withdrawn"

# What is said and read whatever the workflow: data/dialogue.yaml.
_DATA = yaml.safe_load((Path(__file__).parent / "data" / "dialogue.yaml").read_text("utf-8"))
SAY: dict[str, str | list[str]] = _DATA["say"]  # by what the words are for


def withdrew_hand_overs(message: object) -> bool:
    return isinstance(message, ToolMessage) and bool(
        message.additional_kwargs.get(WITHDREW_HAND_OVERS)
    )


def is_rejection(message: object) -> bool:
    return isinstance(message, ToolMessage) and REJECTED in message.additional_kwargs


PERSON, PRESENCE_CHECK, GREETING, STILL, OFF_TOPIC, DECLINE, THANKS_ONLY, UPSET_WORDS, SARCASM = (
    Classifier(name, (Cue(name, _DATA["matchers"][name]),))
    for name in (
        "person", "presence", "greeting", "still", "off_topic", "decline", "thanks_only", "upset",
        "sarcasm",
    )
)  # fmt: skip
SHOUTED_WORDS = 3  # words in capitals that make a message shouted ("MY LAPTOP IS DEAD")


def upset(text: str) -> bool:
    """Whether a message is written upset: its words, or shouted."""
    shouted = sum(len(w) > 1 and w.isalpha() and w.isupper() for w in text.split())
    return shouted >= SHOUTED_WORDS or UPSET_WORDS.matches(text.lower())


# Read on the reply as written: its line breaks say where a numbered step begins.
ADVICE = re.compile(_DATA["matchers"]["advice"], re.IGNORECASE)
YES = Classifier("yes", tuple(Cue(**cue) for cue in _DATA["yes_or_no"]))

# A long message that mentions the weather is a story about the problem, not small talk.
OFF_TOPIC_MAX_WORDS = 15


@dataclass(frozen=True)
class Faq:
    topic: str
    pattern: Pattern  # on lower-case text
    # keys: "escalated_" + the case ("escalated_hardware_in_warranty"), "escalated", the
    # `Dialogue.faq_by` facts' values joined by "_", each value, "default"
    answer: Text
    # Said instead once `answer` was given ("still too expensive" after the price was weighed).
    again: Text = ""
    # A clarification said even before the step's question was asked ("I don't have the
    # order number" as the first message answers the question coming).
    before_asking: bool = False
    # Also read by this classifier as one of its labels ("my phone fell in the toilet", said
    # to the warranty question, names a fault: noted, then the question again).
    classifier: str = ""

    def matches(self, text: str) -> bool:
        return re.search(self.pattern, text.lower()) is not None


@dataclass(frozen=True)
class Dialogue:
    """Tables keyed by the step's asking tool fall back to "default"."""

    human_tool: str  # the tool that hands the case to a person
    human_say: str
    human_reply_after: str
    clarify: Mapping[str, tuple[str, str]]  # how to ask, twice in other words
    steer_back: Mapping[str, str]  # the guardrails' off-task refusal
    offer_person: str
    language_note: str
    after_escalation: tuple[str, ...]
    faq: tuple[Faq, ...] = ()
    faq_by: tuple[str, ...] = ()  # recorded facts whose values pick an FAQ answer
    # Tool calls that move the machine: one-time actions may run again after one.
    moves: tuple[str, ...] = ()
    new_case_tool: str | None = None  # its call clears the recorded facts
    abilities_cue: Pattern | None = None  # "what can you actually do for me?"
    abilities: Mapping[str, str] = field(default_factory=dict)
    clarify_for: tuple[Faq, ...] = ()  # "I don't know", "what do you mean?"
    # Said instead of a block already sent, in turn; the last one offers a person.
    instead_of_repeating: tuple[str, ...] = ()
    # How to ask once the step's one-time action (the key: a tool) is done, twice in other
    # words: "choose a refund or an exchange" would ask again for a choice already made.
    clarify_after: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    def at(self, table: Mapping[str, T], bound: Sequence[str]) -> T | None:
        """`table`'s entry for the step whose tools are `bound`."""
        return table.get(next((t for t in bound if t in table), "default"))
