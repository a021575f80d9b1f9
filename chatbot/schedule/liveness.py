"""Daily liveness re-checks of listed and disputed blocklist sites, and the takedown figures.

Each site's front page is asked for through the safe fetcher (chatbot/net/fetcher.py: public
addresses only, size and time limits), politely: conditional requests (If-None-Match /
If-Modified-Since from the last answer), one request per registrable domain at a time and at
most one every SELLERGUARD_RECHECK_PER_HOST_SECONDS to the same domain. A result is one of

    online      any answer below 400 (304 Not Modified included)
    taken_down  404, 410 or 451: the host answers but the shop is gone
    offline     no usable answer (DNS, connection, TLS, timeout) or a 5xx

Offline spells start `first_seen_offline`; a site gone (taken down, or offline for
TAKEDOWN_DAYS in a row) gets `taken_down_at`, the figure URLhaus publishes as time to takedown:
`sellerguard blocklist stats` reports the median from listing to takedown.
"""

from __future__ import annotations

import asyncio
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import func, select, update

from chatbot.app import SellerGuard
from chatbot.blocklist.models import Entry, Liveness
from chatbot.net.fetcher import FetchError, FetchResult

RECHECK_STATES = ("listed", "disputed")
TAKEDOWN_DAYS = 3
GONE = frozenset({404, 410, 451})
BATCH = 2000  # sites re-checked per run at most (the oldest checks first)
CONCURRENCY = 8


class Fetcher(Protocol):
    async def fetch(self, url: str, *, headers: dict[str, str] | None = ...,
                    max_bytes: int | None = ...) -> FetchResult: ...


@dataclass(frozen=True)
class Check:
    """One site's re-check: `status` is online, offline or taken_down; `http` 0 without answer."""

    unit: str
    status: str
    http: int = 0
    etag: str = ""
    last_modified: str = ""
    error: str = ""


@dataclass(frozen=True)
class RecheckRun:
    checked: int
    online: int
    offline: int
    taken_down: int


def classify(unit: str, result: FetchResult | FetchError) -> Check:
    """A fetch result (or error) as a `Check`."""
    if isinstance(result, FetchError):
        return Check(unit, "offline", error=result.code)
    status = "online" if result.status < 400 else "taken_down" if result.status in GONE else "offline"
    return Check(unit, status, result.status, result.headers.get("etag", "")[:200],
                 result.headers.get("last-modified", "")[:64])


def due_units(guard: SellerGuard, limit: int = BATCH) -> list[tuple[str, str, str, str]]:
    """(unit, etag, last_modified, registrable domain) of listed and disputed sites, least
    recently checked first."""
    with guard.db.read() as session:
        rows = session.execute(
            select(Entry.unit, Liveness.etag, Liveness.last_modified, Entry.registrable)
            .outerjoin(Liveness, Liveness.unit == Entry.unit)
            .where(Entry.state.in_(RECHECK_STATES))
            .order_by(Liveness.last_checked.is_not(None), Liveness.last_checked, Entry.id)
            .limit(limit)).all()
    return [(unit, etag or "", modified or "", domain or unit) for unit, etag, modified, domain in rows]


async def _check_all(units: Iterable[tuple[str, str, str, str]], fetcher: Fetcher, url_template: str,
                     spacing: float) -> list[Check]:
    by_domain: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for unit, etag, modified, domain in units:
        by_domain[domain].append((unit, etag, modified))
    gate = asyncio.Semaphore(CONCURRENCY)
    results: list[Check] = []

    async def one_domain(items: list[tuple[str, str, str]]) -> None:
        for index, (unit, etag, modified) in enumerate(items):
            if index:
                await asyncio.sleep(spacing)  # politeness to one domain
            headers = {k: v for k, v in (("if-none-match", etag), ("if-modified-since", modified)) if v}
            async with gate:
                try:
                    answer: FetchResult | FetchError = await fetcher.fetch(
                        url_template.format(unit=unit), headers=headers, max_bytes=64_000)
                except FetchError as exc:
                    answer = exc
            results.append(classify(unit, answer))

    await asyncio.gather(*(one_domain(items) for items in by_domain.values()))
    return results


def record(guard: SellerGuard, checks: Iterable[Check], now: datetime) -> RecheckRun:
    """Store re-check results; a change of online state bumps the entry (the feed's change mark)."""
    counts = {"online": 0, "offline": 0, "taken_down": 0}
    with guard.db.session() as session:
        for check in checks:
            counts[check.status] += 1
            row = session.get(Liveness, check.unit)
            if row is None:
                row = Liveness(unit=check.unit, online=None, last_checked=now, etag="", last_modified="")
                session.add(row)
            was = row.online
            row.last_checked = now
            if check.status == "online":
                row.online, row.last_seen_online = True, now
                row.first_seen_offline, row.taken_down_at = None, None
                if check.etag or check.last_modified:
                    row.etag, row.last_modified = check.etag, check.last_modified
            else:
                row.online = False
                row.first_seen_offline = row.first_seen_offline or now
                gone_long = now - row.first_seen_offline >= timedelta(days=TAKEDOWN_DAYS)
                if row.taken_down_at is None and (check.status == "taken_down" or gone_long):
                    row.taken_down_at = row.first_seen_offline
            if was is not row.online:
                session.execute(update(Entry).where(Entry.unit == check.unit).values(updated_at=now))
    return RecheckRun(sum(counts.values()), counts["online"], counts["offline"], counts["taken_down"])


def run(guard: SellerGuard, now: datetime, *, fetcher: Fetcher | None = None,
        url_template: str = "https://{unit}/") -> RecheckRun:
    """Re-check the sites due (see module doc) and record the results."""
    if fetcher is None:
        from chatbot.net.fetcher import SafeFetcher

        fetcher = SafeFetcher(guard.settings, max_concurrency=CONCURRENCY)
    units = due_units(guard)
    checks = asyncio.run(_check_all(units, fetcher, url_template, guard.settings.recheck_per_host_seconds))
    return record(guard, checks, now)


def stats(guard: SellerGuard) -> dict[str, Any]:
    """Liveness of listed and disputed sites: counts by state, and days from listing to takedown
    (median and count) over every entry ever taken down."""
    with guard.db.read() as session:
        rows = session.execute(
            select(Liveness.online, Liveness.taken_down_at.is_not(None), func.count())
            .join(Entry, Entry.unit == Liveness.unit).where(Entry.state.in_(RECHECK_STATES))
            .group_by(Liveness.online, Liveness.taken_down_at.is_not(None))).all()
        unchecked = session.scalar(
            select(func.count()).select_from(Entry).outerjoin(Liveness, Liveness.unit == Entry.unit)
            .where(Entry.state.in_(RECHECK_STATES), Liveness.unit.is_(None))) or 0
        spans = session.execute(
            select(Entry.listed_at, Liveness.taken_down_at).join(Liveness, Liveness.unit == Entry.unit)
            .where(Entry.listed_at.is_not(None), Liveness.taken_down_at.is_not(None))).all()
    out = {"online": 0, "offline": 0, "taken_down": 0, "unchecked": int(unchecked)}
    for online, gone, count in rows:
        key = "online" if online else "taken_down" if gone else "offline" if online is False else "unchecked"
        out[key] += int(count)
    days = [max(0.0, (down - listed).total_seconds() / 86400) for listed, down in spans]
    return {**out, "takedowns": len(days),
            "median_days_to_takedown": round(statistics.median(days), 1) if days else None}
