"""Business days for the counter-notice window: weekends and US federal holidays skipped.

17 U.S.C. 512(g)(2)(C) counts the restore window ("not less than 10, nor more than 14, business
days") in business days; a US federal holiday is not one. Holidays come from the `holidays`
package's United States calendar (federal holidays, with the observed Friday / Monday when one
falls on a weekend), so the rule is maintained upstream, not by us.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays

CALENDAR = "US federal holidays"  # named in the deadline's note and in reminders


@lru_cache(maxsize=64)
def _holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("US", years=year))


def is_business_day(day: date) -> bool:
    """Monday to Friday and not a US federal holiday (observed dates included)."""
    return day.weekday() < 5 and day not in _holidays(day.year)


def add_business_days(start: date, days: int) -> date:
    """The date `days` (≥ 0) business days after `start`; `start` itself never counts."""
    if days < 0:
        raise ValueError("days must be 0 or more")
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_business_day(current):
            remaining -= 1
    return current


def holidays_between(start: date, end: date) -> list[str]:
    """Names of the US federal holidays in (start, end], for telling the seller why a date moved."""
    names = []
    for year in range(start.year, end.year + 1):
        for day, name in sorted(holidays.country_holidays("US", years=year).items()):
            if start < day <= end and day.weekday() < 5:
                names.append(f"{name} ({day.isoformat()})")
    return names
