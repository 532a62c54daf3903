"""The dialogue policy around a workflow's step rules, declared as data.

Step rules (`policy.Rule`) move the machine; a `Dialogue` says what the agent
does when they don't: ask for a person, answer a follow-up from the FAQ, steer
an off-topic question back, note an unsupported language, ask again in other
words and, after three unclear answers, offer a person. Each workflow declares
one next to its rules; `policy.Policy` applies it.

Every plain reply carries its kind (`act`) in the message's
`response_metadata`, so tests and the transcript can tell a clarifying
question from an answer without parsing prose.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from langchain_core.messages import ToolMessage

from support_agent.offline.intents import Classifier, Cue

Text = str | Mapping[str, str]  # a template, or templates by key ("default" as fallback)

# Reply kinds, as reported in response_metadata["act"].
ASK, CLARIFY, OFFER_PERSON, STEER_BACK = "ask", "clarify", "offer_person", "steer_back"
ABILITIES = "abilities"  # says what the agent can do
# "hello?? are you there": the agent says it is here and asks its question again.
PRESENCE = "presence"
# The customer says, again, that it still doesn't work once a person was offered:
# acknowledged, with another way forward, never the same block again.
STILL_NOT_WORKING = "still_not_working"
# A block of steps or advice the customer already got is not sent again: the agent
# acknowledges it didn't help and changes approach (then offers a person).
INSTEAD_OF_REPEATING = "instead_of_repeating"
# A block: a reply of at least two sentences or list items.
BLOCK = re.compile(r"[.!?](?:\s|$)|\n\d+\. ")
LANGUAGE_NOTE, FAQ, AFTER_ESCALATION, THANKS, ANSWER = (
    "language_note",
    "faq",
    "after_escalation",
    "thanks",
    "answer",
)
# "Is that the same problem or a separate one?": asked when a case has its answer and
# the customer describes a problem without asking for a new case.
SAME_OR_NEW = "same_or_new"
UNCLEAR_ACTS = (ASK, CLARIFY, OFFER_PERSON, STEER_BACK, LANGUAGE_NOTE, SAME_OR_NEW, PRESENCE)
AFTER_HUMAN_REPLY = "after_human_reply"

# The name on the messages a person writes into a conversation (a ticket's reply).
HUMAN_AGENT = "human_agent"
# What the agent says once a person has answered: the case is theirs now, in any workflow.
AFTER_HUMAN_REPLY_SAY = (
    "A member of our support team has answered you above, and your case stays with them: "
    "they'll see anything you add here and reply in this conversation."
)

# A person may reject a gated tool call (support_agent.core.middleware.approval): its
# result carries this key, with their note, and the agent says so and carries on.
REJECTED = "rejected_by_person"
AFTER_REJECTION = "after_rejection"
AFTER_REJECTION_SAY = (
    "A member of our support team looked at this and decided not to go ahead with it{note}. "
    "Let's carry on here: tell me more, or ask me for something else."
)


# A correction withdrew hand-overs to a person that rested on what it corrected
# (`core.declaration.Move.withdraws`): its tool result lists them under this key.
WITHDREW_HAND_OVERS = "hand_overs_withdrawn"
WITHDRAWN_SAY = (
    "Since that changes things, I've withdrawn the earlier hand-over to a person "
    "and closed its ticket: no one will contact you about it."
)


# The second in a row differs: the same words twice would read as a recording.
PRESENCE_SAY = ("Yes, I'm here — sorry to keep you waiting.", "Still here, and reading every word.")
# Once a person was offered and the customer still says it isn't working, in turn.
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
    """Whether a tool result says a correction withdrew an earlier hand-over."""
    return isinstance(message, ToolMessage) and bool(
        message.additional_kwargs.get(WITHDREW_HAND_OVERS)
    )


def is_rejection(message: object) -> bool:
    """Whether a tool result is a person's rejection of the call, not the tool's answer."""
    return isinstance(message, ToolMessage) and REJECTED in message.additional_kwargs


PERSON = Classifier(
    "person",
    (
        Cue("person", r"\b(human|real person|actual person|live person|a person|real people"
            r"|someone real|somebody real|real agent|live agent|live chat|an agent|human agent"
            r"|representative|rep\b|operator|supervisor|manager|someone (else )?(i can )?(to )?"
            r"(talk|speak) to|(talk|speak|chat) (to|with) (someone|somebody|a \w+ person|staff)"
            r"|not a (bot|robot|machine)|stop (the )?bot|no more bots?)", 3),
    ),
)  # fmt: skip

YES = Classifier(
    "yes",
    (
        Cue("no", r"^\W*(no|nope|nah|not now|no thanks|no thank you|i'm fine|im fine)\b", 2),
        Cue("yes", r"^\W*(yes|yeah|yep|yup|ya|ok|okay|sure|please|pls|go ahead|do it"
            r"|sounds good|fine)\b", 2),
    ),
)  # fmt: skip

# "hello?? are you there": checking the agent is still there, nothing more.
PRESENCE_CHECK = Classifier(
    "presence",
    (
        Cue("presence", r"^\W*(?:(?:hello+|hi+|hey+|helo|hallo|excuse me|um+|so)\W+)*"
            r"(?:are you (?:still )?(?:there|here|with me|awake)|(?:is )?(?:any(?:one|body)|some(?:one|body))"
            r" (?:there|here|home)|you there|still there|hello+|helo+|hey+)\W*$", 2),
    ),
)  # fmt: skip

# A greeting on its own ("hi", "good morning"): once the conversation is under way,
# answered in kind with the question the agent waits on.
GREETING = Classifier(
    "greeting",
    (
        Cue("greeting", r"^\W*(?:hi+|hiya|howdy|good (?:morning|afternoon|evening)|greetings)"
            r"(?: there| again)?\W*$", 2),
    ),
)  # fmt: skip

# The customer says it still doesn't work, or that they're fed up with it.
STILL = Classifier(
    "still",
    (
        Cue("still", r"\b(still|again|same (problem|thing|issue)|didn'?t (help|work)|not working"
            r"|doesn'?t work|no luck|useless|ridiculous|fed up|waste of time)\b|!!", 2),
    ),
)  # fmt: skip

OFF_TOPIC = Classifier(
    "off_topic",
    (
        Cue("off_topic", r"\b(weather|forecast|rain|snow|sunny|temperature outside|joke|funny|sports?|football"
            r"|soccer|basketball|the game|score|news|politics?|election|recipe|cook\w*|movie"
            r"|film|song|music recommendation|restaurant|capital of|meaning of life|horoscope"
            r"|stock market|bitcoin|your name|who are you|are you (a )?(bot|robot|ai|human|real)"
            r"|what are you|how old are you|do you like|favou?rite|date with me|love you|poem"
            r"|story|homework|math|translate)\b", 2),
    ),
)  # fmt: skip


# A long message that mentions the weather is a story about the problem, not small talk.
OFF_TOPIC_MAX_WORDS = 15


@dataclass(frozen=True)
class Faq:
    """One follow-up the agent answers: a cue, and the answer by case key."""

    topic: str
    pattern: str  # on lower-case text
    # keys: "escalated", the `Dialogue.faq_by` facts' values joined by "_", each value, "default"
    answer: Text

    def matches(self, text: str) -> bool:
        return re.search(self.pattern, text.lower()) is not None


@dataclass(frozen=True)
class Dialogue:
    """What a workflow's agent says when no step rule moves the machine."""

    human_tool: str  # the tool that hands the case to a person
    human_say: str
    human_reply_after: str
    # By the step's asking tool ("default" as fallback): how to ask, twice in other words.
    clarify: Mapping[str, tuple[str, str]]
    # The guardrails' off-task refusal: a short polite answer back to the step's question
    steer_back: Mapping[str, str]
    offer_person: str
    language_note: str
    after_escalation: tuple[str, ...]
    faq: tuple[Faq, ...] = ()
    # Recorded facts whose values pick an FAQ answer (support: issue, then warranty).
    faq_by: tuple[str, ...] = ()
    # Tool calls that move the machine: one-time actions (a solution, an
    # escalation) may run again after one of these.
    moves: tuple[str, ...] = ()
    new_case_tool: str | None = None  # its call clears the recorded facts
    thanks: str = "You're welcome! If anything else comes up, just write here."
    # "What can you actually do for me?": what the agent does, by the step's asking
    # tool ("default" as fallback), ending with the step's question.
    abilities_cue: str | None = None
    abilities: Mapping[str, str] = field(default_factory=dict)
    # Unclear answers of a known kind ("I don't know", "what do you mean?") get a
    # clarification that answers them, by the step's asking tool, before the step's own.
    clarify_for: tuple[Faq, ...] = ()
    # Said instead of a block the customer already got, in turn; the last one offers
    # a person (a "yes" to it hands over).
    instead_of_repeating: tuple[str, ...] = ()
    # Said once a correction has withdrawn an earlier hand-over to a person.
    withdrawn: str = WITHDRAWN_SAY
    # A question asked with others that the FAQ can't answer: said plainly, not skipped.
    unknown_question: str = UNKNOWN_QUESTION_SAY
    # "Are you there?": said before the question the agent is waiting on.
    presence: tuple[str, ...] = PRESENCE_SAY
    greeting_again: str = "Hi again!"
    # Said, in turn, when it still doesn't work after a person was offered.
    still_not_working: tuple[str, ...] = STILL_NOT_WORKING_SAY

    def step_key(self, bound: list[str] | tuple[str, ...], table: Mapping[str, object]) -> str:
        return next((t for t in bound if t in table), "default")
