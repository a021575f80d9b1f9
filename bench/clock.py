"""The clock's work at scale, and worker throughput.

Seeds N open cases (each with its 90-day inventory deadline; 1% of them due now, 1% quiet with
steps to do) and M blocklist entries (0.1% of the listed ones not re-confirmed in time) into a
temporary SQLite file, then times one tick's work — finding the due reminders, nudges and expired
listings and queuing them in `reminders.batch` and `expiry.batch` jobs, each part committed —
beside the raw indexed SQL that only selects those due rows, in the same run, and then the
worker's run of those batches (marking the reminders and queuing a notify job each, moving the
expired listings with their audit rows). Then worker throughput for no-op jobs, in jobs/s, on
SQLite and (when reachable) PostgreSQL.

    .venv/bin/python -m bench clock                     # short: 10,000 cases, 100,000 entries
    .venv/bin/python -m bench.clock --full              # 100,000 cases, 1,000,000 entries
    CLOCK_BENCH_PG=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python -m bench clock
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, delete, func, insert, or_, select, text, update
from sqlalchemy.engine import make_url

from chatbot.app import SellerGuard
from chatbot.blocklist.models import Entry
from chatbot.config import Settings, _database_url
from chatbot.db import Database
from chatbot.db.migrate import upgrade
from chatbot.jobs import Job, JobQueue
from chatbot.notices.checklists import TYPES, checklist
from chatbot.notices.models import Case, CaseDeadline
from chatbot.schedule import expiry, reminders
from chatbot.worker import Worker, for_app

NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai: reminders are due
BATCH = 20_000


def seed(db: Database, cases: int, entries: int) -> None:
    due_every, quiet_every, stale_every = 100, 100, 1000
    with db.engine.begin() as conn:
        for start in range(0, cases, BATCH):
            rows, deadlines = [], []
            for n in range(start, min(start + BATCH, cases)):
                quiet = n % quiet_every == 1
                touched = NOW - timedelta(days=30 if quiet else 1)
                rows.append({"id": n + 1, "platform": "console", "user_id": f"seller{n % 5000}",
                             "status": "open", "lang": "en", "complaint_type": "copyright",
                             "complaint_id": "", "asins": [], "rights_owner": "", "rights_owner_email": "",
                             "ip_numbers": {}, "marketplace": "", "notice_text": "", "storefront_urls": [],
                             "brand": "", "steps": {} if quiet else {"verify_notice": "done"},
                             "created_at": touched, "updated_at": touched})
                due = NOW - timedelta(hours=1) if n % due_every == 0 else NOW + timedelta(days=1 + n % 89)
                deadlines.append({"case_id": n + 1, "kind": "inventory_removal", "due_at": due,
                                  "note": {"from": "2026-09-01", "days": 90}, "reminded_at": None,
                                  "created_at": touched})
            conn.execute(insert(Case.__table__), rows)
            conn.execute(insert(CaseDeadline.__table__), deadlines)
        for start in range(0, entries, BATCH):
            rows = []
            for n in range(start, min(start + BATCH, entries)):
                listed = NOW - timedelta(days=400 if n % stale_every == 1 else 30)
                unit = f"copy-brand-{n:07d}.com"
                rows.append({"unit": unit, "unicode_unit": unit, "registrable": unit, "shared_platform": None,
                             "state": "listed" if n % 10 else "reported", "reasons": "copycat-store",
                             "reporters": 1, "flags": "", "note": "", "first_reported": listed,
                             "listed_at": listed, "updated_at": listed})
            conn.execute(insert(Entry.__table__), rows)


RAW = (
    # the due deadlines of open cases (partial index of unreminded deadlines by date)
    "SELECT d.id, d.kind, d.due_at, d.note, c.id, c.platform, c.user_id, c.lang FROM case_deadlines d "
    "JOIN cases c ON c.id = d.case_id WHERE d.reminded_at IS NULL AND d.due_at < :before "
    "AND d.kind != 'follow_up' AND c.status = 'open'",
    # quiet open cases not nudged since their last change (partial index of open cases by change)
    "SELECT c.id, c.steps FROM cases c LEFT JOIN case_deadlines f ON f.case_id = c.id "
    "AND f.kind = 'follow_up' WHERE c.status = 'open' AND c.updated_at <= :cutoff "
    "AND (f.id IS NULL OR f.reminded_at < c.updated_at)",
    # listings not re-confirmed in time
    "SELECT id FROM blocklist_entries WHERE state = 'listed' AND listed_at < :stale",
)


def _params(settings: Settings) -> dict[str, datetime]:
    due = reminders.last_due_date(NOW, settings) + timedelta(days=1)
    return {"before": datetime(due.year, due.month, due.day, tzinfo=UTC),
            "cutoff": NOW - timedelta(days=settings.nudge_days),
            "stale": NOW - timedelta(days=settings.listing_ttl_days)}


def raw_select(db: Database, settings: Settings) -> tuple[float, float, float, int]:
    """The indexed SQL that only selects the due rows: (seconds in all, from taking a connection
    to giving it back; seconds of the reminders' two statements; of expiry's; rows)."""
    params = _params(settings)
    rows, seconds = 0, []
    started = time.perf_counter()
    with db.engine.connect() as conn:
        for sql in RAW:
            begun = time.perf_counter()
            rows += len(conn.execute(text(sql), params).all())
            seconds.append(time.perf_counter() - begun)
    return time.perf_counter() - started, seconds[0] + seconds[1], seconds[2], rows


def undo(db: Database) -> None:
    """Put the due work back as the seed left it (the audit log is append-only: its rows stay)."""
    deadlines, entries = CaseDeadline.__table__, Entry.__table__
    with db.engine.begin() as conn:
        batch_kinds = [reminders.BATCH_KIND, expiry.BATCH_KIND]
        conn.execute(delete(Job.__table__).where(or_(Job.kind.like("notify.%"), Job.kind.in_(batch_kinds))))
        conn.execute(delete(deadlines).where(deadlines.c.kind == reminders.FOLLOW_UP))
        conn.execute(update(deadlines).where(deadlines.c.reminded_at.is_not(None)).values(reminded_at=None))
        conn.execute(update(entries).where(entries.c.state == "reported", entries.c.updated_at == NOW)
                     .values(state="listed", updated_at=entries.c.listed_at))
    raw = db.engine.raw_connection()  # outside a transaction: no timed commit copies the undo back
    try:
        raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()


def tick(guard: SellerGuard, at: datetime = NOW) -> tuple[float, float, int]:
    """One tick's work, all `scheduled.reminders` and `scheduled.expiry` do, each part committed:
    (seconds for reminders and nudges, seconds for expiry, items found and enqueued)."""
    started = time.perf_counter()
    run = reminders.run(guard, at)
    found = time.perf_counter()
    expired = expiry.run(guard, at)
    return found - started, time.perf_counter() - found, run.reminders + run.nudges + expired


def clock_work(cases: int, entries: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="clock-bench-"))
    try:
        _clock_work(work, cases, entries)
    finally:
        shutil.rmtree(work, ignore_errors=True)  # a --full run leaves half a gigabyte


def _median(runs: list[tuple[float, float, int]]) -> tuple[float, float, float]:
    """Medians of (both parts, the first part, the second part) over `runs`."""
    return (statistics.median(first + second for first, second, _ in runs),
            statistics.median(first for first, _, _ in runs),
            statistics.median(second for _, second, _ in runs))


def _clock_work(work: Path, cases: int, entries: int) -> None:
    settings = replace(Settings(database_url=f"sqlite:///{work / 'clock.db'}"), reminder_lead_days=0)
    db = Database(settings.database_url)
    upgrade(db)
    started = time.perf_counter()
    seed(db, cases, entries)
    print(f"seeded {cases:,} open cases and {entries:,} blocklist entries in "
          f"{time.perf_counter() - started:.1f} s (SQLite)")
    guard = SellerGuard(settings, db=db)
    # A running worker has its checklists loaded and its statements compiled: a tick at a time
    # when nothing is due warms both, as the raw select's first of three runs warms its caches.
    for complaint_type in TYPES:
        checklist(complaint_type)
    tick(guard, NOW - timedelta(days=400))
    first = tick(guard)
    # Three rounds, each on the seed's due work put back (the WAL checkpointed, outside the
    # timing): the raw select once to warm the pages both read, then timed, then the tick timed.
    # Medians of the three; the first tick above compiled the job inserts and is printed as well.
    raw_runs, runs = [], []
    for _ in range(3):
        undo(db)
        raw_select(db, settings)
        raw_runs.append(raw_select(db, settings))
        runs.append(tick(guard))
    raw = statistics.median(run[0] for run in raw_runs)
    raw_reminders = statistics.median(run[1] for run in raw_runs)
    raw_expiry = statistics.median(run[2] for run in raw_runs)
    due_rows = raw_runs[0][3]
    seconds, for_reminders, for_expiry = _median(runs)
    done = runs[-1][2]
    # The worker's half: the last round's batches (their statements compiled in this run).
    worker = for_app(guard, kinds=(reminders.BATCH_KIND, expiry.BATCH_KIND))  # kinds loaded untimed
    started = time.perf_counter()
    ran = worker.drain()
    batches = time.perf_counter() - started
    with db.engine.connect() as conn:
        notify_jobs = conn.execute(select(func.count()).select_from(Job.__table__)
                                   .where(Job.kind.like("notify.%"))).scalar_one()
        moved = conn.execute(select(func.count()).select_from(Entry.__table__)
                             .where(Entry.updated_at == NOW, Entry.state == "reported")).scalar_one()
    again = tick(guard)
    rows = [("raw indexed SQL selecting the due rows", raw, f"{due_rows:,} rows", ""),
            ("  of which deadlines and quiet cases", raw_reminders, "", ""),
            ("  of which expired listings", raw_expiry, "", ""),
            ("one tick: find, enqueue batches, commit", seconds, f"{done:,} items",
             f"{seconds / raw:.2f}x raw select"),
            ("  reminders and nudges", for_reminders, "",
             f"{for_reminders / raw_reminders:.2f}x their raw select"),
            ("  expiry", for_expiry, "", f"{for_expiry / raw_expiry:.2f}x its raw select"),
            ("the first such tick (compiles its job inserts)", first[0] + first[1], f"{first[2]:,} items",
             f"{(first[0] + first[1]) / raw:.2f}x raw select"),
            ("worker: the batches (mark, notify jobs, move+audit)", batches,
             f"{ran} batches, {notify_jobs:,} notify jobs, {moved:,} listings moved", ""),
            ("the same tick again (finds nothing left)", again[0] + again[1], f"{again[2]} items",
             f"{(again[0] + again[1]) / raw:.2f}x raw select")]
    for label, value, count, ratio in rows:
        print(f"{label:<52} {value * 1000:>8.1f} ms  {f'({count})' if count else ''}  {ratio}".rstrip())
    print("aim: a tick at most 2x the raw select of its due rows")
    db.dispose()


def throughput(url: str, jobs: int) -> float:
    db = Database(url)
    upgrade(db)
    queue = JobQueue(db)
    with db.engine.begin() as conn:
        conn.execute(insert(Job.__table__), [
            {"kind": "noop", "payload": {"n": n}, "state": "queued", "attempts": 0, "error": "",
             "created_at": NOW, "updated_at": NOW} for n in range(jobs)])
    worker = Worker(queue, {"noop": lambda payload: None})
    started = time.perf_counter()
    ran = worker.drain()
    elapsed = time.perf_counter() - started
    db.dispose()
    assert ran == jobs, (ran, jobs)
    return jobs / elapsed


def _postgres(base: str) -> tuple[str, object] | None:
    try:
        url = make_url(_database_url(base))
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        name = f"clock_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        print(f"PostgreSQL not reachable at {base} ({type(exc).__name__}); skipped")
        return None

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench.clock")
    parser.add_argument("--full", action="store_true", help="100,000 cases and 1,000,000 entries")
    parser.add_argument("--jobs", type=int, default=None, help="no-op jobs for the throughput run")
    args = parser.parse_args(sys.argv[1:] if argv is None and __name__ == "__main__" else argv or [])
    cases, entries = (100_000, 1_000_000) if args.full else (10_000, 100_000)
    clock_work(cases, entries)
    jobs = args.jobs or (10_000 if args.full else 500)
    work = Path(tempfile.mkdtemp(prefix="worker-bench-"))
    try:
        rate = throughput(f"sqlite:///{work / 'worker.db'}", jobs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"worker, one thread, {jobs:,} no-op jobs: SQLite {rate:,.0f} jobs/s")
    pg = _postgres(os.environ.get("CLOCK_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres"))
    if pg is not None:
        url, drop = pg
        try:
            print(f"worker, one thread, {jobs:,} no-op jobs: PostgreSQL {throughput(url, jobs):,.0f} jobs/s")
        finally:
            drop()  # type: ignore[operator]


if __name__ == "__main__":
    main()
