"""Local wall-clock times of the deployment (SELLERGUARD_TIMEZONE), in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from chatbot.config import Settings


def zone(settings: Settings) -> ZoneInfo:
    return ZoneInfo(settings.timezone)


def local_time(value: str) -> time:
    """"09:00" -> time(9, 0) (settings are validated as HH:MM)."""
    hour, _, minute = value.partition(":")
    return time(int(hour), int(minute))


def at_local(day: date, hhmm: str, settings: Settings) -> datetime:
    """`day` at `hhmm` in the deployment's time zone, as an aware UTC datetime. Across a DST
    change the wall-clock time is kept (09:00 stays 09:00 local; its UTC hour moves); a time
    skipped by the spring change is taken as the same minute after the jump."""
    local = datetime.combine(day, local_time(hhmm), tzinfo=zone(settings))
    return local.astimezone(UTC)


def local_date(moment: datetime, settings: Settings) -> date:
    """The calendar date in the deployment's time zone at `moment` (aware)."""
    return moment.astimezone(zone(settings)).date()
