"""A durable job queue in the database, shared by every process on it (platform-neutral).

A web process acknowledges a request, `enqueue`s its payload and wakes a worker. Workers `claim`
rows atomically (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: one UPDATE under BEGIN IMMEDIATE),
run them and mark them done. A claim is a lease: if its worker dies, the row is claimed again
once the lease expires, at most `max_attempts` times, then marked failed. Nothing pending lives in
process memory, so a crash or restart loses no job. Finished rows are pruned after `keep_seconds`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Connection, Index, Integer, String, Text, and_, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from chatbot.db import Database
from chatbot.db.base import Base, UTCDateTime, utcnow
from chatbot.db.inserts import insert_ignore
from chatbot.db.models import ProcessedDelivery

log = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
LEASE_SECONDS = 600.0  # longer than any lookup's timeouts together
MAX_ATTEMPTS = 3
KEEP_SECONDS = 7 * 24 * 3600.0


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_state_lease", "state", "lease_until"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))  # which runner: "slack", later "wecom", "schedule"
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16), default=QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


@dataclass(frozen=True)
class Claimed:
    """A job this worker holds; `attempt` tells a late finish from a stale one."""

    id: int
    kind: str
    payload: dict[str, Any]
    attempt: int


Runner = Callable[[dict[str, Any]], None]


# Job kinds run by other modules, registered where they are defined (chatbot/wecom/work.py):
# kind → a function that builds the runner from the app (a `SellerGuard`) in the process that
# runs jobs. A worker gets every registered runner with `registered_runners(app)`.
RunnerFactory = Callable[[Any], Runner]
_registered: dict[str, RunnerFactory] = {}


def register(kind: str, factory: RunnerFactory) -> None:
    """Make jobs of `kind` runnable by any worker that asks for `registered_runners`."""
    _registered[kind] = factory


def registered_runners(app: Any, kinds: Collection[str] | None = None) -> dict[str, Runner]:
    """The registered runners (of `kinds`, if given), built for `app`."""
    return {kind: factory(app) for kind, factory in _registered.items() if kinds is None or kind in kinds}


class JobQueue:
    def __init__(self, db: Database, *, clock: Callable[[], datetime] = utcnow,
                 lease_seconds: float = LEASE_SECONDS, max_attempts: int = MAX_ATTEMPTS,
                 keep_seconds: float = KEEP_SECONDS) -> None:
        self.db = db
        self.clock = clock
        self.lease = timedelta(seconds=lease_seconds)
        self.max_attempts = max_attempts
        self.keep = timedelta(seconds=keep_seconds)

    def enqueue(self, kind: str, payload: dict[str, Any], *, delivery_key: str = "") -> int | None:
        """Store a job in one short transaction. With `delivery_key`, the delivery is recorded in
        the same transaction (`SellerGuard.first_delivery`'s table), so a retried or replayed
        delivery reaching any process makes no second job: None is returned then."""
        now = self.clock()
        try:
            with self.db.session() as session:
                if delivery_key:
                    session.add(ProcessedDelivery(key=delivery_key[:255], created_at=now))
                job = Job(kind=kind, payload=payload, state=QUEUED, attempts=0, error="",
                          created_at=now, updated_at=now)
                session.add(job)
                session.flush()
                return job.id
        except IntegrityError:
            return None

    def enqueue_on(self, conn: Connection, kind: str, payload: dict[str, Any], *,
                   delivery_key: str = "") -> int | None:
        """`enqueue` inside the caller's transaction on `conn` (a hot path that records other
        rows in the same commit). None when `delivery_key` was already recorded."""
        now = self.clock()
        if delivery_key and not insert_ignore(conn, ProcessedDelivery.__table__,
                                              {"key": delivery_key[:255], "created_at": now}):
            return None
        table = Job.__table__
        return int(conn.execute(table.insert().values(
            kind=kind, payload=payload, state=QUEUED, attempts=0, error="", created_at=now,
            updated_at=now).returning(table.c.id)).scalar_one())

    def claim(self, kinds: Collection[str] | None = None) -> Claimed | None:
        """Take the oldest runnable job (queued, or running with an expired lease) atomically,
        of one of `kinds` if given; rows whose lease expired after the last attempt are marked
        failed first."""
        now = self.clock()
        expired = and_(Job.state == RUNNING, Job.lease_until < now)
        with self.db.session() as session:
            dead = session.execute(
                update(Job).where(expired, Job.attempts >= self.max_attempts)
                .values(state=FAILED, lease_until=None, updated_at=now,
                        error=f"its worker stopped before finishing, {self.max_attempts} times")
                .returning(Job.id, Job.kind)).all()
            for job_id, kind in dead:
                log.error("job %s (%s) failed: its worker stopped before finishing, %s times",
                          job_id, kind, self.max_attempts)
            runnable = select(Job.id).where(or_(Job.state == QUEUED, expired),
                                            Job.attempts < self.max_attempts)
            if kinds is not None:
                runnable = runnable.where(Job.kind.in_(list(kinds)))
            oldest = (runnable
                      .order_by(Job.id).limit(1).with_for_update(skip_locked=True).scalar_subquery())
            row = session.execute(
                update(Job).where(Job.id == oldest)
                .values(state=RUNNING, attempts=Job.attempts + 1, lease_until=now + self.lease,
                        updated_at=now)
                .returning(Job.id, Job.kind, Job.payload, Job.attempts)).first()
        return Claimed(row[0], row[1], row[2], row[3]) if row else None

    def finish(self, job: Claimed, error: str = "") -> bool:
        """Mark a claimed job done (or failed, with `error`). False if the lease was lost and the
        job claimed again meanwhile: that other attempt decides."""
        now = self.clock()
        with self.db.session() as session:
            result = session.execute(
                update(Job).where(Job.id == job.id, Job.state == RUNNING, Job.attempts == job.attempt)
                .values(state=FAILED if error else DONE, lease_until=None, updated_at=now,
                        error=error[:4000]))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def run_next(self, runners: Mapping[str, Runner], *, only: Collection[str] | None = None) -> bool:
        """Claim one job (of the kinds in `only`, if given) and run it; False when there was
        nothing to run. A runner that raises marks the job failed (not retried: it may already
        have answered the user)."""
        job = self.claim(only)
        if job is None:
            return False
        runner = runners.get(job.kind)
        try:
            if runner is None:
                raise LookupError(f"no runner for jobs of kind {job.kind!r}")
            runner(job.payload)
        except Exception as exc:
            log.exception("job %s (%s) failed", job.id, job.kind)
            self.finish(job, error=f"{type(exc).__name__}: {exc}")
            return True
        self.finish(job)
        return True

    def prune(self) -> int:
        """Delete finished rows older than `keep_seconds`."""
        cutoff = self.clock() - self.keep
        with self.db.session() as session:
            result = session.execute(
                delete(Job).where(Job.state.in_((DONE, FAILED)), Job.updated_at < cutoff))
            return int(result.rowcount)  # type: ignore[attr-defined]
