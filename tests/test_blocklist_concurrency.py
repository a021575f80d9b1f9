"""Many members reporting one site at the same moment: one entry, one report each, every report
audited; on SQLite (BEGIN IMMEDIATE + busy_timeout) and PostgreSQL (row locks), each thread with
its own Database, as separate processes would have."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from chatbot.blocklist.models import AuditRow, Entry, Report
from chatbot.blocklist.service import Actor, BlocklistService, ReportInput
from chatbot.context import Context
from chatbot.db import Database

THREADS = 12


def _race(database_url, settings, actors, url):
    barrier = threading.Barrier(len(actors))
    receipts, errors = [], []
    lock = threading.Lock()

    def work(actor: Actor) -> None:
        database = Database(database_url)
        service = BlocklistService(Context(settings=settings, db=database))
        try:
            barrier.wait(timeout=30)
            receipt = service.report(actor, ReportInput(url=url, reason="fake trademark complaint",
                                                        category="fake-complaint"))
            with lock:
                receipts.append(receipt)
        except Exception as exc:  # collected and asserted on below
            with lock:
                errors.append(exc)
        finally:
            database.dispose()

    threads = [threading.Thread(target=work, args=(actor,)) for actor in actors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return receipts


def _counts(db):
    with db.session() as s:
        return (s.scalar(select(func.count(Entry.id))), s.scalar(select(func.count(Report.id))),
                s.scalar(select(func.count(AuditRow.id))), s.scalar(select(Entry.reporters)))


def test_many_members_one_site_one_entry(database_url, db, settings):
    actors = [Actor(f"console:member{n}") for n in range(THREADS)]
    receipts = _race(database_url, settings, actors, "https://same-copy.myshopify.com/products/x")
    assert len({r["id"] for r in receipts}) == 1
    assert sorted(r["reporters"] for r in receipts) == list(range(1, THREADS + 1))
    assert _counts(db) == (1, THREADS, THREADS, THREADS)


def test_one_member_reporting_twice_at_once_counts_once(database_url, db, settings):
    receipts = _race(database_url, settings, [Actor("slack:UDOUBLE")] * 6, "same-copy.com")
    assert sum(1 for r in receipts if not r["duplicate"]) == 1
    assert _counts(db) == (1, 1, 1, 1)


def test_concurrent_auto_listing_lists_once(database_url, db, settings):
    from dataclasses import replace

    listing = replace(settings, auto_list_reporters=3)
    _race(database_url, listing, [Actor(f"console:m{n}") for n in range(8)], "same-copy.com")
    with db.session() as s:
        actions = s.scalars(select(AuditRow.action).order_by(AuditRow.id)).all()
        assert s.scalar(select(Entry.state)) == "listed"
    assert actions.count("auto_list") == 1 and len(actions) == 9
