"""Blocklist at scale: seed N entries (default 1,000,000) into a temporary SQLite file, then print
lookup latency through BlocklistService.check beside a raw indexed SQL lookup, export time and
peak memory (streamed), and the import rate.

    .venv/bin/python -m bench blocklist                 # 1,000,000 entries
    .venv/bin/python -m bench.blocklist --entries 100000 --lookups 2000
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path

from chatbot.blocklist import lookup
from chatbot.blocklist.export import export, feed_version, import_rows, read_rows
from chatbot.blocklist.normalize import normalize_site
from chatbot.blocklist.service import Actor, BlocklistService
from chatbot.config import Settings
from chatbot.context import Context
from chatbot.db import Database
from chatbot.db.migrate import upgrade

CATEGORIES = ("fake-complaint", "copycat-store", "scam-email", "other", "copycat-store,fake-complaint")
STATES = ("listed",) * 9 + ("reported",)


def unit_of(n: int) -> str:
    # A realistic mix: registrable domains on a few TLDs, and stores on shared platforms.
    kind = n % 5
    if kind == 3:
        return f"store-{n:07d}.myshopify.com"
    if kind == 4:
        return f"deals-{n:07d}.myshoplaza.com"
    return f"copy-brand-{n:07d}.{('com', 'shop', 'net')[kind]}"


def seed(db: Database, entries: int, batch: int = 50_000) -> float:
    started = time.perf_counter()
    base = datetime(2025, 1, 1, tzinfo=UTC)
    sql = ("INSERT INTO blocklist_entries (unit, unicode_unit, registrable, shared_platform, state, reasons, "
           "reporters, flags, note, first_reported, listed_at, updated_at) "
           "VALUES (?, ?, ?, ?, ?, ?, ?, '', '', ?, ?, ?)")
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("BEGIN")
        for start in range(0, entries, batch):
            rows = []
            for n in range(start, min(start + batch, entries)):
                unit = unit_of(n)
                shared = next((p for p in ("myshopify.com", "myshoplaza.com") if unit.endswith(p)), None)
                # The text SQLAlchemy writes for a UTC timestamp on SQLite.
                when = (base + timedelta(minutes=n % 500_000)).strftime("%Y-%m-%d %H:%M:%S.%f")
                state = STATES[n % len(STATES)]
                rows.append((unit, unit, shared or unit, shared, state, CATEGORIES[n % len(CATEGORIES)],
                             1 + n % 4, when, when if state == "listed" else None, when))
            cursor.executemany(sql, rows)
        cursor.execute("COMMIT")
    finally:
        raw.close()
    return time.perf_counter() - started


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def typed(unit: str, n: int) -> str:
    """What a member types for a unit: mostly the bare domain, sometimes a URL or capitals."""
    if n % 10 < 2:  # 20%: a pasted link (a www. host on own domains, the store host on platforms)
        host = unit if unit.count(".") > 1 else f"www.{unit}"
        return f"https://{host}/products/item-{n % 97}?ref=complaint"
    if n % 10 == 2:  # 10%: typed in capitals
        return unit.upper()
    return unit


LOOKUP_MIX = ("lookups: {total:,} in {rounds} rounds: uniform over the {entries:,} entries (nearly all "
              "distinct), plus 10% never reported; typed as 70% bare domain, 20% URL, 10% capitals")
RAW_SQL = ("SELECT id, state, reasons, reporters, first_reported, listed_at FROM blocklist_entries "
           "WHERE unit = ?")


def lookups(db: Database, service: BlocklistService, entries: int, count: int, rounds: int = 4) -> None:
    rng = random.Random(5)
    sql = RAW_SQL
    own_sql = lookup._sql(lookup._FOUND, "sqlite")
    raw = db.engine.raw_connection()  # the same driver and database; a plain cursor, no pool in the loop
    times: dict[str, list[float]] = {"service": [], "raw": [], "own": [], "normalise": []}
    total = 0
    try:
        cursor = raw.cursor()

        def run_service(units: list[tuple[str, str]]) -> None:
            for text, _unit in units:
                started = time.perf_counter()
                service.check(text)
                times["service"].append(time.perf_counter() - started)

        def run_raw(units: list[tuple[str, str]]) -> None:
            for _text, unit in units:
                started = time.perf_counter()
                cursor.execute(sql, (unit,))
                cursor.fetchall()
                times["raw"].append(time.perf_counter() - started)

        for unit in (unit_of(rng.randrange(entries)) for _ in range(200)):  # warm both paths
            service.check(unit)
            cursor.execute(sql, (unit,)).fetchall()
        for round_no in range(rounds):
            units = [unit_of(rng.randrange(entries)) for _ in range(count)]
            # Misses are lookups too.
            units += [f"never-reported-{round_no}-{n}.com" for n in range(count // 10)]
            rng.shuffle(units)
            pairs = [(typed(unit, rng.randrange(10)), unit) for unit in units]
            total += len(pairs)
            # Alternate which goes first, so neither always finds the pages the other just read.
            first, second = (run_service, run_raw) if round_no % 2 == 0 else (run_raw, run_service)
            first(pairs)
            second(pairs)
            for text, unit in pairs:
                started = time.perf_counter()
                normalize_site(text)
                times["normalise"].append(time.perf_counter() - started)
                started = time.perf_counter()
                cursor.execute(own_sql, (unit,))
                cursor.fetchall()
                times["own"].append(time.perf_counter() - started)
    finally:
        raw.close()
    print(LOOKUP_MIX.format(total=total, rounds=rounds, entries=entries))
    for label, key in (("service check()", "service"), ("raw indexed SQL", "raw"),
                       ("  of which: normalising the input", "normalise"),
                       ("  of which: the service's own query", "own")):
        print(f"  {label:36} median {statistics.median(times[key]) * 1e6:7.1f} µs   "
              f"p99 {percentile(times[key], 0.99) * 1e6:7.1f} µs")
    for label, q in (("median", 0.5), ("p99", 0.99)):
        ratio = percentile(times["service"], q) / percentile(times["raw"], q)
        print(f"  ratio service/raw ({label}): {ratio:.1f}x")


def _drain(chunks: Iterator[str], out: io.TextIOBase | None = None) -> int:
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if out is not None:
            out.write(chunk)
    return size


def exports(db: Database, listed: int, folder: Path) -> Path:
    for fmt in ("csv", "json", "txt"):
        started = time.perf_counter()
        size = _drain(export(db, fmt))
        elapsed = time.perf_counter() - started
        print(f"export {fmt:4}: {listed:,} listed rows, {size / 1e6:6.1f} MB in {elapsed:5.1f} s "
              f"({listed / elapsed:,.0f} rows/s)")
    # Peak Python memory while streaming (tracemalloc slows the run, so it is measured apart).
    for rows in (max(1, listed // 10), listed):
        tracemalloc.start()
        _drain(islice(export(db, "csv"), max(1, rows // 1000)))
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"export peak memory for ~{rows:,} rows: {peak / 1e6:.1f} MB")
    times = []
    for _ in range(200):
        started = time.perf_counter()
        feed_version(db, "csv", None)
        times.append(time.perf_counter() - started)
    print(f"feed ETag (what a 304 costs): median {statistics.median(times) * 1e6:.0f} µs")
    path = folder / "export.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        _drain(export(db, "csv"), handle)  # type: ignore[arg-type]
    return path


def imports(path: Path, folder: Path, rows: int) -> None:
    target = Database(f"sqlite:///{folder / 'import.db'}")
    upgrade(target)
    with path.open(encoding="utf-8", newline="") as handle:
        started = time.perf_counter()
        result = import_rows(target, Actor("console:bench", True), islice(read_rows(handle, "csv"), rows),
                             datetime.now(UTC))
        elapsed = time.perf_counter() - started
    print(f"import: {result.created:,} rows in {elapsed:.1f} s = {result.created / elapsed:,.0f} rows/s")
    with path.open(encoding="utf-8", newline="") as handle:
        started = time.perf_counter()
        again = import_rows(target, Actor("console:bench", True), islice(read_rows(handle, "csv"), rows),
                            datetime.now(UTC))
        elapsed = time.perf_counter() - started
    print(f"import again (idempotent): {again.unchanged:,} unchanged, {again.created} added "
          f"in {elapsed:.1f} s")
    target.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench.blocklist")
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=5000)
    parser.add_argument("--import-rows", type=int, default=200_000,
                        help="rows of the export to import again (the rate is what is printed)")
    args = parser.parse_args(sys.argv[1:] if argv is None and __name__ == "__main__" else argv or [])
    with tempfile.TemporaryDirectory(prefix="sg-bench-") as tmp:
        folder = Path(tmp)
        db = Database(f"sqlite:///{folder / 'blocklist.db'}")
        upgrade(db)
        elapsed = seed(db, args.entries)
        print(f"seeded {args.entries:,} entries in {elapsed:.1f} s ({args.entries / elapsed:,.0f} rows/s), "
              f"file {os.path.getsize(folder / 'blocklist.db') / 1e6:.0f} MB")
        service = BlocklistService(Context(settings=Settings(database_url=db.url), db=db))
        lookups(db, service, args.entries, args.lookups)
        listed = sum(1 for n in range(args.entries) if STATES[n % len(STATES)] == "listed")
        path = exports(db, listed, folder)
        imports(path, folder, min(args.import_rows, listed))
        db.dispose()


if __name__ == "__main__":
    main()
