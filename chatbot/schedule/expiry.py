"""Listings that nobody re-confirmed go back to the moderators, in the open.

A listed entry whose `listed_at` (set each time a moderator approves it) is older than
SELLERGUARD_LISTING_TTL_DAYS returns to "reported": it leaves the published feed, shows in the
moderators' queue and in the digest, and the audit log says why ("expire", by
sellerguard:clock). Approving it again re-confirms it for another period.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import insert, select, update

from chatbot.app import SellerGuard
from chatbot.blocklist.models import AuditRow, Entry

ACTOR = "sellerguard:clock"
BATCH = 1000
entries = Entry.__table__


def run(guard: SellerGuard, now: datetime) -> int:
    """Send every expired listing back to review; how many were sent."""
    days = guard.settings.listing_ttl_days
    cutoff = now - timedelta(days=days)
    moved = 0
    while True:
        with guard.db.engine.begin() as conn:  # Core rows: no ORM objects for a batch move
            stmt = (select(entries.c.id, entries.c.listed_at)
                    .where(entries.c.state == "listed", entries.c.listed_at < cutoff)
                    .order_by(entries.c.id).limit(BATCH))
            if not guard.db.is_sqlite:
                stmt = stmt.with_for_update(skip_locked=True)
            rows = conn.execute(stmt).all()
            if rows:
                conn.execute(update(entries).where(entries.c.id.in_([row[0] for row in rows]))
                             .values(state="reported", updated_at=now, prior_state=None))
                conn.execute(insert(AuditRow.__table__), [
                    {"entry_id": entry_id, "actor": ACTOR, "action": "expire", "before": "listed",
                     "after": "reported", "reason": f"not re-confirmed in {days} days",
                     "detail": {"listed_at": listed_at.isoformat() if listed_at else None},
                     "created_at": now} for entry_id, listed_at in rows])
            moved += len(rows)
        if len(rows) < BATCH:
            return moved
