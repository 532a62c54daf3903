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

# Numbers in words, purchase occasions, month names, the phrases read: data/dates.yaml.
_WORDS = yaml.safe_load((Path(__file__).parent / "data" / "dates.yaml").read_text("utf-8"))
_NUMBER_WORDS: dict[str, float] = _WORDS["numbers"]
CARDINALS: dict[str, int] = _WORDS["cardinals"]  # "twelve": 12, "dozen": 12
_UNIT_MONTHS = {"day": 1 / 30, "week": 0.25, "wk": 0.25, "month": 1.0, "mo": 1.0,
                "year": 12.0, "yr": 12.0}  # fmt: skip
_MONTHS: dict[str, int] = _WORDS["months"]
_OCCASIONS: dict[str, int] = _WORDS["occasions"]  # dates people buy things on, by month
_OCCASION_DAYS: dict[str, int] = _WORDS["occasion_days"]  # those that fall on one day
_RECENT_OCCASIONS: list[str] = _WORDS["recent_occasions"]  # said alone: the latest one
_MONTH_PARTS: dict[str, int] = _WORDS["month_parts"]  # "the end of may": its 28th
_MONTH_DAYS = 365.25 / 12
# A season or a movable feast said alone spans a month or so either side of its month:
# further back than this, it could be this year's or last year's.
SEASON_EDGE = 10.0


def _longest_first(names) -> str:
    """An alternation that tries longer names first, so "eighteen" is not read as "eight"."""
    return "|".join(sorted(map(re.escape, names), key=len, reverse=True))


_COUNT = r"(\d+(?:\.\d+)?|" + _longest_first(_NUMBER_WORDS) + ")"
_PLACES = {  # what the patterns' <names> stand for
    "span": _COUNT + r"(?:\s+or\s+\w+|\s*-\s*\d+)?\s*(day|week|wk|month|mo|year|yr)s?",
    "count": _COUNT,
    "months": _longest_first(_MONTHS),
    "occasions": _longest_first(_OCCASIONS),
    "fixed_occasions": _longest_first(_OCCASION_DAYS),
    "recent_occasions": _longest_first(_RECENT_OCCASIONS),
    "day_span": r"(\d{1,3}|" + _longest_first(_NUMBER_WORDS) + r")\s*"
    r"(day|week|wk|fortnight|month|year|yr)s?",
    "day": r"(\d{1,2})(?:st|nd|rd|th)?",
}


def _pattern(name: str) -> re.Pattern[str]:
    pieces = "".join(_WORDS["patterns"][name])
    return re.compile(re.sub(r"<([a-z_]+)>", lambda m: _PLACES[m.group(1)], pieces))


_P = {name: _pattern(name) for name in _WORDS["patterns"]}  # by name, as in the file


def stated_period(text: str) -> tuple[float | None, str]:
    """The warranty length stated, in months, and the text without it (not also an age)."""
    match = _P["period"].search(text)
    if not match:
        return None, text
    amount, unit = [g for g in match.groups() if g is not None][:2]
    return _span_of(amount, unit), text[: match.start()] + " " + text[match.end() :]


def reference_date() -> date:
    return settings().checked(REFERENCE_DATE_ENV).handoff_reference_date or date.today()


def _span_of(amount: str, unit: str, per: dict[str, float] = _UNIT_MONTHS) -> float:
    """In months, or in the units of `per`."""
    return (float(amount) if amount[0].isdigit() else _NUMBER_WORDS[amount]) * per[unit]


def device_age_months(text: str, today: date | None = None) -> float | None:
    """The device's age in months, if the folded text states one; NaN when it could fall
    either side of a year ("bought it in 2025" in mid-2026)."""
    today = today or reference_date()
    text = _P["spoken_year"].sub(
        lambda m: "2019" if m.group(1) == "nineteen" else f"202{_NUMBER_WORDS.get(m.group(2), 0)}",
        text.replace("<", " less than "),
    )
    text = re.sub(r"\bmn?ths?\b", "months", text)  # "7 mths", "2 mnths"
    text = _P["own_age"].sub(" ", _P["effort"].sub(" ", text))
    # Most specific first: a whole date, then a span ("2 years"), then a loose date.
    for read in (_dated_age, _span_age, _loosely_dated_age):
        if (months := read(text, today)) is not None:
            return months
    return None


def _since(today: date, year: int, month: int) -> float:
    return (today.year - year) * 12.0 + today.month - month


def _since_occasion(today: date, year: int, name: str) -> float:
    """From the occasion's own day when it has one: the month alone is a month out."""
    if name not in _OCCASION_DAYS:
        return _since(today, year, _OCCASIONS[name])
    return (today - date(year, _OCCASIONS[name], _OCCASION_DAYS[name])).days / _MONTH_DAYS


_DATED = (  # (pattern, how to read its match as (year, month))
    ("iso", lambda m: (int(m.group(1)), int(m.group(2)))),
    ("month_year", lambda m: (int(m.group(2)), _MONTHS[m.group(1)])),
    ("slashed", lambda m: (int(m.group(2)), int(m.group(1)))),
)


def _dated_age(text: str, today: date) -> float | None:
    for name, read in _DATED:
        if (match := _P[name].search(text)) and 1 <= read(match)[1] <= 12:
            return _since(today, *read(match))
    if match := _P["occasion_year"].search(text):
        return _since_occasion(today, int(match.group(2)), match.group(1))
    if match := _P["month_last_year"].search(text):
        named = match.group(1) or match.group(2)
        if named in _MONTHS:
            return _since(today, today.year - 1, _MONTHS[named])
        return _since_occasion(today, today.year - 1, named)
    return None


def _span_age(text: str, today: date) -> float | None:
    if match := _P["less"].search(text):
        return min(_span_of(*match.groups()[:2]), 12.0) - 0.5
    if match := _P["nth"].search(text):
        return _span_of(match.group(2), match.group(1))
    if match := _P["compound_age"].search(text):
        return _span_of(match.group(1), "year") + _span_of(match.group(2), "month")
    if match := _P["age"].search(text):
        count, unit = [g for g in match.groups() if g is not None][:2]
        months = _span_of(count, unit)
        if text[match.end() :].startswith(" and a half"):  # "a year and a half": 18 months
            months += _UNIT_MONTHS[unit] / 2
        # "about a year" may be 10 to 14 months; "about 14 months" is 13 to 15
        slack = 1.0 if unit.startswith("m") else 2.0
        if _P["roughly"].search(text) and abs(months - 12.0) <= slack:
            return float("nan")  # either side of the line
        return months
    return None


def _loosely_dated_age(text: str, today: date) -> float | None:
    if match := _P["month"].search(text):
        month, year = _MONTHS[match.group(1)], match.group(2)
        if year:
            return _since(today, int(year), month)
        # A month without a year is the most recent one of that name.
        return float((today.month - month) % 12)
    if match := _P["year"].search(text) or _P["bare_year"].search(text):
        years = today.year - int(match.group(1))
        return float("nan") if years == 1 else years * 12.0
    if match := _P["occasion_recent"].search(text):
        name = match.group(1)
        when = _last(_OCCASIONS[name], _OCCASION_DAYS[name], today)
        if when is not None:
            back = 12.0 if match.group(2) else 0.0  # "the christmas before last"
            return (today - when).days / _MONTH_DAYS + back
    if match := _P["season"].search(text):
        # The latest one; a season that may be this year's or last year's is asked about.
        months = float((today.month - _OCCASIONS[match.group(1)]) % 12)
        return float("nan") if months > SEASON_EDGE else months
    if match := _P["last"].search(text):
        return _UNIT_MONTHS.get(match.group(1), 6.0)  # last season: within the year
    if _P["last_year"].search(text):
        return float("nan") if "last year" in text else 12.0
    if _P["from_new"].search(text):
        return 0.0
    return None


# Days since a delivery (the returns window): finer than an age in months.

_VAGUE = {"a couple of", "a couple", "couple of", "couple", "a few", "few", "several"}
_UNIT_DAYS = {"day": 1, "week": 7, "wk": 7, "fortnight": 14, "month": 30, "year": 365, "yr": 365}
# (pattern, days since delivery): phrases that say it outright
_SAID: list[tuple[str, int]] = [tuple(said) for said in _WORDS["days_said"]]


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
    for pattern, month_first in ((_P["month_day"], True), (_P["day_month"], False)):
        if match := pattern.search(said):
            month, day = match.groups() if month_first else reversed(match.groups())
            when = _last(_MONTHS[month], int(day), today)
            if when is not None:
                return float((today - when).days)
    if match := _P["the_day"].search(said):
        # "on the 20th" is this month's 20th if that has come, else last month's (never a
        # year ago: `_last` alone would step back a whole year).
        day = int(next(g for g in match.groups() if g))
        for back in (0, 1, 2):  # two: "the 31st" after a 30-day month
            try:
                when = _months_back(today, back, day)
            except ValueError:  # "the 31st" in a shorter month
                continue
            if when <= today:
                return float((today - when).days)
    return None


def _months_back(today: date, back: int, day: int) -> date:
    """`day` of the month `back` months before `today`'s (ValueError if it has no such day)."""
    year, month = divmod(today.year * 12 + today.month - 1 - back, 12)
    return date(year, month + 1, day)


def _in_a_month(said: str, window: int, today: date) -> float | None:
    """Days since "the end of may", "start of the month", "mid last month"; NaN when that
    falls within a few days of the `window`'s edge, None when it is still to come."""
    if not (match := _P["month_part"].search(said)):
        return None
    part, named = match.group(1) or match.group(2), match.group(3)
    back = {"month": 0, "last month": 1}.get(named)
    if back is None:  # a month's name: the latest one of that name
        back = (today.month - _MONTHS[named]) % 12
    when = _months_back(today, back, _MONTH_PARTS[part])
    if when > today:
        return None
    days = float((today - when).days)
    return math.nan if abs(days - window) <= 5 else days


def days_ago(said: str, window: int, today: date | None = None) -> float | None:
    """How many days ago the folded text says something happened; NaN when it could fall
    either side of a `window` of days ("last month", "a few weeks ago")."""
    today = today or reference_date()
    if match := _P["iso"].search(said):
        try:
            return float((today - date(*map(int, match.groups()))).days)
        except ValueError:
            return None
    if (days := _on_a_day(said, today)) is not None:
        if match := _P["or_day"].search(said):  # "the 4th or 5th": either side, unsure
            other = _on_a_day(f"on the {match.group(1)}", today)
            if other is not None and (days > window) != (other > window):
                return math.nan
        return days
    if (days := _in_a_month(said, window, today)) is not None:
        return days
    if match := _P["days_less"].search(said):
        return max(_span_of(*match.groups()[-2:], _UNIT_DAYS) - 1, 0)
    if match := _P["days_more"].search(said):
        return _span_of(*match.groups()[-2:], _UNIT_DAYS) + 1
    if (
        match := _P["span_ago"].search(said)
        or _P["span_for"].search(said)
        or _P["span_alone"].search(said)
    ):
        count, unit = match.group(1), match.group(2)
        days = _span_of(count, unit, _UNIT_DAYS)
        if " and a half" in match.group(0) or said[match.end() :].startswith(" and a half"):
            days += _UNIT_DAYS[unit] / 2
        if count in _VAGUE and days * 1.5 > window and days < window * 1.5:
            return math.nan  # "a few weeks", "several weeks": either side of the line
        if _P["roughly"].search(said) and window - 5 <= days <= window + 10:
            return math.nan  # "about a month ago"
        return days
    if _P["last_month"].search(said):
        return math.nan
    for pattern, days in _SAID:
        if re.search(pattern, said):
            return float(days)
    if match := _P["month_only"].search(said):
        back = (today.month - _MONTHS[match.group(1)]) % 12
        if back == 0:
            return float(today.day - 1)  # this month: at most today.day - 1 days ago
        return math.nan if back == 1 else back * 30.0
    if match := _P["in_year"].search(said):
        return 400.0 if int(match.group(1)) < today.year else math.nan
    return None
