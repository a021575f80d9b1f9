"""Turn the many spellings of a date into a `date`, and keep only plausible ones."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime

EARLIEST = date(1995, 1, 1)  # before the commercial web nothing we read is a real shop date

_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?"
                  r"\s*(Z|[+-]\d{2}:?\d{2})?)?")

_RFC_DAY = re.compile(r"^\s*(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}(?:\s|$)")  # Sat, 19 Oct 2019 …


def plausible(value: date, today: date) -> bool:
    """Not before the commercial web, not after tomorrow (time zones)."""
    return EARLIEST <= value <= today + timedelta(days=1)


def parse_iso(text: str | None) -> date | None:
    """`2019-03-05`, `2019-03-05T10:20:00-04:00`, `2019-03-05 10:20:00 UTC` → the UTC day."""
    if not text or not isinstance(text, str):
        return None
    match = _ISO.match(text)
    if not match:
        return None
    year, month, day = (int(match.group(i)) for i in (1, 2, 3))
    try:
        if match.group(4) is None or match.group(7) is None:
            return date(year, month, day)
        zone = match.group(7)
        stamp = f"{year:04d}-{month:02d}-{day:02d}T{int(match.group(4)):02d}:{match.group(5)}:" \
                f"{match.group(6) or '00'}{'+00:00' if zone == 'Z' else zone}"
        if len(zone) == 5:  # +0800
            stamp = stamp[:-5] + zone[:3] + ":" + zone[3:]
        return datetime.fromisoformat(stamp).astimezone(UTC).date()
    except ValueError:
        return None


def written_day(text: str | None, zone: timedelta | None = None) -> date | None:
    """The calendar day as a page writes it (`2023-11-08T20:15:00-08:00` → 2023-11-08): what the
    page shows its readers, in the publisher's own time zone. Page metadata (meta tags, JSON-LD,
    `<time>`) is read this way; records kept in UTC by platforms and registries use `parse_iso`.
    An RFC 2822 date (`Sat, 19 Oct 2019 00:04:00 +0200`) is read the same way. `zone`: the
    page's own UTC offset (`page_zone`), in which a time written in UTC is read (a machine copy:
    `2023-11-09T02:11:03Z` on a page that writes -05:00 elsewhere is the 8th for its readers)."""
    if not text or not isinstance(text, str):
        return None
    match = _ISO.match(text)
    if not match:
        return _written_rfc_day(text)
    try:
        day = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if zone is None or match.group(4) is None or match.group(7) not in _UTC_MARKS:
            return day
        return (datetime(day.year, day.month, day.day, int(match.group(4)), int(match.group(5)))
                + zone).date()
    except ValueError:
        return None


_UTC_MARKS = {"Z", "+00:00", "+0000", "-00:00", "-0000"}
_OFFSET = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?([+-])(\d{2}):?(\d{2})")
MAX_ZONE_STAMPS = 200


def page_zone(texts: Iterable[str]) -> timedelta | None:
    """The UTC offset a page writes its times in, from the ISO times in `texts` (its meta
    contents, `<time datetime>`, JSON-LD): the one offset other than UTC it uses; None when it
    writes none, or several (no single zone to read its UTC times in). Reads at most
    MAX_ZONE_STAMPS times."""
    zones: set[timedelta] = set()
    seen = 0
    for text in texts:
        for match in _OFFSET.finditer(text):
            seen += 1
            if seen > MAX_ZONE_STAMPS:
                break
            sign, hours, minutes = match.groups()
            offset = timedelta(hours=int(hours), minutes=int(minutes)) * (-1 if sign == "-" else 1)
            if offset:
                zones.add(offset)
    return next(iter(zones)) if len(zones) == 1 else None


def _written_rfc_day(text: str) -> date | None:
    """`Sat, 19 Oct 2019 00:04:00 +0200` → 2019-10-19, the day in the writer's zone (pages write
    RFC 2822 dates in meta tags too; converting to UTC would move a midnight post a day back)."""
    if not _RFC_DAY.match(text):
        return None
    try:
        return parsedate_to_datetime(text[:100]).date()
    except (TypeError, ValueError, IndexError):
        return None


def parse_http_date(text: str | None) -> date | None:
    """An RFC 9110 date header (`Last-Modified: Tue, 05 Mar 2019 10:20:00 GMT`)."""
    if not text:
        return None
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).date()


# One HTTP date in a header value; a repeated header arrives joined with ", ", and an HTTP date
# holds a comma itself (`Tue, 05 Mar 2019 …`), so the values are found, not split.
_HTTP_DATE = re.compile(r"(?:[A-Za-z]{3},\s*)?\d{1,2}[ -][A-Za-z]{3}[ -]\d{2,4}\s+\d{1,2}:\d{2}(?::\d{2})?"
                        r"(?:\s*(?:GMT|UTC|[+-]\d{4}))?")
MAX_HEADER_DATES = 20


def parse_http_dates(text: str | None) -> list[tuple[date, str]]:
    """Every RFC 9110 date in a header value, as (UTC day, the value as written), in order: a
    header sent twice (two `Last-Modified` lines) reaches us joined with ", ". At most
    MAX_HEADER_DATES; a value that holds no such date is read whole by `parse_http_date`."""
    found = []
    for match in _HTTP_DATE.finditer((text or "")[:4000]):
        if len(found) >= MAX_HEADER_DATES:
            break
        if (value := parse_http_date(match.group(0))) is not None:
            found.append((value, match.group(0)))
    if not found and (value := parse_http_date(text)) is not None:
        found.append((value, text or ""))
    return found


def from_unix(seconds: int | float) -> date | None:
    try:
        return datetime.fromtimestamp(float(seconds), UTC).date()
    except (OverflowError, OSError, ValueError):
        return None


def from_wayback(timestamp: str) -> date | None:
    """The day of a CDX timestamp of 8 to 14 digits (`20190305102000`); None for a shorter one
    (a year or month names no day) or a day that does not exist."""
    if not re.fullmatch(r"\d{8,14}", timestamp or ""):
        return None
    try:
        return date(int(timestamp[:4]), int(timestamp[4:6]), int(timestamp[6:8]))
    except ValueError:
        return None
