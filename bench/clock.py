"""The clock's work at scale, and worker throughput.

Seeds N open cases (each with its 90-day inventory deadline; 1% of them due now, 1% quiet with
steps to do) and M blocklist entries (0.1% of the listed ones not re-confirmed in time) into a
temporary SQLite file, then times one tick's work — finding the due reminders, nudges and
expired listings, and enqueuing them (jobs, marks, audit rows) — beside the raw indexed SQL that
only selects those due rows, in the same run. Then worker throughput for no-op jobs, in jobs/s,
on SQLite and (when reachable) PostgreSQL.

    .venv/bin/python -m bench clock                     # short: 10,000 cases, 100,000 entries
    .venv/bin/python -m bench.clock --full              # 100,000 cases, 1,000,000 entries
    CLOCK_BENCH_PG=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python -m bench clock
"""

from __future__ import annotations

import argparse
import json
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

from sqlalchemy import create_engine, delete, insert, text, update
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
from chatbot.worker import Worker

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


def raw_select(db: Database, settings: Settings) -> tuple[float, int]:
    params = _params(settings)
    started = time.perf_counter()
    rows = 0
    with db.engine.connect() as conn:
        for sql in RAW:
            rows += len(conn.execute(text(sql), params).all())
    return time.perf_counter() - started, rows


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")  # as UTCDateTime stores it


def raw_enqueue(db: Database, settings: Settings) -> tuple[float, int]:
    """The floor under a tick: the same due rows selected and written by hand-written SQL on the
    driver's own connection, as the tick writes them (a job each, the reminded marks, the
    follow-up rows, the moved listings and their audit rows), one committed transaction per
    kind of work. Only SQLite's driver."""
    params = {key: _stamp(value) for key, value in _params(settings).items()}
    now = _stamp(NOW)
    add_jobs = ("INSERT INTO jobs (kind, payload, state, attempts, error, unique_key, created_at, "
                "updated_at) VALUES ('notify.inbox', ?, 'queued', 0, '', ?, ?, ?) ON CONFLICT DO NOTHING")
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        started = time.perf_counter()
        cursor.execute("BEGIN IMMEDIATE")
        due = cursor.execute(RAW[0], params).fetchall()
        cursor.executemany(add_jobs, [(json.dumps({"case": row[4], "kind": row[1], "due": row[2][:10]}),
                                       f"reminder:{row[0]}", now, now) for row in due])
        cursor.execute(f"UPDATE case_deadlines SET reminded_at = ? WHERE id IN ({','.join('?' * len(due))})",
                       [now, *(row[0] for row in due)])
        cursor.execute("COMMIT")
        cursor.execute("BEGIN IMMEDIATE")
        quiet = cursor.execute(RAW[1], params).fetchall()
        cursor.executemany(add_jobs, [(json.dumps({"case": row[0]}), f"nudge:{row[0]}", now, now)
                                      for row in quiet])
        cursor.executemany("INSERT INTO case_deadlines (case_id, kind, due_at, note, reminded_at, "
                           "created_at) VALUES (?, 'follow_up', ?, '{}', ?, ?)",
                           [(row[0], now, now, now) for row in quiet])
        cursor.execute("COMMIT")
        cursor.execute("BEGIN IMMEDIATE")
        stale = cursor.execute(RAW[2], params).fetchall()
        cursor.execute("UPDATE blocklist_entries SET state = 'reported', prior_state = NULL, updated_at = ? "
                       f"WHERE id IN ({','.join('?' * len(stale))})", [now, *(row[0] for row in stale)])
        cursor.executemany('INSERT INTO blocklist_audit (entry_id, actor, action, "before", "after", '
                           "reason, detail, created_at) VALUES (?, 'sellerguard:clock', 'expire', 'listed', "
                           "'reported', 'not re-confirmed', '{}', ?)", [(row[0], now) for row in stale])
        cursor.execute("COMMIT")
        return time.perf_counter() - started, len(due) + len(quiet) + len(stale)
    finally:
        raw.close()


def undo(db: Database) -> None:
    """Put the due work back as the seed left it (the audit log is append-only: its rows stay)."""
    deadlines, entries = CaseDeadline.__table__, Entry.__table__
    with db.engine.begin() as conn:
        conn.execute(delete(Job.__table__).where(Job.kind.like("notify.%")))
        conn.execute(delete(deadlines).where(deadlines.c.kind == reminders.FOLLOW_UP))
        conn.execute(update(deadlines).where(deadlines.c.reminded_at.is_not(None)).values(reminded_at=None))
        conn.execute(update(entries).where(entries.c.state == "reported", entries.c.updated_at == NOW)
                     .values(state="listed", updated_at=entries.c.listed_at))
    raw = db.engine.raw_connection()  # outside a transaction: no timed commit copies the undo back
    try:
        raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()


def tick(guard: SellerGuard, at: datetime = NOW) -> tuple[float, int]:
    started = time.perf_counter()
    run = reminders.run(guard, at)
    expired = expiry.run(guard, at)
    return time.perf_counter() - started, run.reminders + run.nudges + expired


def clock_work(cases: int, entries: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="clock-bench-"))
    try:
        _clock_work(work, cases, entries)
    finally:
        shutil.rmtree(work, ignore_errors=True)  # a --full run leaves half a gigabyte


def _clock_work(work: Path, cases: int, entries: int) -> None:
    settings = replace(Settings(database_url=f"sqlite:///{work / 'clock.db'}"), reminder_lead_days=0)
    db = Database(settings.database_url)
    upgrade(db)
    started = time.perf_counter()
    seed(db, cases, entries)
    print(f"seeded {cases:,} open cases and {entries:,} blocklist entries in "
          f"{time.perf_counter() - started:.1f} s (SQLite)")
    guard = SellerGuard(settings, db=db)
    # A running worker has its checklists loaded and its queries compiled: a tick at a time when
    # nothing is due warms both, as the raw select's first of three runs warms its caches.
    for complaint_type in TYPES:
        checklist(complaint_type)
    tick(guard, NOW - timedelta(days=400))
    raw_runs = [raw_select(db, settings) for _ in range(3)]
    raw_seconds = statistics.median(seconds for seconds, _ in raw_runs)
    due_rows = raw_runs[0][1]
    first, done = tick(guard)
    # A running worker has compiled its writes too: the measured tick is the median of three
    # after the first (printed as well, it compiles them), each on the seed's due work put
    # back; the hand-written writes take turns with it on the same pages.
    ticks, floors = [], []
    for _ in range(3):
        undo(db)
        ticks.append(tick(guard))
        undo(db)
        floors.append(raw_enqueue(db, settings))
    seconds, done = statistics.median(ticks)
    floor, written = statistics.median(floors)
    again, repeat = tick(guard)
    rows = [("raw indexed SQL selecting the due rows", raw_seconds, f"{due_rows:,} rows", ""),
            ("raw SQL selecting them and writing the same rows", floor, f"{written:,} rows",
             f"{floor / raw_seconds:.2f}x raw select"),
            ("one tick: find and enqueue the due work", seconds, f"{done:,} enqueued",
             f"{seconds / raw_seconds:.2f}x raw select, {seconds / floor:.2f}x raw select+write"),
            ("the first such tick (compiles its writes)", first, f"{done:,} enqueued",
             f"{first / raw_seconds:.2f}x raw select, {first / floor:.2f}x raw select+write"),
            ("the same tick again (finds nothing left)", again, f"{repeat} enqueued",
             f"{again / raw_seconds:.2f}x raw select")]
    for label, value, count, ratio in rows:
        print(f"{label:<50} {value * 1000:>8.1f} ms  ({count})  {ratio}".rstrip())
    print("aim: at most 2x raw. Writing a job, a mark and for expiry an audit row per due row costs "
          "more than selecting it, even by hand: the second line is that floor.")
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
