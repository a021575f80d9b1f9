"""The lookup path keeps one read connection per thread: it must never answer from before a write,
never hold a transaction or snapshot between lookups, survive a dropped connection, and stay within
its cap."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, text

from chatbot.blocklist.readers import ReadConnections, readers_for
from chatbot.blocklist.service import Actor, BlocklistService, ReportInput
from chatbot.config import Settings
from chatbot.context import Context
from chatbot.db import Database

ALICE, MOD = Actor("console:alice"), Actor("console:mod", True)


@pytest.fixture
def svc(app) -> BlocklistService:
    return app.ctx.service(BlocklistService)


def report(svc: BlocklistService, url: str = "copy-shop.com") -> dict:
    return svc.report(ALICE, ReportInput(url=url, reason="sent a fake trademark complaint"))


def in_thread(work):
    out: list = []
    thread = threading.Thread(target=lambda: out.append(work()))
    thread.start()
    thread.join()
    return out[0]


def test_every_write_is_seen_by_the_next_lookup_on_the_same_connection(svc, db):
    readers = readers_for(db.engine)
    assert svc.check("copy-shop.com")["state"] == "not_found"
    entry = report(svc)["id"]
    assert svc.check("copy-shop.com")["state"] == "reported"
    svc.approve(MOD, entry)
    assert svc.check("https://www.copy-shop.com/x")["state"] == "listed"
    svc.record_signals("copy-shop.com", {"online": False, "checked_at": datetime(2026, 11, 2, tzinfo=UTC)})
    assert svc.check("copy-shop.com")["liveness"]["online"] is False
    svc.delist(MOD, entry, "taken down")
    assert svc.check("copy-shop.com")["state"] == "delisted"
    assert readers.enabled and readers.open_count == 1  # all of it through one reused connection


def test_writes_from_another_thread_and_another_engine_are_seen(svc, db, database_url):
    assert svc.check("copy-shop.com")["state"] == "not_found"  # this thread's connection is now open
    in_thread(lambda: report(svc))
    assert svc.check("copy-shop.com")["state"] == "reported"
    other = Database(database_url)  # a separate engine and pool, as another process would have
    try:
        entry = BlocklistService(Context(settings=Settings(database_url=database_url), db=other))
        entry.approve(MOD, "copy-shop.com")
    finally:
        other.dispose()
    assert svc.check("copy-shop.com")["state"] == "listed"


def test_no_transaction_or_snapshot_is_held_between_lookups(svc, db, database_url):
    report(svc)
    for site in ("never-reported.com", "copy-shop.com"):
        svc.check(site)
    svc.record_signals("copy-shop.com", {"online": True})  # a write after the lookups
    if db.is_sqlite:
        # A reader still inside a read transaction (its snapshot older than that write) would keep
        # the checkpoint from copying the write back and restarting the log.
        import sqlite3

        path = db.engine.url.database
        with sqlite3.connect(path, isolation_level=None, timeout=0) as other:
            busy, _, _ = other.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        assert busy == 0
    else:
        with db.engine.connect() as conn:
            stuck = conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()")).scalar()
        assert stuck == 0


def test_a_dropped_connection_is_replaced_and_the_lookup_still_answers(svc, db):
    report(svc)
    readers = readers_for(db.engine)
    assert svc.check("copy-shop.com")["state"] == "reported"
    if db.is_sqlite:
        for connection in list(readers._open.values()):
            connection.close()  # as if the file handle went away
    else:
        with db.engine.connect() as conn:  # a server restart, as far as this connection can tell
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    assert svc.check("copy-shop.com")["state"] == "reported"


def test_disposing_the_engine_closes_read_connections(svc, db):
    svc.check("copy-shop.com")
    readers = readers_for(db.engine)
    assert readers.open_count == 1
    db.engine.dispose()
    assert readers.open_count == 0
    report(svc)
    assert svc.check("copy-shop.com")["state"] == "reported"
    assert readers.open_count == 1


def test_threads_beyond_the_cap_use_the_pool_and_get_the_same_answers(svc, db):
    report(svc)
    readers = ReadConnections(db.engine, limit=2)
    query = "SELECT state FROM blocklist_entries WHERE unit = " + ("?" if db.is_sqlite else "%s")

    def state(cursor) -> str:
        cursor.execute(query, ("copy-shop.com",))
        return cursor.fetchall()[0][0]

    answers: list[str] = []
    barrier = threading.Barrier(5)

    def look() -> None:
        barrier.wait()
        answers.extend(readers.run(state) for _ in range(20))

    threads = [threading.Thread(target=look) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == ["reported"] * 100
    assert readers.open_count <= 2


def test_in_memory_sqlite_never_gets_a_private_connection():
    engine = create_engine("sqlite://")
    try:
        assert ReadConnections(engine).enabled is False
    finally:
        engine.dispose()
