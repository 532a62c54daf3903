"""Intent classification from declared cues.

A workflow declares, as data, which phrases signal which label ("expired in
March" -> out_of_warranty, "swollen battery" -> hardware/battery). This module
only scores text against those cues. Cues are tried in declaration order and
each match masks its span, so a specific cue ("not under warranty") hides the
text from a general one ("under warranty") declared after it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "a couple of": 2, "a couple": 2, "a few": 3, "few": 3, "several": 4,
}  # fmt: skip
_UNIT_MONTHS = {"day": 1 / 30, "week": 0.25, "month": 1.0, "year": 12.0}
_COUNT = (
    r"(\d+|a couple of|a couple|a few|few|several|an|a|one|two|three|four|five|six|seven"
    r"|eight|nine|ten|eleven|twelve)"
)
_SPAN = _COUNT + r"(?:\s+or\s+\w+|\s*-\s*\d+)?\s+(day|week|month|year)s?"
# An age needs context on one side ("3 years ago", "for about 18 months"), so
# "a 2 year warranty" is not read as the device's age.
_AGE = re.compile(
    r"\b(?:(?:for|had it|owned it|about|around|over|nearly|almost|roughly)\s+)"
    + _SPAN
    + r"\b(?![- ]?(?:warranty|guarantee|plan|coverage))"
    r"|\b" + _SPAN + r"\s+(?:ago|old|back|now)\b"
)
_LESS = re.compile(r"\b(?:less than|under|not even|not yet|barely|only)\s+" + _SPAN + r"\b")
_YEAR = re.compile(r"\b(?:since|in|back in|from|bought it in|got it in)\s+((?:19|20)\d\d)\b")
_LAST = re.compile(r"\b(last|this past|past)\s+(week|month)\b")


def normalise(text: str) -> str:
    """Lower-case, straight quotes, single spaces: what cues are written against."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class Cue:
    """A phrase (regex) that is evidence for `label`; `detail` names a sub-kind."""

    label: str
    pattern: str
    weight: float = 1.0
    detail: str | None = None


@dataclass(frozen=True)
class AgeCue:
    """Reads "3 years ago", "last month", "2 weeks old" as an age in months."""

    below: str  # label when younger than `months`
    at_least: str  # label when `months` old or older
    months: float = 12.0
    weight: float = 2.0


@dataclass(frozen=True)
class Verdict:
    label: str | None
    detail: str | None
    scores: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Classifier:
    """Scores text against ordered cues; undecided when the top two are close."""

    name: str
    cues: tuple[Cue | AgeCue, ...]
    margin: float = 0.5

    def classify(self, text: str) -> Verdict:
        masked = normalise(text)
        scores: dict[str, float] = {}
        details: dict[str, tuple[float, str]] = {}

        def credit(label: str, weight: float, detail: str | None) -> None:
            scores[label] = scores.get(label, 0.0) + weight
            if detail and weight > details.get(label, (0.0, ""))[0]:
                details[label] = (weight, detail)

        for cue in self.cues:
            if isinstance(cue, AgeCue):
                masked = self._ages(cue, masked, credit)
                continue
            for match in list(re.finditer(cue.pattern, masked)):
                credit(cue.label, cue.weight, cue.detail)
                start, end = match.span()
                masked = masked[:start] + " " * (end - start) + masked[end:]
        if not scores:
            return Verdict(None, None, scores)
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
        if len(ranked) > 1 and ranked[0][1] - ranked[1][1] < self.margin:
            return Verdict(None, None, scores)
        label = ranked[0][0]
        return Verdict(label, details.get(label, (0.0, None))[1], scores)

    @staticmethod
    def _ages(cue: AgeCue, text: str, credit) -> str:
        def months_of(amount: str, unit: str) -> float:
            count = float(amount) if amount.isdigit() else _NUMBER_WORDS[amount]
            return count * _UNIT_MONTHS[unit]

        for regex in (_LESS, _AGE, _LAST, _YEAR):
            for match in list(regex.finditer(text)):
                groups = [g for g in match.groups() if g is not None]
                if regex is _YEAR:
                    months = (date.today().year - int(groups[0])) * 12.0
                    if months == cue.months:  # last calendar year: could be either
                        continue
                elif regex is _LAST:
                    months = _UNIT_MONTHS[groups[-1]]
                else:
                    months = months_of(*groups[:2])
                    if regex is _LESS:
                        months = min(months, cue.months) - 0.5  # "less than a year"
                credit(cue.below if months < cue.months else cue.at_least, cue.weight, None)
                start, end = match.span()
                text = text[:start] + " " * (end - start) + text[end:]
        return text
