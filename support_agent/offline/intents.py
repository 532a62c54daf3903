"""Classifiers the offline model's rules name: declared cues, or a learned decision.

Cues are tried in declaration order and each match masks its span, so a specific cue hides
the text from a general one after it. Cues name exact forms and the *detail* that picks a
reply; which label a message carries is a `LearnedClassifier`'s job.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated

from pydantic import AfterValidator

from support_agent.base.yaml_text import checked_pattern
from support_agent.offline.understanding import as_read, decide
from support_agent.offline.understanding.spelling import mended

Pattern = Annotated[str, AfterValidator(checked_pattern)]  # checked when read from data


def normalise(text: str) -> str:
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class Cue:
    label: str
    pattern: Pattern
    weight: float = 1.0
    detail: str | None = None


@dataclass(frozen=True)
class Verdict:
    label: str | None
    detail: str | None
    scores: dict[str, float] = field(default_factory=dict)
    language: str = "English"
    margin: float = 0.0  # a learned decision's confidence (see understanding.bayes)
    words: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Classifier:
    name: str
    cues: tuple[Cue, ...]
    margin: float = 0.5
    mend_spelling: bool = False  # "they wont turn on" meets the cue for "won't turn on"

    def _found(self, text: str) -> Iterator[Cue]:
        """Each cue as it matches, in order; its match is masked from the cues after it."""
        masked = normalise(mended(text) if self.mend_spelling else text)
        for cue in self.cues:
            for match in list(re.finditer(cue.pattern, masked)):
                yield cue
                start, end = match.span()
                masked = masked[:start] + " " * (end - start) + masked[end:]

    def _score(self, text: str) -> tuple[dict[str, float], dict[str, tuple[float, str]]]:
        scores: dict[str, float] = {}
        details: dict[str, tuple[float, str]] = {}
        for cue in self._found(text):
            scores[cue.label] = scores.get(cue.label, 0.0) + cue.weight
            if cue.detail and cue.weight > details.get(cue.label, (0.0, ""))[0]:
                details[cue.label] = (cue.weight, cue.detail)
        return scores, details

    def classify(self, text: str) -> Verdict:
        scores, details = self._score(text)
        if not scores:
            return Verdict(None, None, scores)
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
        if len(ranked) > 1 and ranked[0][1] - ranked[1][1] < self.margin:
            return Verdict(None, None, scores)
        label = ranked[0][0]
        return Verdict(label, details.get(label, (0.0, None))[1], scores)

    def matches(self, text: str) -> bool:
        return bool(self._score(text)[0])

    def named(self, text: str) -> frozenset[str]:
        """Every detail the message names, whichever label wins ("the battery drains since
        the update" is software, and names the battery; "the screen is cracked and it won't
        charge" names both)."""
        return frozenset(cue.detail for cue in self._found(text) if cue.detail)


@dataclass(frozen=True)
class Reader:
    """A workflow's own reading of a message, one function of its text."""

    name: str
    classify: Callable[[str], Verdict]


@dataclass(frozen=True)
class CaseReader:
    """A workflow's reading of the customer's messages together, oldest first: for what one
    message corrects half of ("actually it's unused" beside "it came last week") or builds up
    over several ("12 users", then "what about Premium?")."""

    name: str
    read: Callable[[Sequence[str]], Verdict]

    def classify(self, text: str) -> Verdict:
        return self.read([text])


@dataclass(frozen=True)
class LearnedClassifier:
    name: str
    decision: str
    details: Classifier | None = None
    # Words the message must contain for its label to count (a correction of a fact).
    gate: str | None = None
    # Decisive cues (a winner by this score) settle what the learned model is unsure of.
    cues_decide_at: float | None = None
    unsure_below: float = 0.1
    warranty_months: float | None = None

    def classify(self, text: str) -> Verdict:
        reading = decide(self.decision, text, warranty_months=self.warranty_months)
        # The most specific detail the cues find for a label, whatever wins among them.
        # The cues read the words as the decision does ("scren" names the screen).
        seen = as_read(self.decision, text)
        scores, details = self.details._score(seen) if self.details else ({}, {})
        if self.cues_decide_at is not None and scores:
            ranked = sorted(scores.values(), reverse=True) + [0.0]
            decisive = (
                ranked[0] >= self.cues_decide_at and ranked[0] - ranked[1] >= self.cues_decide_at
            )
            if decisive and reading.margin < self.unsure_below and reading.language == "English":
                label = max(scores, key=scores.get)
                return Verdict(label, details.get(label, (0.0, None))[1], scores, "English", 1.0)
        if self.gate and not re.search(self.gate, normalise(text)):
            return Verdict("unclear", None, {}, reading.language)
        detail = details.get(reading.label, (0.0, None))[1]
        return Verdict(reading.label, detail, {}, reading.language, reading.margin)

    def named(self, text: str) -> frozenset[str]:
        return self.details.named(as_read(self.decision, text)) if self.details else frozenset()
