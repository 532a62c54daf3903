"""What the agent says when no step rule moves the machine (a workflow's `Dialogue`, data).

Every plain reply carries its kind (`act`) in `response_metadata`, so tests and the
transcript tell a clarifying question from an answer without parsing prose.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

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
UNCLEAR_ACTS = (ASK, CLARIFY, OFFER_PERSON, STEER_BACK, LANGUAGE_NOTE, SAME_OR_NEW, PRESENCE)

HUMAN_AGENT = "human_agent"  # the name on a person's messages (a ticket's reply)
AFTER_HUMAN_REPLY_SAY = (
    "A member of our support team has answered you above, and your case stays with them: "
    "they'll see anything you add here and reply in this conversation."
)

# A person's rejection of a gated tool call: its result carries this key, with their note.
REJECTED = "rejected_by_person"
AFTER_REJECTION = "after_rejection"
AFTER_REJECTION_SAY = (
    "A member of our support team looked at this and decided not to go ahead with it{note}. "
    "Let's carry on here: tell me more, or ask me for something else."
)

# A correction's tool result lists the hand-overs it withdrew under this key.
WITHDREW_HAND_OVERS = "hand_overs_withdrawn"
WITHDRAWN_SAY = (
    "Since that changes things, I've withdrawn the earlier hand-over to a person "
    "and closed its ticket: no one will contact you about it."
)

# The second in a row differs: the same words twice would read as a recording.
GREETING_AGAIN_SAY = "Hi again!"
PRESENCE_SAY = ("Yes, I'm here — sorry to keep you waiting.", "Still here, and reading every word.")
STILL_NOT_WORKING_SAY = (
    "I hear you — it's still not working, and sending the same steps again won't change "
    "that. What I can't see from here, a person can: say \"person\" and I'll bring one "
    "in. Or tell me the exact words of the error, and I'll look at it from there.",
    "I'm sorry this is taking so long. I've no new steps to try, so the quickest way now "
    'is a person from our team, who can look at it directly — just say "person".',
)
UNKNOWN_QUESTION_SAY = (
    "As for “{question}”: I don't know that, I'm afraid. "
    "A person from our team can answer it if you ask for one."
)


def withdrew_hand_overs(message: object) -> bool:
    return isinstance(message, ToolMessage) and bool(
        message.additional_kwargs.get(WITHDREW_HAND_OVERS)
    )


def is_rejection(message: object) -> bool:
    return isinstance(message, ToolMessage) and REJECTED in message.additional_kwargs


def _matcher(name: str, pattern: str) -> Classifier:
    return Classifier(name, (Cue(name, pattern),))


PERSON = _matcher(
    "person",
    r"\b(human|real person|actual person|live person|a person|real people"
    r"|someone real|somebody real|real agent|live agent|live chat|an agent|human agent"
    r"|representative|rep\b|operator|supervisor|manager|someone (else )?(i can )?(to )?"
    r"(talk|speak) to|(talk|speak|chat) (to|with) (someone|somebody|a \w+ person|staff)"
    r"|not a (bot|robot|machine)|stop (the )?bot|no more bots?)",
)

YES = Classifier(
    "yes",
    (
        Cue("no", r"^\W*(no|nope|nah|not now|no thanks|no thank you|i'm fine|im fine)\b", 2),
        Cue("yes", r"^\W*(yes|yeah|yep|yup|ya|ok|okay|sure|please|pls|go ahead|do it"
            r"|sounds good|fine)\b", 2),
    ),
)  # fmt: skip

PRESENCE_CHECK = _matcher(
    "presence",
    r"^\W*(?:(?:hello+|hi+|hey+|helo|hallo|excuse me|um+|so)\W+)*"
    r"(?:are you (?:still )?(?:there|here|with me|awake)|(?:is )?(?:any(?:one|body)|some(?:one|body))"
    r" (?:there|here|home)|you there|still there|hello+|helo+|hey+)\W*$",
)

GREETING = _matcher(
    "greeting",
    r"^\W*(?:hi+|hiya|howdy|good (?:morning|afternoon|evening)|greetings)"
    r"(?: there| again)?\W*$",
)

STILL = _matcher(
    "still",
    r"\b(still|again|same (problem|thing|issue)|didn'?t (help|work)|not working"
    r"|doesn'?t work|no luck|useless|ridiculous|fed up|waste of time)\b|!!",
)

OFF_TOPIC = _matcher(
    "off_topic",
    r"\b(weather|forecast|rain|snow|sunny|temperature outside|joke|funny|sports?|football"
    r"|soccer|basketball|the game|score|news|politics?|election|recipe|cook\w*|movie"
    r"|film|song|music recommendation|restaurant|capital of|meaning of life|horoscope"
    r"|stock market|bitcoin|your name|who are you|are you (a )?(bot|robot|ai|human|real)"
    r"|what are you|how old are you|do you like|favou?rite|date with me|love you|poem"
    r"|story|homework|math|translate)\b",
)

# A long message that mentions the weather is a story about the problem, not small talk.
OFF_TOPIC_MAX_WORDS = 15


@dataclass(frozen=True)
class Faq:
    topic: str
    pattern: Pattern  # on lower-case text
    # keys: "escalated", the `Dialogue.faq_by` facts' values joined by "_", each value, "default"
    answer: Text

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

    def at(self, table: Mapping[str, T], bound: Sequence[str]) -> T | None:
        """`table`'s entry for the step whose tools are `bound`."""
        return table.get(next((t for t in bound if t in table), "default"))
