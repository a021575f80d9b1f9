"""What a clock tick writes and reads: reminder jobs that say what to remind of (the worker words
them in the seller's language), the exact day up to which deadlines are due, one batch job per
thousand marked reminders (the worker fans it out into a notify job each, once however often it
runs), nudges skipping cases with nothing left to do, and the marking statements reading their
partial indexes on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select, text, update

from chatbot.app import SellerGuard
from chatbot.config import Settings
from chatbot.db import Database
from chatbot.i18n import t
from chatbot.jobs import Job, JobQueue, PermanentJobError
from chatbot.notices import views
from chatbot.notices.cases import CaseService, Owner
from chatbot.notices.checklists import checklist
from chatbot.notices.models import Case, CaseDeadline
from chatbot.schedule import batches, inbox, messages, reminders
from chatbot.worker import for_app

SHANGHAI = "Asia/Shanghai"


@pytest.fixture
def guard(settings: Settings, db: Database) -> Iterator[SellerGuard]:
    yield SellerGuard(replace(settings, timezone=SHANGHAI, reminder_at="09:00", reminder_lead_days=0,
                              nudge_days=7), db=db)


def _case(guard: SellerGuard, user: str, opened: datetime, lang: str = "en") -> int:
    guard.ctx.clock = lambda: opened
    return CaseService(guard.ctx).open(Owner("console", user), lang, complaint_type="copyright").id


def _due(guard: SellerGuard, case_id: int, day: date) -> None:
    with guard.db.session() as session:
        session.execute(update(CaseDeadline).where(CaseDeadline.case_id == case_id,
                                                   CaseDeadline.kind == "inventory_removal")
                        .values(due_at=datetime(day.year, day.month, day.day, tzinfo=UTC)))


def _payloads(guard: SellerGuard, about: str) -> list[dict[str, Any]]:
    """The notify jobs' payloads about `about`, once the ticks' batches have run."""
    for_app(guard, kinds=(reminders.BATCH_KIND,)).drain()
    with guard.db.read() as session:
        return [dict(p) for p in session.scalars(select(Job.payload).order_by(Job.id))
                if p.get("message", {}).get("about") == about]


def _drain(guard: SellerGuard) -> int:
    return for_app(guard, kinds=(reminders.BATCH_KIND, "notify.inbox")).drain()


def test_a_reminder_job_says_what_to_remind_of_and_the_worker_words_it(guard: SellerGuard) -> None:
    case_id = _case(guard, "mei", datetime(2026, 9, 1, tzinfo=UTC), lang="zh-Hans")
    _due(guard, case_id, date(2026, 12, 1))
    assert reminders.run(guard, datetime(2026, 12, 1, 1, 0, tzinfo=UTC)).reminders == 1  # 09:00 Shanghai
    [payload] = _payloads(guard, "deadline")
    assert "text" not in payload
    assert payload["message"] == {"about": "deadline", "case": case_id, "kind": "inventory_removal",
                                  "due": "2026-12-01", "lang": "zh-Hans", "note": payload["message"]["note"]}
    _drain(guard)
    said = next(text for text in inbox.unseen(guard, "console", "mei") if "2026-12-01" in text)
    assert said == messages.read(payload["message"]).text()
    assert f"案件 #{case_id}" in said and "2026-12-01" in said


def test_a_nudge_job_names_the_first_step_left_in_the_sellers_language(guard: SellerGuard) -> None:
    opened = datetime(2026, 9, 1, 12, tzinfo=UTC)
    case_id = _case(guard, "lin", opened, lang="zh-Hant")
    assert reminders.run(guard, opened + timedelta(days=7)).nudges == 1
    [payload] = _payloads(guard, "nudge")
    steps = checklist("copyright").steps
    assert payload["message"] == {"about": "nudge", "case": case_id, "type": "copyright",
                                  "todo": len(steps), "step": steps[0].id, "days": 7, "lang": "zh-Hant"}
    _drain(guard)
    [said] = inbox.unseen(guard, "console", "lin")
    assert f"#{case_id}" in said and steps[0].title("zh-Hant") in said


def test_jobs_with_a_ready_text_are_sent_as_they_are_and_a_bad_message_fails_for_good(
        guard: SellerGuard) -> None:
    queue = JobQueue(guard.db)
    queue.enqueue("notify.inbox", {"platform": "console", "user": "old", "text": "queued before",
                                   "key": "k1"})
    bad = queue.enqueue("notify.inbox", {"platform": "console", "user": "old", "key": "k2",
                                         "message": {"about": "deadline", "case": "x"}})
    assert _drain(guard) == 2
    assert inbox.unseen(guard, "console", "old") == ["queued before"]
    [failed] = [job for job in queue.recent(state="failed") if job.id == bad]
    assert failed.attempts == 1 and "malformed" in failed.error


@pytest.mark.parametrize(("utc", "lead", "last"), [
    (datetime(2026, 12, 1, 0, 59, tzinfo=UTC), 0, date(2026, 11, 30)),  # 08:59 in Shanghai
    (datetime(2026, 12, 1, 1, 0, tzinfo=UTC), 0, date(2026, 12, 1)),  # 09:00
    (datetime(2026, 11, 30, 17, 0, tzinfo=UTC), 3, date(2026, 12, 3)),  # 01:00 on 12-01: not yet
    (datetime(2026, 12, 1, 1, 0, tzinfo=UTC), 3, date(2026, 12, 4)),
])
def test_the_last_due_date_is_exact_at_the_local_reminder_time(
        guard: SellerGuard, utc: datetime, lead: int, last: date) -> None:
    settings = replace(guard.settings, reminder_lead_days=lead)
    assert reminders.last_due_date(utc, settings) == last
    after = last + timedelta(days=1)
    assert reminders.remind_at(last, settings) <= utc < reminders.remind_at(after, settings)


def test_nudges_skip_quiet_cases_with_nothing_left_to_do(guard: SellerGuard) -> None:
    opened = datetime(2026, 9, 1, 12, tzinfo=UTC)
    ids = [_case(guard, f"s{n}", opened + timedelta(minutes=n % 3)) for n in range(7)]
    done = {step.id: "done" for step in checklist("copyright").steps}
    with guard.db.session() as session:  # every other case has nothing left to do
        session.execute(update(Case).where(Case.id.in_(ids[::2])).values(steps=done))
    assert reminders.run(guard, opened + timedelta(days=8)).nudges == 7, "each quiet spell is marked"
    assert sorted(p["message"]["case"] for p in _payloads(guard, "nudge")) == sorted(ids[1::2])
    assert reminders.run(guard, opened + timedelta(days=8, minutes=5)).nudges == 0, "once"
    with guard.db.read() as session:  # the case page names no nudge that was not sent
        notes = dict(session.execute(select(CaseDeadline.case_id, CaseDeadline.note)
                                     .where(CaseDeadline.kind == reminders.FOLLOW_UP)).all())
        done_case = session.get(Case, ids[0])
        labels = [label for label, _ in views.deadlines_part(done_case, "en").pairs]
    assert {case_id: note["nudge"] for case_id, note in notes.items()} == {
        case_id: case_id in ids[1::2] for case_id in ids}
    assert labels == [t("notice.deadline.inventory_removal", "en")]


def test_many_due_deadlines_are_marked_at_once_and_batched(guard: SellerGuard,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reminders, "BATCH", 2)
    guard.settings = replace(guard.settings, nudge_days=365)  # deadlines only
    ids = [_case(guard, f"d{n}", datetime(2026, 9, 1, tzinfo=UTC)) for n in range(5)]
    for case_id in ids:
        _due(guard, case_id, date(2026, 12, 1))
    at = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    assert reminders.run(guard, at).reminders == 5
    with guard.db.read() as session:
        batches = session.scalars(select(Job.payload).where(Job.kind == reminders.BATCH_KIND)).all()
    assert sorted(len(payload["deadlines"]) for payload in batches) == [1, 2, 2]
    assert sorted(p["message"]["case"] for p in _payloads(guard, "deadline")) == ids
    assert reminders.run(guard, at + timedelta(minutes=5)).reminders == 0


def test_two_ticks_before_any_batch_runs_deliver_each_reminder_once(guard: SellerGuard) -> None:
    opened = datetime(2026, 9, 1, 12, tzinfo=UTC)
    _due(guard, _case(guard, "twice", opened), date(2026, 9, 8))
    _case(guard, "quiet", opened)
    at = opened + timedelta(days=8)
    first = reminders.run(guard, at)
    assert (first.reminders, first.nudges) == (1, 2)
    with guard.db.read() as session:  # the tick marks nothing: it only finds and enqueues
        assert session.scalar(select(func.count()).select_from(CaseDeadline)
                              .where(CaseDeadline.reminded_at.is_not(None))) == 0
    second = reminders.run(guard, at + timedelta(minutes=5))
    assert (second.reminders, second.nudges) == (1, 2), "not marked yet: found again"
    assert _drain(guard) == 2 + 3, "two batches, then one reminder and two nudges"
    assert len(inbox.unseen(guard, "console", "twice")) == 2, "its reminder and its nudge"
    assert len(inbox.unseen(guard, "console", "quiet")) == 1
    third = reminders.run(guard, at + timedelta(minutes=10))
    assert (third.reminders, third.nudges) == (0, 0)


def test_a_case_closed_or_touched_between_tick_and_batch_gets_nothing(guard: SellerGuard) -> None:
    opened = datetime(2026, 9, 1, 12, tzinfo=UTC)
    closed, touched, kept = (_case(guard, name, opened) for name in ("closed", "touched", "kept"))
    for case_id in (closed, touched, kept):
        _due(guard, case_id, date(2026, 9, 8))
    at = opened + timedelta(days=8)
    found = reminders.run(guard, at)
    assert (found.reminders, found.nudges) == (3, 3)
    guard.ctx.clock = lambda: at
    CaseService(guard.ctx).update(closed, Owner("console", "closed"), status="closed")
    CaseService(guard.ctx).set_step(touched, Owner("console", "touched"), "verify_notice", "done")
    _drain(guard)
    assert inbox.unseen(guard, "console", "closed") == []
    [said] = inbox.unseen(guard, "console", "touched")
    assert "2026-09-08" in said, "its deadline, but no nudge: it is not quiet any more"
    assert len(inbox.unseen(guard, "console", "kept")) == 2
    with guard.db.read() as session:
        reminded = set(session.scalars(select(CaseDeadline.case_id)
                                       .where(CaseDeadline.reminded_at.is_not(None))))
    assert reminded == {touched, kept}, "the closed case is left unmarked"


def test_a_batch_run_again_after_a_crash_delivers_each_reminder_once(guard: SellerGuard) -> None:
    opened = datetime(2026, 9, 1, 12, tzinfo=UTC)
    _due(guard, _case(guard, "crash", opened), date(2026, 9, 8))
    assert reminders.run(guard, opened + timedelta(days=8)).reminders == 1
    with guard.db.read() as session:
        [payload] = session.scalars(select(Job.payload).where(Job.kind == reminders.BATCH_KIND)).all()
    # its worker queued the notify jobs, then died before finishing the batch: it runs again
    assert batches.fan_out(guard, dict(payload)) == 2
    assert batches.fan_out(guard, dict(payload)) == 0, "its marks are taken: nothing twice"
    assert _drain(guard) == 3, "the batch again, then a reminder and a nudge"
    said = inbox.unseen(guard, "console", "crash")
    assert len(said) == 2 and sum("2026-09-08" in text for text in said) == 1


def test_a_malformed_batch_fails_for_good(guard: SellerGuard) -> None:
    with pytest.raises(PermanentJobError, match="malformed"):
        batches.fan_out(guard, {"deadlines": [1]})


def test_the_tick_statements_read_the_partial_indexes(guard: SellerGuard) -> None:
    opened = datetime(2026, 9, 1, 12, tzinfo=UTC)
    for n in range(3):
        _due(guard, _case(guard, f"p{n}", opened + timedelta(minutes=n)), date(2026, 9, 8))
    reminders.run(guard, opened + timedelta(days=8))
    _drain(guard)  # each case has its follow-up now
    seen: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if statement.startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(guard.db.engine, "before_cursor_execute", capture)
    try:
        reminders.run(guard, opened + timedelta(days=30))
    finally:
        event.remove(guard.db.engine, "before_cursor_execute", capture)
    plans = []
    with guard.db.engine.connect() as conn:
        if not guard.db.is_sqlite:  # tiny test tables: ask whether a plan can use the index at all
            conn.execute(text("SET enable_seqscan = off"))
        for statement, parameters in seen:
            explain = "EXPLAIN QUERY PLAN " if guard.db.is_sqlite else "EXPLAIN "
            rows = conn.exec_driver_sql(explain + statement, parameters).all()
            plans.append("\n".join(str(row[-1]) for row in rows))
        conn.rollback()
    assert len(plans) == 3, "due deadlines, quiet cases nudged before, quiet cases never nudged"
    assert "ix_case_deadlines_due_unreminded" in plans[0], plans[0]
    assert all("ix_cases_open_updated" in plan for plan in plans[1:]), plans[1:]
