"""A named lease in the database: exactly one clock enqueues scheduled work.

The holder renews it well before it expires; a second clock's `acquire` fails until the first
stops renewing (it crashed, or its host vanished), then takes over. Each attempt is one short
transaction, so it works the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError

from chatbot.db import Database
from chatbot.db.base import utcnow
from chatbot.schedule.models import SchedulerLease


class Lease:
    """The lease `name`, held by `holder` for `seconds` at a time."""

    def __init__(self, db: Database, name: str, holder: str, *, seconds: float = 60.0,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.db = db
        self.name = name
        self.holder = holder
        self.ttl = timedelta(seconds=seconds)
        self.clock = clock

    def acquire(self) -> bool:
        """Take or renew the lease; True when this holder has it for the next `seconds`.
        Database errors propagate."""
        now = self.clock()
        with self.db.session() as session:
            taken = session.execute(
                update(SchedulerLease)
                .where(SchedulerLease.name == self.name,
                       or_(SchedulerLease.holder == self.holder, SchedulerLease.expires_at < now))
                .values(holder=self.holder, expires_at=now + self.ttl))
            if taken.rowcount:  # type: ignore[attr-defined]
                return True
        try:
            with self.db.session() as session:
                session.add(SchedulerLease(name=self.name, holder=self.holder, expires_at=now + self.ttl))
            return True
        except IntegrityError:
            return False  # someone else holds it

    def release(self) -> None:
        """Give the lease up at once (a clean stop), so a standby takes over without waiting."""
        with self.db.session() as session:
            session.execute(update(SchedulerLease)
                            .where(SchedulerLease.name == self.name, SchedulerLease.holder == self.holder)
                            .values(expires_at=self.clock() - timedelta(seconds=1)))
