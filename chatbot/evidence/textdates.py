"""Dates written in words on a page: `2019-03-05`, `5. März 2019`, `19.10.2019`, `March 5, 2019`,
`5 de marzo de 2019`, `2019年3月5日`.

Month names come from the marketplace languages' table (`chatbot.months`), so a German, French,
Spanish or Polish page's dates are read like an English one's. Patterns only run near a
four-digit year (`year_windows`), so a page of any length costs one linear pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from chatbot.months import MONTHS

_DAY = r"(3[01]|[12]\d|0?[1-9])"
_YEAR_GROUP = r"((?:19|20)\d{2})"
_WORD = r"([^\W\d_]{3,12})"  # a month name in any script the table holds
# (pattern, order of its groups): y = year, m = month number, n = month name, d = day.
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"\b{_YEAR_GROUP}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])\b"), "ymd"),
    (re.compile(rf"{_YEAR_GROUP}\s*年\s*(1[0-2]|0?[1-9])\s*月\s*{_DAY}\s*日"), "ymd"),
    # 19.10.2019: a dot between day and month is written day first (de, pl, tr, ru, ...).
    (re.compile(rf"(?<![\d.]){_DAY}\.\s?(1[0-2]|0?[1-9])\.\s?{_YEAR_GROUP}(?![\d.]\d)"), "dmy"),
    (re.compile(rf"(?<!\w){_WORD}\.?\s+{_DAY}(?:st|nd|rd|th)?,?\s+{_YEAR_GROUP}\b"), "ndy"),
    (re.compile(rf"(?<![\w.]){_DAY}(?:\.|st|nd|rd|th|er)?\s+(?:de\s+)?{_WORD}\.?,?\s+(?:de\s+)?{_YEAR_GROUP}\b"),
     "dny"),
]
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
MAX_YEAR_HITS = 2000  # years in a text whose surroundings are scanned for dates
YEAR_BEFORE, YEAR_AFTER = 40, 30  # characters around a year that can belong to its date


def month_number(name: str) -> int | None:
    """`März`, `march`, `Sept.`, `Oct` → the month's number; None for any other word."""
    word = name.lower().rstrip(".")
    if (number := MONTHS.get(word)) is not None:
        return number
    # English abbreviations of any length ("Sept", "Febr"): the first three letters, only for a
    # word that starts a full English month name, so "Maintenant" is not "mai".
    prefix = MONTHS.get(word[:3]) if len(word) >= 3 else None
    if prefix is not None and any(full.startswith(word) for full in _ENGLISH):
        return prefix
    return None


_ENGLISH = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
            "october", "november", "december")


def year_windows(text: str) -> list[tuple[int, int]]:
    """Stretches of `text` around each four-digit year (merged, at most MAX_YEAR_HITS years): a
    date needs a year, so the date patterns only read near one instead of the whole text."""
    windows: list[tuple[int, int]] = []
    for count, match in enumerate(_YEAR.finditer(text)):
        if count >= MAX_YEAR_HITS:
            break
        start, end = max(0, match.start() - YEAR_BEFORE), min(len(text), match.end() + YEAR_AFTER)
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], end)
        else:
            windows.append((start, end))
    return windows


def written_dates(text: str) -> Iterator[tuple[date, str]]:
    """Every (day, the words it was read from) in `text`, pattern by pattern; impossible days
    (`31.02.2019`) and words that are not month names are skipped."""
    windows = year_windows(text)
    for pattern, order in _PATTERNS:
        for start, end in windows:
            for match in pattern.finditer(text, start, end):
                value = _day(match.groups(), order)
                if value is not None:
                    yield value, match.group(0)


def first_date(text: str) -> date | None:
    """The first date written in `text` (in reading order), or None."""
    found = [(text.find(words), value) for value, words in written_dates(text)]
    return min(found)[1] if found else None


def _day(groups: tuple[str, ...], order: str) -> date | None:
    parts = dict(zip(order, groups, strict=True))
    month = int(parts["m"]) if "m" in parts else month_number(parts["n"])
    if month is None:
        return None
    try:
        return date(int(parts["y"]), month, int(parts["d"]))
    except ValueError:
        return None
