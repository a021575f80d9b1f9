"""Deadline arithmetic for cases (calendar and business days)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

INVENTORY_DAYS = 90  # unresolved complaint → Amazon asks to remove the inventory
APEX_RESPONSE_DAYS = 21  # about 3 weeks to answer an APEX patent evaluation
COUNTER_NOTICE_BUSINESS_DAYS = (10, 14)  # 17 U.S.C. 512(g)(2)(C) restore window


def add_business_days(start: date, days: int) -> date:
    """`days` business days after `start`, skipping Saturdays and Sundays (not public holidays)."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    return current


def at_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=UTC)
