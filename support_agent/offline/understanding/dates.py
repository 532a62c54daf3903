"""Purchase dates and ages, judged against a reference date (`HANDOFF_REFERENCE_DATE`, a
setting; default today), so the same words always get the same answer in tests and demos.
"""

from __future__ import annotations

import math
import re
from datetime import date
from pathlib import Path

import yaml

from support_agent.base.settings import settings

REFERENCE_DATE_ENV = "HANDOFF_REFERENCE_DATE"

# Numbers in words, purchase occasions, phrases that say a day: data/dates.yaml.
_WORDS = yaml.safe_load((Path(__file__).parent / "data" / "dates.yaml").read_text("utf-8"))
_NUMBER_WORDS: dict[str, float] = _WORDS["numbers"]
_UNIT_MONTHS = {"day": 1 / 30, "week": 0.25, "wk": 0.25, "month": 1.0, "mo": 1.0,
                "year": 12.0, "yr": 12.0}  # fmt: skip
_MONTHS = {m: i + 1 for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"])}  # fmt: skip
_MONTHS.update({m[:3]: i for m, i in list(_MONTHS.items()) if m != "may"})
_MONTHS.pop("mar", None)  # "mar" is rarely March in chat; "sept" is
_MONTHS["sept"] = 9
_OCCASIONS: dict[str, int] = _WORDS["occasions"]  # dates people buy things on, by month

# Longest first, so "eighteen" is not read as "eight".
_NUMBERS = "|".join(sorted(map(re.escape, _NUMBER_WORDS), key=len, reverse=True))
_COUNT = r"(\d+(?:\.\d+)?|" + _NUMBERS + ")"
_SPAN = _COUNT + r"(?:\s+or\s+\w+|\s*-\s*\d+)?\s*(day|week|wk|month|mo|year|yr)s?"
# An age needs context ("3 years ago", "for about 18 months", "had it 2 yrs"), so
# "a 2 year warranty" is not read as the device's age.
_AGE = re.compile(
    r"\b(?:(?:for|had it|had this|owned it|about|around|over|more than|nearly|almost"
    r"|roughly|like|since|past|after|at)\s+)+" + _SPAN
    + r"\b(?![- ]?(?:warranty|guarantee|plan|coverage|contract|protection))"
    r"|\b" + _SPAN + r"\s+(?:ago|old|back|now)\b"
)  # fmt: skip
# How long the customer has been at the problem is not the device's age: "I've been
# trying to install it for like two days now".
_EFFORT = re.compile(
    r"\b(?:trying|tried|attempting|waiting|dealing|struggling|fighting|battling)\b"
    r"[^.?!]{0,120}?\bfor\s+(?:(?:like|about|around|over|nearly|almost)\s+)*" + _SPAN
    + r"(?:\s+now)?"
)  # fmt: skip
_LESS = re.compile(
    r"\b(?:less than|under|not even|not yet|barely|only|just|within the last|in the last"
    r"|less old than|younger than)\s+"
    + _SPAN + r"\b"
)  # fmt: skip
_YEAR = re.compile(
    r"\b(?:since|in|back in|from|bought it in|got it in|purchased in|early|late|mid)"
    r"\s+((?:19|20)\d\d)\b"
)
_MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))
_MONTH = re.compile(
    r"\b(?:in|since|on|of|back in|around|bought it|got it|purchased it|purchased|bought|last"
    r"|from)\s+(?:early\s+|late\s+|mid\s+)?(" + _MONTH_NAMES + r")\b\.?(?:\s+((?:19|20)\d\d))?"
)
_MONTH_YEAR = re.compile(r"\b(" + _MONTH_NAMES + r")\.?,?\s+((?:19|20)\d\d)\b")
_MONTH_LAST_YEAR = re.compile(
    r"\b(" + _MONTH_NAMES + "|" + "|".join(_OCCASIONS) + r")\b"
    r"[^.?!]{0,12}\blast year\b"
)
_ISO = re.compile(r"\b((?:19|20)\d\d)-(\d\d)-(\d\d)\b")
_SLASHED = re.compile(r"\b(?:\d{1,2}/)?(\d{1,2})/((?:19|20)\d\d)\b")  # 10/2025, 3/10/2025
_OCCASION_YEAR = re.compile(r"\b(" + "|".join(_OCCASIONS) + r")\s+(?:of\s+)?((?:19|20)\d\d)\b")
_BARE_YEAR = re.compile(r"(?<![\d-])((?:19|20)\d\d)(?![\d-])")
# The day, week or month it failed on counts as its age: "died on day 40", "in month nine".
_NTH = re.compile(r"\b(?:on|by|in|at|around)\s+(day|week|month|year)\s+" + _COUNT + r"\b")
# Broken from the start: as new as a device gets.
_FROM_NEW = re.compile(
    r"\b(out of the box|dead on arrival|doa|arrived (broken|dead|damaged|cracked|faulty)"
    r"|from day one|since day one|first day|brand new"
    # "I just got it", "only just bought this one": a purchase, not a repair or a reply.
    r"|(only )?just (got|bought|purchased|received|ordered) (it|this|this one|mine|one|the \w+)"
    r"(?! (back|fixed|repaired|replaced|serviced|checked|looked at)))\b"
)
# Speech transcripts spell years out: "twenty twenty two" is 2022.
_SPOKEN_YEAR = re.compile(
    r"\btwenty (nineteen|twenty)(?:[ -](one|two|three|four|five|six|seven|eight|nine))?\b"
)
_DIGIT = {w: str(i) for i, w in enumerate(
    ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"])}  # fmt: skip
# A warranty of a stated length: "a 3-month warranty", "the warranty was only 90 days".
_PERIOD = re.compile(
    r"\b"
    + _COUNT
    + r"[\s-]*(day|week|wk|month|mo|year|yr)s?[- ]?(?:long\s+)?(?:manufacturer'?s?\s+)?(?:warranty|warrenty|guarantee"
    r"|cover|coverage|protection)\b"
    r"|\b(?:warranty|guarantee|coverage)\s+(?:(?:of|was|is|lasts|lasted|only|just|for only)\s+)+"
    + _SPAN
)


def stated_period(text: str) -> tuple[float | None, str]:
    """The warranty length stated, in months, and the text without it (not also an age)."""
    match = _PERIOD.search(text)
    if not match:
        return None, text
    amount, unit = [g for g in match.groups() if g is not None][:2]
    return _span_of(amount, unit), text[: match.start()] + " " + text[match.end() :]


_ROUGHLY = re.compile(r"\b(about|around|roughly|like|nearly|almost|approximately|or so|ish)\b")
_LAST = re.compile(r"\b(?:last|this past|past)\s+(week|month|christmas|summer|winter|spring)\b")
_LAST_YEAR = re.compile(r"\blast year\b|\ba year ago\b")


def reference_date() -> date:
    return settings().checked(REFERENCE_DATE_ENV).handoff_reference_date or date.today()


def _span_of(amount: str, unit: str, per: dict[str, float] = _UNIT_MONTHS) -> float:
    """In months, or in the units of `per`."""
    return (float(amount) if amount[0].isdigit() else _NUMBER_WORDS[amount]) * per[unit]


def device_age_months(text: str, today: date | None = None) -> float | None:
    """The device's age in months, if the folded text states one; NaN when it could fall
    either side of a year ("bought it in 2025" in mid-2026)."""
    today = today or reference_date()
    text = _SPOKEN_YEAR.sub(
        lambda m: "2019" if m.group(1) == "nineteen" else "202" + _DIGIT[m.group(2) or "zero"],
        text.replace("<", " less than "),
    )
    text = re.sub(r"\bmn?ths?\b", "months", text)  # "7 mths", "2 mnths"
    text = _EFFORT.sub(" ", text)

    def since(year: int, month: int) -> float:
        return (today.year - year) * 12.0 + today.month - month

    # (pattern, how to read its match as (year, month)), most specific first
    dated = (
        (_ISO, lambda m: (int(m.group(1)), int(m.group(2)))),
        (_MONTH_YEAR, lambda m: (int(m.group(2)), _MONTHS[m.group(1)])),
        (_SLASHED, lambda m: (int(m.group(2)), int(m.group(1)))),
        (_OCCASION_YEAR, lambda m: (int(m.group(2)), _OCCASIONS[m.group(1)])),
    )
    for pattern, read in dated:
        if (match := pattern.search(text)) and 1 <= read(match)[1] <= 12:
            return since(*read(match))
    if match := _MONTH_LAST_YEAR.search(text):
        month = _MONTHS.get(match.group(1)) or _OCCASIONS[match.group(1)]
        return since(today.year - 1, month)
    if match := _LESS.search(text):
        return min(_span_of(*match.groups()[:2]), 12.0) - 0.5
    if match := _NTH.search(text):
        return _span_of(match.group(2), match.group(1))
    if match := _AGE.search(text):
        months = _span_of(*[g for g in match.groups() if g is not None][:2])
        if _ROUGHLY.search(text) and abs(months - 12.0) <= 2:
            return float("nan")  # "about a year": either side of the line
        return months
    if match := _MONTH.search(text):
        month, year = _MONTHS[match.group(1)], match.group(2)
        if year:
            return since(int(year), month)
        # A month without a year is the most recent one of that name.
        return float((today.month - month) % 12)
    if match := _YEAR.search(text) or _BARE_YEAR.search(text):
        years = today.year - int(match.group(1))
        return float("nan") if years == 1 else years * 12.0
    if match := _LAST.search(text):
        return _UNIT_MONTHS.get(match.group(1), 6.0)  # last season or Christmas: within the year
    if _LAST_YEAR.search(text):
        return float("nan") if "last year" in text else 12.0
    if _FROM_NEW.search(text):
        return 0.0
    return None


# Days since a delivery (the returns window): finer than an age in months.

_VAGUE = {"a couple of", "a couple", "couple of", "couple", "a few", "few", "several"}
_UNIT_DAYS = {"day": 1, "week": 7, "wk": 7, "fortnight": 14, "month": 30, "year": 365, "yr": 365}
_DAYS_COUNT = r"(\d{1,3}|" + _NUMBERS + ")"
_DAYS_UNIT = r"(day|week|wk|fortnight|month|year|yr)s?"
_MONTH_RE = "(" + _MONTH_NAMES + r")\.?"
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
# (pattern, days since delivery): phrases that say it outright
_SAID: list[tuple[str, int]] = [tuple(said) for said in _WORDS["days_said"]]
_SPAN_AGO = re.compile(
    r"\b" + _DAYS_COUNT + r"\s*" + _DAYS_UNIT + r"(?: and a half)?\s+(?:ago|back|old)\b"
)
_SPAN_FOR = re.compile(
    r"\b(?:had (?:it|them|this|these) (?:for )?|for (?:about |around )?|(?:it's|it has|has|it"
    r" was|that's) been (?:about |around )?)" + _DAYS_COUNT + r"\s*" + _DAYS_UNIT
)
_DAYS_LESS = re.compile(
    r"\b(less than|under|not even|only|just|barely|within( the (last|past))?|inside)\s+"
    + _DAYS_COUNT + r"\s*" + _DAYS_UNIT
)  # fmt: skip
_DAYS_MORE = re.compile(
    r"\b(over|more than|longer than|well over)\s+" + _DAYS_COUNT + r"\s*" + _DAYS_UNIT
)
_MONTH_DAY = re.compile(r"\b" + _MONTH_RE + r"\s+" + _DAY + r"\b(?!\s*(?:days?|weeks?|months?))")
_DAY_MONTH = re.compile(r"\b" + _DAY + r"\s+(?:of\s+)?" + _MONTH_RE + r"\b")
_MONTH_ONLY = re.compile(
    r"\b(?:in|since|early|late|mid|back in|around|during)\s+" + _MONTH_RE + r"\b"
)
_THE_DAY = re.compile(r"\bon the " + _DAY + r"\b")
_IN_YEAR = re.compile(r"\b(?:in|since|back in)\s+(20\d\d|19\d\d)\b")
_LAST_MONTH = re.compile(r"\b(last|past) month\b|\ba month or so\b")


def _last(month: int, day: int, today: date) -> date | None:
    for year in (today.year, today.year - 1):
        try:
            when = date(year, month, day)
        except ValueError:
            return None
        if when <= today:
            return when
    return None


def _on_a_day(said: str, today: date) -> float | None:
    """Days since "June 2nd", "on the 2nd"..., if one is named."""
    for pattern, month_first in ((_MONTH_DAY, True), (_DAY_MONTH, False)):
        if match := pattern.search(said):
            month, day = match.groups() if month_first else reversed(match.groups())
            when = _last(_MONTHS[month], int(day), today)
            if when is not None:
                return float((today - when).days)
    if match := _THE_DAY.search(said):
        day = int(match.group(1))
        when = _last(today.month, day, today) or _last((today.month - 2) % 12 + 1, day, today)
        if when is not None:
            return float((today - when).days)
    return None


def days_ago(said: str, window: int, today: date | None = None) -> float | None:
    """How many days ago the folded text says something happened; NaN when it could fall
    either side of a `window` of days ("last month", "a few weeks ago")."""
    today = today or reference_date()
    if match := _ISO.search(said):
        try:
            return float((today - date(*map(int, match.groups()))).days)
        except ValueError:
            return None
    if (days := _on_a_day(said, today)) is not None:
        return days
    if match := _DAYS_LESS.search(said):
        return max(_span_of(*match.groups()[-2:], _UNIT_DAYS) - 1, 0)
    if match := _DAYS_MORE.search(said):
        return _span_of(*match.groups()[-2:], _UNIT_DAYS) + 1
    if match := _SPAN_AGO.search(said) or _SPAN_FOR.search(said):
        count, unit = match.group(1), match.group(2)
        days = _span_of(count, unit, _UNIT_DAYS)
        if " and a half" in match.group(0) or said[match.end() :].startswith(" and a half"):
            days += _UNIT_DAYS[unit] / 2
        if count in _VAGUE and days * 1.5 > window and days < window * 1.5:
            return math.nan  # "a few weeks", "several weeks": either side of the line
        if _ROUGHLY.search(said) and window - 5 <= days <= window + 10:
            return math.nan  # "about a month ago"
        return days
    if _LAST_MONTH.search(said):
        return math.nan
    for pattern, days in _SAID:
        if re.search(pattern, said):
            return float(days)
    if match := _MONTH_ONLY.search(said):
        back = (today.month - _MONTHS[match.group(1)]) % 12
        if back == 0:
            return float(today.day - 1)  # this month: at most today.day - 1 days ago
        return math.nan if back == 1 else back * 30.0
    if match := _IN_YEAR.search(said):
        return 400.0 if int(match.group(1)) < today.year else math.nan
    return None
