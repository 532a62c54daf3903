"""A customer's message cut into the questions it asks, so that a reply answers each."""

from __future__ import annotations

import re

# Where a message's parts separate, "by the way" included ("could you also tell me" is one).
PARTS = re.compile(
    r"[?;\n]+|(?<!you )(?<!\bi )(?<!we )\b(?:also|plus|by the way|btw|and another thing|one more thing)\b"
    r"|\b(?:and|or) (?=whether\b)",  # "how long will it take and whether I need the box?"
    re.IGNORECASE,
)
# A sentence's end, too: "I bought it last week. Can I still return it?"
SENTENCES = re.compile(
    rf"{PARTS.pattern}|(?<=[a-z0-9)])[.!]+(?=\s)"
    # A question typed (or dictated) straight after a statement, with no stop between:
    # "my screen is cracked how much will the repair cost"
    r"|(?<=[a-z])\s+(?=(?:how (?:much|long) (?:will|does|do|is|would|did)|can you|could you"
    r"|do i (?:need|have) to|what (?:should|do|can) i do)\b)",
    re.IGNORECASE,
)
# Words that only join a part to the one before it ("and how long...").
_JOINERS = re.compile(r"^(?:and|but|so|oh|ok|okay|also|then|and also)\b[\s,]*", re.IGNORECASE)
# How an English question starts, when its question mark was left off.
_ASKS = re.compile(
    r"^(?:what|what's|whats|how|when|where|why|which|who|whose|is|are|was|were|do|does|did"
    r"|can|could|will|would|should|shall|may|must|have|has|any|isn't|aren't|don't|doesn't"
    r"|won't|can't)\b",
    re.IGNORECASE,
)
QUOTE_CHARS = 80  # the most of a customer's question said back to them
# Characters that Markdown (or its LaTeX) would read as formatting: never said back.
_MARKUP = re.compile(r"[\[\]()*_`<>#|~\\!${}]")
# A web address said back would be a link in the agent's voice: it becomes words.
_ADDRESS = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)


def parts(text: str, min_words: int = 2, *, sentences: bool = False) -> list[str]:
    splitter = SENTENCES if sentences else PARTS
    cut = (_JOINERS.sub("", p.strip()) for p in splitter.split(text) if p and p.strip())
    return [p.strip(" ,.-") for p in cut if len(p.split()) >= min_words]


def questions(text: str) -> list[str]:
    """The parts followed by "?" or starting as a question does ("how long will it take")."""
    found = []
    rest = text
    for part in parts(text, sentences=True):
        at = rest.find(part)
        after = rest[at + len(part) :].lstrip(" ,.-") if at >= 0 else ""
        if after.startswith("?") or _ASKS.match(part):
            found.append(part)
        if at >= 0:
            rest = rest[at + len(part) :]
    return found


def quoted(question: str) -> str:
    plain = " ".join(_MARKUP.sub(" ", _ADDRESS.sub("a link", question)).split())
    if len(plain) > QUOTE_CHARS:
        plain = plain[: QUOTE_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return plain
