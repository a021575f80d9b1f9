"""A durable job queue in the database, shared by every process on it (platform-neutral).

A web process acknowledges a request, `enqueue`s its payload and wakes a worker. Workers `claim`
rows atomically (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: one UPDATE under BEGIN IMMEDIATE),
run them and mark them done. A claim is a lease: if its worker dies, the row is claimed again
once the lease expires. A runner that raises is retried after a growing pause (`backoff`); after
`max_attempts` tries, or at once for a `PermanentJobError` (a malformed payload), the row is
marked failed with its error kept, for `sellerguard jobs list --failed` and the digest. Nothing
pending lives in process memory, so a crash or restart loses no job. A `unique_key` (the clock's
"digest@2026-11-30T10:00:00+08:00") makes a second enqueue of the same run a no-op. Finished
rows are pruned after `keep_seconds`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Connection, Index, Integer, String, Text, and_, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from chatbot.db import Database
from chatbot.db.base import Base, UTCDateTime, utcnow
from chatbot.db.inserts import insert_ignore, insert_ignore_many
from chatbot.db.models import ProcessedDelivery
from chatbot.db.prepared import execute

log = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
LEASE_SECONDS = 600.0  # longer than any lookup's timeouts together; workers renew it meanwhile
MAX_ATTEMPTS = 5
KEEP_SECONDS = 7 * 24 * 3600.0
BACKOFF_SECONDS = 30.0  # first retry after 30 s, then 60, 120, … (capped)
MAX_BACKOFF_SECONDS = 3600.0


class PermanentJobError(Exception):
    """Raised by a runner when trying again cannot help (a malformed payload): the job fails now."""


def backoff(attempt: int, base: float = BACKOFF_SECONDS) -> timedelta:
    """The pause before retry number `attempt` (1-based): base · 2^(attempt-1), at most an hour."""
    return timedelta(seconds=min(MAX_BACKOFF_SECONDS, base * 2 ** max(0, attempt - 1)))


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_state_lease", "state", "lease_until"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))  # which runner (chatbot/jobkinds.py)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16), default=QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    error: Mapped[str] = mapped_column(Text, default="")
    run_after: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)  # a retry's pause
    unique_key: Mapped[str | None] = mapped_column(String(200), nullable=True, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


# The queue's own statements run on the table (Core): an ORM-enabled UPDATE would look for
# loaded objects to synchronize on every claim and finish, the bulk of a no-op job's cost.
_JOBS = Job.__table__
# Built once: a job goes in as parameters, so its compiled form is reused (a hot path: the
# webhook's commit after its answer).
_INSERT_RETURNING_ID = _JOBS.insert().returning(_JOBS.c.id)
_ENQUEUED = ("kind", "payload", "state", "attempts", "error", "created_at", "updated_at")


@dataclass(frozen=True)
class Claimed:
    """A job this worker holds; `attempt` tells a late finish from a stale one."""

    id: int
    kind: str
    payload: dict[str, Any]
    attempt: int


@dataclass(frozen=True)
class JobView:
    """One row for `sellerguard jobs list` and the digest; times are UTC."""

    id: int
    kind: str
    state: str
    attempts: int
    error: str
    unique_key: str
    created_at: datetime
    updated_at: datetime
    run_after: datetime | None


Runner = Callable[[dict[str, Any]], None]


class AllBut(frozenset[str]):
    """A `kinds` filter meaning every job kind except these (kinds a dedicated process runs)."""


class JobQueue:
    def __init__(self, db: Database, *, clock: Callable[[], datetime] = utcnow,
                 lease_seconds: float = LEASE_SECONDS, max_attempts: int = MAX_ATTEMPTS,
                 keep_seconds: float = KEEP_SECONDS, backoff_seconds: float = BACKOFF_SECONDS) -> None:
        self.db = db
        self.backoff_seconds = backoff_seconds
        self.clock = clock
        self.lease = timedelta(seconds=lease_seconds)
        self.max_attempts = max_attempts
        self.keep = timedelta(seconds=keep_seconds)

    def enqueue(self, kind: str, payload: dict[str, Any], *, delivery_key: str = "",
                unique_key: str = "") -> int | None:
        """Store a job in one short transaction and return its id. With `delivery_key`, the
        delivery is recorded in the same transaction (`SellerGuard.first_delivery`'s table), so
        a retried or replayed delivery reaching any process makes no second job; with
        `unique_key` (at most 200 characters), a second job with that key is refused. Either way
        None is returned then. Database errors (the database is down) are raised."""
        try:
            with self.db.session() as session:
                return self.add(session, kind, payload, delivery_key=delivery_key,
                                unique_key=unique_key)
        except IntegrityError:
            return None

    def add(self, session: Session, kind: str, payload: dict[str, Any], *, delivery_key: str = "",
            unique_key: str = "") -> int:
        """`enqueue` inside the caller's transaction, so the job commits (or not) with the caller's
        own changes (a reminder's "sent" mark). A duplicate key raises IntegrityError at flush."""
        now = self.clock()
        if delivery_key:
            session.add(ProcessedDelivery(key=delivery_key[:255], created_at=now))
        job = Job(kind=kind, payload=payload, state=QUEUED, attempts=0, error="",
                  unique_key=unique_key[:200] or None, created_at=now, updated_at=now)
        session.add(job)
        session.flush()
        return job.id

    def add_many(self, on: Session | Connection, jobs: Sequence[tuple[str, dict[str, Any], str]]) -> None:
        """Queue (kind, payload, unique_key) jobs inside the caller's transaction (a session or
        a connection) in one statement; a job whose unique key is taken already is skipped (it
        was queued before)."""
        if not jobs:
            return
        now = self.clock()
        insert_ignore_many(on, Job.__table__, [
            {"kind": kind, "payload": payload, "state": QUEUED, "attempts": 0, "error": "",
             "unique_key": key[:200] or None, "created_at": now, "updated_at": now}
            for kind, payload, key in jobs])

    def enqueue_on(self, conn: Connection, kind: str, payload: dict[str, Any], *,
                   delivery_key: str = "") -> int | None:
        """`enqueue` inside the caller's transaction on `conn` (a hot path that records other
        rows in the same commit). None when `delivery_key` was already recorded."""
        now = self.clock()
        if delivery_key and not insert_ignore(conn, ProcessedDelivery.__table__,
                                              {"key": delivery_key[:255], "created_at": now}):
            return None
        [(job_id,)] = execute(conn, _INSERT_RETURNING_ID, {
            "kind": kind, "payload": payload, "state": QUEUED, "attempts": 0, "error": "",
            "created_at": now, "updated_at": now}, keys=_ENQUEUED)
        return int(job_id)

    def claim(self, kinds: Collection[str] | None = None) -> Claimed | None:
        """Take the oldest runnable job (queued, or running with an expired lease) atomically,
        of one of `kinds` if given; rows whose lease expired after the last attempt are marked
        failed first."""
        with self.db.session() as session:
            return self._claim_in(session, kinds)

    def _claim_in(self, session: Session, kinds: Collection[str] | None) -> Claimed | None:
        now = self.clock()
        expired = and_(_JOBS.c.state == RUNNING, _JOBS.c.lease_until < now)
        dead = session.execute(
            update(_JOBS).where(expired, _JOBS.c.attempts >= self.max_attempts)
            .values(state=FAILED, lease_until=None, updated_at=now,
                    error=f"its worker stopped before finishing, {self.max_attempts} times")
            .returning(_JOBS.c.id, _JOBS.c.kind)).all()
        for job_id, kind in dead:
            log.error("job %s (%s) failed: its worker stopped before finishing, %s times",
                      job_id, kind, self.max_attempts)
        ready = and_(_JOBS.c.state == QUEUED, or_(_JOBS.c.run_after.is_(None), _JOBS.c.run_after <= now))
        runnable = select(_JOBS.c.id).where(or_(ready, expired), _JOBS.c.attempts < self.max_attempts)
        if isinstance(kinds, AllBut):
            runnable = runnable.where(_JOBS.c.kind.not_in(list(kinds)))
        elif kinds is not None:
            runnable = runnable.where(_JOBS.c.kind.in_(list(kinds)))
        oldest = runnable.order_by(_JOBS.c.id).limit(1).with_for_update(skip_locked=True).scalar_subquery()
        row = session.execute(
            update(_JOBS).where(_JOBS.c.id == oldest)
            .values(state=RUNNING, attempts=_JOBS.c.attempts + 1, lease_until=now + self.lease,
                    updated_at=now)
            .returning(_JOBS.c.id, _JOBS.c.kind, _JOBS.c.payload, _JOBS.c.attempts)).first()
        return Claimed(row[0], row[1], row[2], row[3]) if row else None

    def finish(self, job: Claimed, error: str = "", *, retry: bool = False) -> bool:
        """Mark a claimed job done, or failed with `error`; with `retry` (and attempts left) put
        it back in the queue after `backoff`, the error kept. False if the lease was lost and the
        job claimed again meanwhile: that other attempt decides."""
        with self.db.session() as session:
            return self._finish_in(session, job, error, retry)

    def finish_and_claim(self, job: Claimed, error: str = "", *, retry: bool = False,
                         kinds: Collection[str] | None = None) -> Claimed | None:
        """`finish` this job and `claim` the next in one transaction (one commit per job for a
        busy worker instead of two)."""
        with self.db.session() as session:
            self._finish_in(session, job, error, retry)
            return self._claim_in(session, kinds)

    def _finish_in(self, session: Session, job: Claimed, error: str, retry: bool) -> bool:
        now = self.clock()
        again = retry and bool(error) and job.attempt < self.max_attempts
        values: dict[str, Any] = {"state": FAILED if error else DONE, "run_after": None}
        if again:
            values = {"state": QUEUED, "run_after": now + backoff(job.attempt, self.backoff_seconds)}
        result = session.execute(
            update(_JOBS)
            .where(_JOBS.c.id == job.id, _JOBS.c.state == RUNNING, _JOBS.c.attempts == job.attempt)
            .values(lease_until=None, updated_at=now, error=error[:4000], **values))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def renew(self, job: Claimed) -> bool:
        """Extend a running job's lease (a long job's worker calls this now and then); False if
        the job is no longer this attempt's."""
        now = self.clock()
        with self.db.session() as session:
            result = session.execute(
                update(_JOBS)
                .where(_JOBS.c.id == job.id, _JOBS.c.state == RUNNING, _JOBS.c.attempts == job.attempt)
                .values(lease_until=now + self.lease))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def run_claimed(self, job: Claimed, runners: Mapping[str, Runner]) -> None:
        """Run a claimed job and record the outcome (see `attempt`)."""
        error, retry = self.attempt(job, runners)
        self.finish(job, error, retry=retry)

    def attempt(self, job: Claimed, runners: Mapping[str, Runner]) -> tuple[str, bool]:
        """Run a claimed job without recording it: ("", False) when it succeeded; (error, True)
        when the runner raised (retried later); (error, False) for good on `PermanentJobError`,
        an unknown kind or a payload the runner could not read (KeyError, TypeError)."""
        try:
            runner = runners.get(job.kind)
            if runner is None:
                raise PermanentJobError(f"no runner for jobs of kind {job.kind!r}")
            runner(job.payload)
        except (PermanentJobError, KeyError, TypeError) as exc:
            log.error("job %s (%s) failed for good: %s: %s", job.id, job.kind, type(exc).__name__, exc)
            return f"{type(exc).__name__}: {exc}", False
        except Exception as exc:
            log.warning("job %s (%s) attempt %s failed: %s: %s", job.id, job.kind, job.attempt,
                        type(exc).__name__, exc, exc_info=True)
            return f"{type(exc).__name__}: {exc}", True
        return "", False

    def run_next(self, runners: Mapping[str, Runner], *, only: Collection[str] | None = None) -> bool:
        """Claim one job (of the kinds in `only`, if given) and run it (see `run_claimed`); False
        when there was nothing to run."""
        job = self.claim(only)
        if job is None:
            return False
        self.run_claimed(job, runners)
        return True

    def recent(self, *, state: str | None = None, limit: int = 50) -> list[JobView]:
        """The newest jobs first, optionally only those in `state` (queued, running, done, failed)."""
        with self.db.read() as session:
            stmt = select(Job).order_by(Job.id.desc()).limit(limit)
            if state:
                stmt = stmt.where(Job.state == state)
            return [JobView(job.id, job.kind, job.state, job.attempts, job.error, job.unique_key or "",
                            job.created_at, job.updated_at, job.run_after)
                    for job in session.scalars(stmt)]

    def count(self, state: str) -> int:
        """How many jobs are in `state`."""
        with self.db.read() as session:
            return int(session.scalar(select(func.count()).select_from(Job).where(Job.state == state))
                       or 0)

    def prune(self) -> int:
        """Delete finished rows older than `keep_seconds`."""
        cutoff = self.clock() - self.keep
        with self.db.session() as session:
            result = session.execute(
                delete(Job).where(Job.state.in_((DONE, FAILED)), Job.updated_at < cutoff))
            return int(result.rowcount)  # type: ignore[attr-defined]
