"""The one reader for a date a seller types: `/checksite --since`, `/case since`, `/case … filed`.

Accepts the forms sellers write — `2021-04-02`, `2021/4/2`, `2021.4.2`, `2021年4月2日`,
`2 April 2021`, `April 2, 2021`, `2. April 2021`, `02.04.2021` (dots: day first, as written in
Europe), `15/04/2021` (only one reading), `20210402`, `2021-Apr-02`, `Apr-02-2021`, and any of the
numeric forms with a time after it (`2021-04-02 10:00`, `2021-04-02T10:00Z`: the day written)
— in any language of knowledge/month_names.yaml and in
full-width digits. A slash or dash date whose day and month could swap (`04/02/2021`) is refused
with a question naming both readings; a missing day, a two-digit year, a date in the future or
before 1995 are refused with a code; a date that does not exist (`2021-02-30`, `31/04/2021`,
month 13) is refused saying so, not as unreadable.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from chatbot.months import MONTHS

EARLIEST = date(1995, 1, 1)  # before the commercial web no listing or storefront existed
MAX_INPUT = 60  # characters read; a typed date is short

_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号號]?$")
_NUMERIC_DAY_FIRST = re.compile(r"^(\d{1,2})\s*([-/.])\s*(\d{1,2})\s*\2\s*(\d{4})$")
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[.\-/]?\s*(?:de\s+|of\s+)?([^\W\d_]+)\.?[,\-/]?\s*"
                             r"(?:de\s+)?(\d{4})$")  # also 2-Apr-2021, 2nd of April 2021
_MONTH_DAY_YEAR = re.compile(r"^([^\W\d_]+)\.?[\s\-/]*(\d{1,2})(?:st|nd|rd|th)?,?[\s\-/]*(\d{4})$")
_YEAR_MONTH_DAY = re.compile(r"^(\d{4})[\s\-/.]*([^\W\d_]+)\.?[\s\-/.]*(\d{1,2})$")  # 2021-Apr-02
_COMPACT = re.compile(r"^((?:19|20)\d{2})(\d{2})(\d{2})$")  # 20210402, ISO 8601's basic form
# A time after an ISO date, as copied from a log or a spreadsheet: the day is what was written.
_TIME_OF_DAY = re.compile(r"(?<=\d)(?:T|\s+)\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?\s*"
                          r"(?:Z|UTC|GMT|[+-]\d{2}:?\d{2})?$", re.IGNORECASE)


class TypedDateError(ValueError):
    """`code`: format | ambiguous | future | too_early | no_such_day | no_such_month. `options`
    holds both readings of an ambiguous date (day-first, month-first); `params` what the message
    about a date that does not exist names (`year_month`, `days`, `month`)."""

    def __init__(self, code: str, text: str, options: tuple[date, date] | None = None,
                 params: dict[str, str] | None = None) -> None:
        super().__init__(f"{code}: {text!r}")
        self.code = code
        self.text = text
        self.options = options
        self.params = params or {}


@dataclass(frozen=True)
class _Parts:
    year: int
    month: int
    day: int


def _month(word: str) -> int | None:
    key = word.lower().rstrip(".")
    if key in MONTHS:
        return MONTHS[key]
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", key) if not unicodedata.combining(ch))
    return MONTHS.get(plain) or MONTHS.get(plain[:3]) if len(plain) >= 3 else None


def _parts(text: str) -> _Parts:
    if (clock := _TIME_OF_DAY.search(text)) and (_YMD.match(text[:clock.start()])
                                                 or _NUMERIC_DAY_FIRST.match(text[:clock.start()])):
        text = text[:clock.start()]
    if match := _YMD.match(text) or _COMPACT.match(text):
        return _Parts(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    if match := _NUMERIC_DAY_FIRST.match(text):
        first, sep, second = int(match.group(1)), match.group(2), int(match.group(3))
        year = int(match.group(4))
        if sep == "." or first > 12 or first == second:
            return _Parts(year, second, first)
        if second > 12:
            return _Parts(year, first, second)
        try:
            options = (date(year, second, first), date(year, first, second))
        except ValueError:
            raise TypedDateError("format", text) from None
        raise TypedDateError("ambiguous", text, options)
    if (match := _DAY_MONTH_YEAR.match(text)) and (month := _month(match.group(2))):
        return _Parts(int(match.group(3)), month, int(match.group(1)))
    if (match := _MONTH_DAY_YEAR.match(text)) and (month := _month(match.group(1))):
        return _Parts(int(match.group(3)), month, int(match.group(2)))
    if (match := _YEAR_MONTH_DAY.match(text)) and (month := _month(match.group(2))):
        return _Parts(int(match.group(1)), month, int(match.group(3)))
    raise TypedDateError("format", text)


def _existing(parts: _Parts, text: str) -> date:
    """The date `parts` name; a month or day that does not exist is said to be so."""
    if not 1 <= parts.month <= 12:
        raise TypedDateError("no_such_month" if parts.day >= 1 else "format", text,
                             params={"month": str(parts.month)})
    days = calendar.monthrange(parts.year, parts.month)[1] if parts.year >= 1 else 31
    if parts.day > days:
        raise TypedDateError("no_such_day", text,
                             params={"year_month": f"{parts.year:04d}-{parts.month:02d}", "days": str(days)})
    try:
        return date(parts.year, parts.month, parts.day)
    except ValueError:
        raise TypedDateError("format", text) from None


def read_typed_date(text: str, today: date) -> date:
    """The date in `text` (one date, nothing else); raise `TypedDateError`.

    `today` bounds it: a listing date cannot be in the future (one day of grace for time zones).
    """
    cleaned = unicodedata.normalize("NFKC", (text or "").strip())[:MAX_INPUT].strip()
    if not cleaned:
        raise TypedDateError("format", text or "")
    value = _existing(_parts(cleaned), text)
    if value > today + timedelta(days=1):
        raise TypedDateError("future", text)
    if value < EARLIEST:
        raise TypedDateError("too_early", text)
    return value


_NOTICE_KEYS = {"format": "notice.invalid.date", "too_early": "notice.invalid.date",
                "future": "notice.invalid.future_date", "ambiguous": "dates.ambiguous",
                "no_such_day": "dates.no_such_day", "no_such_month": "dates.no_such_month"}


def typed_date_problem(error: TypedDateError, lang: str) -> str:
    """What to tell a seller whose typed date was refused, in `lang` (a question when ambiguous)."""
    from chatbot.i18n import t

    params: dict[str, str] = {"value": error.text[:MAX_INPUT], **error.params}
    if error.options:
        params.update(day_first=error.options[0].isoformat(), month_first=error.options[1].isoformat())
    return t(_NOTICE_KEYS[error.code], lang, **params)  # type: ignore[arg-type]
