"""Listings that nobody re-confirmed go back to the moderators, in the open.

A listed entry whose `listed_at` (set each time a moderator approves it) is older than
SELLERGUARD_LISTING_TTL_DAYS returns to "reported": it leaves the published feed, shows in the
moderators' queue and in the digest, and the audit log says why ("expire", by
sellerguard:clock). Approving it again re-confirms it for another period.

The move is set-based, however many listings expire: on PostgreSQL one statement (an UPDATE …
RETURNING whose rows an INSERT … SELECT writes to the audit log); on SQLite, whose transaction
holds the write lock from its BEGIN IMMEDIATE, the audit rows by INSERT … SELECT and then the
UPDATE, both with the same predicate.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import JSON, ColumnElement, Insert, Update, bindparam, func, insert, literal, select, update

from chatbot.app import SellerGuard
from chatbot.blocklist.models import AuditRow, Entry
from chatbot.db.base import UTCDateTime

ACTOR = "sellerguard:clock"
entries, audit = Entry.__table__, AuditRow.__table__
_COLUMNS = ["entry_id", "actor", "action", "before", "after", "reason", "detail", "created_at"]
_NOW = bindparam("now", type_=UTCDateTime())


def run(guard: SellerGuard, now: datetime) -> int:
    """Send every expired listing back to review, each with its audit row; how many were sent."""
    days = guard.settings.listing_ttl_days
    params = {"cutoff": now - timedelta(days=days), "now": now, "reason": f"not re-confirmed in {days} days"}
    with guard.db.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(_audit_sqlite(), params)
            return int(conn.execute(_move(), params).rowcount)
        return len(conn.execute(_move_and_audit_pg(), params).all())


def _stale() -> tuple[ColumnElement[bool], ...]:
    return entries.c.state == "listed", entries.c.listed_at < bindparam("cutoff", type_=UTCDateTime())


def _audit_values(entry_id: Any, detail: ColumnElement[Any]) -> tuple[Any, ...]:
    return (entry_id, literal(ACTOR), literal("expire"), literal("listed"), literal("reported"),
            bindparam("reason"), detail, _NOW)


@lru_cache(maxsize=1)
def _move() -> Update:
    return update(entries).where(*_stale()).values(state="reported", updated_at=_NOW, prior_state=None)


@lru_cache(maxsize=1)
def _audit_sqlite() -> Insert:
    # detail {"listed_at": ISO-8601 UTC}, from the stored text "YYYY-MM-DD HH:MM:SS.ffffff"
    stamp = func.replace(entries.c.listed_at, " ", "T").op("||")("+00:00")
    detail = func.json_object("listed_at", stamp, type_=JSON)
    return insert(audit).from_select(_COLUMNS, select(*_audit_values(entries.c.id, detail)).where(*_stale()))


@lru_cache(maxsize=1)
def _move_and_audit_pg() -> Insert:
    moved = _move().returning(entries.c.id, entries.c.listed_at).cte("moved")
    stamp = func.to_char(func.timezone("UTC", moved.c.listed_at), 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')
    detail = func.json_build_object("listed_at", stamp, type_=JSON)
    rows = select(*_audit_values(moved.c.id, detail))
    # RETURNING, not rowcount: psycopg reports none for an INSERT under a data-modifying WITH
    return insert(audit).from_select(_COLUMNS, rows).add_cte(moved).returning(audit.c.id)
