"""What the Threads page calls each conversation, and how it finds and pages them: a title
`Threads.touch` stored is recomputed from the state when shown; a user's is kept as typed."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from langchain_core.messages import HumanMessage

from support_agent.base.oneline import one_line
from support_agent.core.declaration import Workflow, turn_of
from support_agent.offline.policy import is_summary
from support_agent.store.records import UNTITLED, stored_form

SEPARATOR = " · "
TOPIC_CHARS = 56  # a topic longer than this is cut at a clause, else at a word
PAGE_SIZE = 10

_END = r"(?:[\s,!.;:?]+|$)"  # what may follow a stripped word (not "-": "well-being")
_OPENERS = re.compile(  # every opener in a row: "Hi there, so, my ..."
    r"^(?:(?:"
    # greetings
    r"(?:hi|hello|hey|hiya|howdy|greetings|yo|good\s+(?:morning|afternoon|evening|day)"
    r"|dear\s+(?:support|team|sir|madam)|bonjour|salut|hola|buenos\s+d[ií]as|hallo"
    r"|guten\s+tag|ol[aá]|ciao)(?:\s+(?:there|all|team|support|everyone|folks))?"
    # pleasantries and filler
    r"|how\s+are\s+you(?:\s+doing)?(?:\s+today)?|hope\s+you(?:'re|’re|\s+are)\s+(?:well|good"
    r"|doing\s+well)|thanks?(?:\s+you)?(?:\s+(?:in\s+advance|so\s+much))?|please|help(?:\s+me)?"
    r"|sorry(?:\s+to\s+bother\s+you)?|excuse\s+me|um+|uh+|so|well|ok(?:ay)?"
    r"|(?:a\s+)?(?:quick\s+)?question\s+(?:about|on|regarding)|quick\s+question"
    # lead-ins before the actual problem
    r"|i(?:'m|’m|\s+am|m)\s+having\s+(?:some\s+|a\s+|an\s+)?(?:trouble|problems?|issues?"
    r"|difficult(?:y|ies))\s+with"
    r"|i\s+(?:have|(?:'ve|’ve)\s+got|got)\s+(?:a\s+|an\s+|some\s+)?(?:problem|issue|question)s?"
    r"\s+(?:with|about)"
    r"|i\s+need\s+(?:some\s+)?help\s+with|(?:can|could|would)\s+you\s+(?:please\s+)?help"
    r"(?:\s+me)?\s+with|i(?:'d|’d|\s+would)\s+like\s+to\s+(?:ask|know)\s+about"
    r"|my|our"
    rf"){_END})+",
    re.IGNORECASE,
)
_CLOSERS = re.compile(
    r"(?:[\s,;:\-–—]+)(?:(?:can|could|would)\s+(?:you|someone|anyone)\s+(?:please\s+)?help.*"
    r"|please(?:\s+help(?:\s+me)?)?|help(?:\s+me)?(?:\s+please)?|thanks?(?:\s+you)?.*|thx.*"
    r"|any\s+ideas.*)\s*[.!?]*$",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?]+(?:\s+|$)")
_CLAUSE = re.compile(r",\s+|;\s+|\s+(?:and|but|because|since|so|which|after|when)\s+", re.I)
_TRIM = " \t.,;:!?-–—'\"“”‘’"


def topic(message: str, limit: int = TOPIC_CHARS) -> str:
    """A first message's first sentence without greetings, lead-ins and closers: "Hi, my
    phone screen is cracked" -> "Phone screen is cracked". A bare greeting is kept."""
    text = one_line(message)
    if not text:
        return UNTITLED
    sentences = [s.strip(_TRIM) for s in _SENTENCE_END.split(_OPENERS.sub("", text, count=1))]
    rest = next((s for s in sentences if s), "")
    rest = _CLOSERS.sub("", rest).strip(_TRIM)
    if not rest:  # only a greeting ("Hello!"): that is what they said
        rest = text.strip(_TRIM) or text
    if len(rest) > limit:
        rest = _shorten(rest, limit)
    first = rest.split(" ", 1)[0]
    if first.islower():  # "phone ..." -> "Phone ..."; "iPhone ..." stays as written
        rest = rest[0].upper() + rest[1:]
    return rest


def _shorten(text: str, limit: int) -> str:
    """Cut at the first clause that leaves at least two words, else at a word, with "…"."""
    for match in _CLAUSE.finditer(text):
        head = text[: match.start()].strip(_TRIM)
        if len(head.split()) >= 2 and len(head) <= limit:
            return head
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(_TRIM) + "…"


def first_customer_message(state: dict) -> str | None:
    """None if a summary has replaced it."""
    for message in state.get("messages") or []:
        if isinstance(message, HumanMessage):
            return None if is_summary(message) else message.text
    return None


def is_automatic(stored_title: str, first_messages: Iterable[str | None]) -> bool:
    """Whether `touch` wrote `stored_title` for one of the first messages (else a user did)."""
    return any(stored_title == stored_form(m) for m in first_messages if m is not None)


def fact_words(workflow: Workflow, state: dict) -> list[str]:
    return [f.words(state[f.key]) for f in workflow.facts if state.get(f.key) is not None]


def automatic_title(workflow: Workflow, state: dict, first_message: str) -> str:
    """The topic, then the facts in words (or, with none declared, the step's title)."""
    parts = [topic(first_message)]
    if workflow.facts:
        parts += fact_words(workflow, state)
    elif state.get("messages"):
        parts.append(workflow.step(workflow.current(state)).title)
    return SEPARATOR.join(parts)


@dataclass(frozen=True)
class Listed:
    thread_id: str
    title: str  # what the card shows
    automatic: bool  # `title` is computed from the conversation (not a user's rename)
    facts: tuple[str, ...]  # the recorded facts in words
    step: str  # title of the step (or agent) the conversation is at
    turns: int
    updated_at: str
    auto_title: str = ""  # the automatic title, also for a renamed thread (when known)

    def matches(self, query: str) -> bool:
        return matches(query, self.title, self.auto_title, *self.facts, self.step)


def matches(query: str, *fields: str) -> bool:
    """Whether `query` is in one of `fields`, whatever the case and runs of whitespace."""
    wanted = " ".join(query.split()).casefold()
    return any(wanted in " ".join(field.split()).casefold() for field in fields)


def describe(
    workflow: Workflow,
    record: dict,
    state: dict,
    first_messages: Sequence[str | None] = (),
) -> Listed:
    """One thread as listed; `first_messages` are its other known first messages (turn 1 of
    its recorded turn points), for a summarized state or turn 1 edited on a branch."""
    first = first_customer_message(state)
    stored = record["title"]
    automatic = is_automatic(stored, [first, *first_messages])
    if first is None:  # summarized: the stored title (if automatic) or a recorded turn 1
        first = stored if automatic else next((m for m in first_messages if m), None)
    auto = automatic_title(workflow, state, first) if first is not None else ""
    return Listed(
        thread_id=record["thread_id"],
        title=auto if automatic else stored,
        automatic=automatic,
        facts=tuple(fact_words(workflow, state)),
        step=workflow.step(workflow.current(state)).title,
        turns=turn_of(state),
        updated_at=record["updated_at"],
        auto_title=auto,
    )


def distinct(listed: Sequence[Listed]) -> list[Listed]:
    """Automatic titles shared with another get the last activity's time (to the second if
    need be), then a number ("… (2)"); a user's own title is never changed."""
    out = list(listed)
    groups: dict[str, list[int]] = {}
    for i, item in enumerate(out):
        groups.setdefault(item.title.casefold(), []).append(i)
    for indexes in groups.values():
        auto = sorted((i for i in indexes if out[i].automatic), key=lambda i: out[i].updated_at)
        if len(indexes) < 2 or not auto:
            continue
        taken = {t.title.casefold() for j, t in enumerate(out) if j not in auto}
        for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"):
            titles = [f"{out[i].title}{SEPARATOR}{_stamp(out[i].updated_at, fmt)}" for i in auto]
            folded = [t.casefold() for t in titles]
            if len(set(folded)) == len(folded) and not taken.intersection(folded):
                break
        counts: dict[str, int] = {}
        for i, title in zip(auto, titles, strict=True):
            n = counts[title.casefold()] = counts.get(title.casefold(), 0) + 1
            out[i] = replace(out[i], title=title if n == 1 else f"{title} ({n})")
    return out


def _stamp(updated_at: str, fmt: str) -> str:
    try:
        return datetime.fromisoformat(updated_at).strftime(fmt)
    except ValueError:
        return updated_at


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word if count == 1 else many or word + 's'}"


def pages(total: int, size: int = PAGE_SIZE) -> int:
    return max(1, -(-total // size))


def page_slice(total: int, page: int, size: int = PAGE_SIZE) -> tuple[int, int]:
    page = min(max(page, 1), pages(total, size))
    start = (page - 1) * size
    return start, min(start + size, total)


def showing(total: int, start: int, end: int) -> str:
    if total == 0:
        return "Showing 0 of 0"
    span = f"{start + 1}" if end - start == 1 else f"{start + 1}–{end}"
    return f"Showing {span} of {total}"
