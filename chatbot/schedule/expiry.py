"""Listings that nobody re-confirmed go back to the moderators, in the open.

A listed entry whose `listed_at` (set each time a moderator approves it) is older than
SELLERGUARD_LISTING_TTL_DAYS returns to "reported": it leaves the published feed, shows in the
moderators' queue and in the digest, and the audit log says why ("expire", by
sellerguard:clock). Approving it again re-confirms it for another period.

The clock's tick only finds and enqueues: it selects the ids of the stale listings and queues
them in `expiry.batch` jobs (at most 1,000 ids each), in one transaction. The worker runs a batch:
a set-based move restricted to its ids that checks again that each is still stale, so a listing
approved again since the tick stays listed, and one moved already (a batch run again, or two
ticks' batches) is not moved or audited twice. On PostgreSQL that is one statement (an UPDATE …
RETURNING whose rows an INSERT … SELECT writes to the audit log); on SQLite, whose transaction
holds the write lock from its BEGIN IMMEDIATE, the audit rows by INSERT … SELECT and then the
UPDATE, both with the same predicate.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Insert,
    Select,
    Update,
    bindparam,
    func,
    insert,
    literal,
    select,
    update,
)

from chatbot import jobkinds
from chatbot.app import SellerGuard
from chatbot.blocklist.models import AuditRow, Entry
from chatbot.db.base import UTCDateTime
from chatbot.jobs import JobQueue, PermanentJobError, Runner

ACTOR = "sellerguard:clock"
BATCH_KIND = "expiry.batch"
BATCH = 1000  # listings per batch job
entries, audit = Entry.__table__, AuditRow.__table__
_COLUMNS = ["entry_id", "actor", "action", "before", "after", "reason", "detail", "created_at"]
_NOW = bindparam("now", type_=UTCDateTime())


def run(guard: SellerGuard, now: datetime) -> int:
    """Find every listing expired at `now` (UTC, aware) and queue them as `expiry.batch` jobs,
    in one transaction; how many were found (the batches move them)."""
    with guard.db.engine.begin() as conn:
        ids = [row[0] for row in conn.execute(_find(), {"cutoff": _cutoff(guard, now)})]
        jobs = [(BATCH_KIND, {"at": now.isoformat(), "entries": ids[start:start + BATCH]}, "")
                for start in range(0, len(ids), BATCH)]
        JobQueue(guard.db, clock=lambda: now).add_many(conn, jobs)
    return len(ids)


def move(guard: SellerGuard, payload: dict[str, Any]) -> int:
    """Send the listings an `expiry.batch` payload lists ({"at": ISO-8601 UTC, "entries": [entry
    id, …]}) that are still stale back to review, each with its audit row; how many were sent. A
    payload of the wrong shape raises PermanentJobError."""
    try:
        now = datetime.fromisoformat(str(payload["at"]))
        ids = [int(item) for item in payload.get("entries") or []]
    except (KeyError, TypeError, ValueError) as exc:
        raise PermanentJobError(f"an expiry batch is malformed: {type(exc).__name__}: {exc}") from None
    if not ids:
        return 0
    days = guard.settings.listing_ttl_days
    params = {"cutoff": _cutoff(guard, now), "now": now, "reason": f"not re-confirmed in {days} days",
              "ids": ids}
    with guard.db.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(_audit_sqlite(), params)
            return int(conn.execute(_move(), params).rowcount)
        return len(conn.execute(_move_and_audit_pg(), params).all())


def _cutoff(guard: SellerGuard, now: datetime) -> datetime:
    return now - timedelta(days=guard.settings.listing_ttl_days)


@lru_cache(maxsize=1)
def _find() -> Select[Any]:
    return select(entries.c.id).where(*_stale())


def _stale() -> tuple[ColumnElement[bool], ...]:
    return entries.c.state == "listed", entries.c.listed_at < bindparam("cutoff", type_=UTCDateTime())


def _batch() -> tuple[ColumnElement[bool], ...]:
    """The batch's listings (:ids) still stale: one approved again since the tick, or moved by
    an earlier run of the same listing, is left alone."""
    return entries.c.id.in_(bindparam("ids", expanding=True)), *_stale()


def _audit_values(entry_id: Any, detail: ColumnElement[Any]) -> tuple[Any, ...]:
    return (entry_id, literal(ACTOR), literal("expire"), literal("listed"), literal("reported"),
            bindparam("reason"), detail, _NOW)


@lru_cache(maxsize=1)
def _move() -> Update:
    return update(entries).where(*_batch()).values(state="reported", updated_at=_NOW, prior_state=None)


@lru_cache(maxsize=1)
def _audit_sqlite() -> Insert:
    # detail {"listed_at": ISO-8601 UTC}, from the stored text "YYYY-MM-DD HH:MM:SS.ffffff"
    stamp = func.replace(entries.c.listed_at, " ", "T").op("||")("+00:00")
    detail = func.json_object("listed_at", stamp, type_=JSON)
    return insert(audit).from_select(_COLUMNS, select(*_audit_values(entries.c.id, detail)).where(*_batch()))


@lru_cache(maxsize=1)
def _move_and_audit_pg() -> Insert:
    moved = _move().returning(entries.c.id, entries.c.listed_at).cte("moved")
    stamp = func.to_char(func.timezone("UTC", moved.c.listed_at), 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')
    detail = func.json_build_object("listed_at", stamp, type_=JSON)
    rows = select(*_audit_values(moved.c.id, detail))
    # RETURNING, not rowcount: psycopg reports none for an INSERT under a data-modifying WITH
    return insert(audit).from_select(_COLUMNS, rows).add_cte(moved).returning(audit.c.id)


@jobkinds.register(BATCH_KIND)
def _batch_kind(guard: SellerGuard) -> Runner:
    def run(payload: dict[str, Any]) -> None:
        move(guard, payload)

    return run
