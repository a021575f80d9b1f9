"""Case reminders: every stored deadline, once, and a nudge for cases left with steps to do.

A deadline (chatbot/notices/models.py `CaseDeadline`: the 90-day inventory date, the APEX answer,
the counter-notice restore window) is announced at SELLERGUARD_REMINDER_AT local time,
SELLERGUARD_REMINDER_LEAD_DAYS days before its date. An open case that nobody touched for
SELLERGUARD_NUDGE_DAYS days gets a nudge if its checklist has steps to do (recorded as its
"follow_up" deadline, so it is sent once per quiet spell).

A tick only finds and enqueues: it selects the ids of the due deadlines and of the quiet cases
(reading the partial indexes, writing none of those rows) and queues them in `reminders.batch`
jobs (chatbot/schedule/batches.py), a job per 1,000 reminders, in one transaction. The worker does
every write: running a batch marks its deadlines reminded and records its quiet cases' follow-ups,
each statement restricted to the batch's ids and checking again that the reminder is still due,
and queues one `notify.<platform>` job (a Slack DM, WeCom when that platform registers its kind)
or inbox row per row it marked, each with its own unique key, in one transaction. So two ticks
that queue the same reminder before a worker runs them, or a batch run again after a crash,
deliver it once (only the first mark returns its row), and one due while every process was down
goes out on the next tick.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Insert,
    Select,
    Update,
    and_,
    bindparam,
    exists,
    literal,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased

from chatbot import jobkinds
from chatbot.app import SellerGuard
from chatbot.config import Settings
from chatbot.db.base import UTCDateTime
from chatbot.jobs import JobQueue
from chatbot.notices.models import Case, CaseDeadline
from chatbot.schedule import times

INBOX_KIND = "notify.inbox"
BATCH_KIND = "reminders.batch"
FOLLOW_UP = "follow_up"
OPEN = "open"
BATCH = 1000  # reminders per batch job
deadlines, cases = CaseDeadline.__table__, Case.__table__


@dataclass(frozen=True)
class ReminderRun:
    """What one tick found and queued: deadlines due, quiet cases to nudge (the worker skips
    one marked meanwhile, and a nudge whose case has no step left to do)."""

    reminders: int
    nudges: int


def remind_at(due: date, settings: Settings) -> datetime:
    """When the reminder of a deadline dated `due` goes out (UTC, aware)."""
    return times.at_local(due - timedelta(days=settings.reminder_lead_days), settings.reminder_at, settings)


def notify_kind(platform: str, guard: SellerGuard) -> str:
    """The job kind that pushes a message to a member of `platform`, or the inbox."""
    kind = f"notify.{platform}"
    return kind if platform != "console" and jobkinds.is_registered(kind, guard.settings) else INBOX_KIND


def run(guard: SellerGuard, now: datetime) -> ReminderRun:
    """Find every reminder and nudge due at `now` (UTC, aware) that was not sent yet and queue
    them as `reminders.batch` jobs, in one transaction; nothing is marked (the batch does it)."""
    params = {"before": _before(now, guard.settings), "now": now, "cutoff": cutoff(now, guard.settings)}
    with guard.db.engine.begin() as conn:  # the batches commit together, or none
        due = [row[0] for row in conn.execute(_due_deadlines(), params)]
        quiet = [row[0] for row in conn.execute(_quiet_cases(followed=True), params)]
        quiet += [row[0] for row in conn.execute(_quiet_cases(followed=False), params)]
        JobQueue(guard.db, clock=lambda: now).add_many(conn, batch_jobs(now, due, quiet))
    return ReminderRun(len(due), len(quiet))


def cutoff(now: datetime, settings: Settings) -> datetime:
    """The last change time at `now` of a case quiet long enough for a nudge."""
    return now - timedelta(days=settings.nudge_days)


def batch_jobs(now: datetime, due: list[int], quiet: list[int]) -> list[tuple[str, dict[str, Any], str]]:
    """`reminders.batch` jobs for deadline ids `due` and quiet case ids `quiet` found at `now`:
    (kind, payload, unique key) with at most BATCH ids a job. Payload: {"at": ISO-8601 UTC,
    "deadlines": [deadline id, …], "nudges": [case id, …]}."""
    items = [("deadlines", item) for item in due] + [("nudges", item) for item in quiet]
    jobs = []
    for start in range(0, len(items), BATCH):
        payload: dict[str, Any] = {"at": now.isoformat(), "deadlines": [], "nudges": []}
        for key, item in items[start:start + BATCH]:
            payload[key].append(item)
        jobs.append((BATCH_KIND, payload, ""))
    return jobs


def last_due_date(now: datetime, settings: Settings) -> date:
    """The newest deadline date whose reminder time (SELLERGUARD_REMINDER_AT local time, lead
    days before it) has come at `now` (aware). Reminder times grow with the date, so the due
    rows are exactly those dated up to this day: the tick's query reads no row it then skips."""
    day = times.local_date(now, settings) + timedelta(days=settings.reminder_lead_days + 1)
    while remind_at(day, settings) > now:  # at most two steps back from a day that is surely later
        day -= timedelta(days=1)
    return day


def _before(now: datetime, settings: Settings) -> datetime:
    return datetime.combine(last_due_date(now, settings) + timedelta(days=1), time(0), tzinfo=UTC)


# The statements are built once per process (building one costs more than running it). The
# tick's selects find the due rows; the batch's marks (restricted to its :ids, an expanding list)
# check again that each is still due, so only the first mark of a row returns it.
_NOW = bindparam("now", type_=UTCDateTime())
_IDS = bindparam("ids", expanding=True)


def _due() -> tuple[ColumnElement[bool], ...]:
    """Deadlines of open cases not reminded yet, but follow-ups. `reminded_at IS NULL` as
    written matches the partial index of unreminded deadlines; each row's case is looked up by
    its key."""
    is_open = exists().where(cases.c.id == deadlines.c.case_id, cases.c.status == OPEN)
    return deadlines.c.reminded_at.is_(None), deadlines.c.kind != FOLLOW_UP, is_open


@lru_cache(maxsize=1)
def _due_deadlines() -> Select[Any]:
    """Ids of the due deadlines dated before :before."""
    return select(deadlines.c.id).where(*_due(), deadlines.c.due_at < bindparam("before"))


@lru_cache(maxsize=2)
def _quiet_cases(*, followed: bool) -> Select[Any]:
    """`_quiet`, built once: two statements, each matching the partial index on its own."""
    return _quiet(followed=followed)


@lru_cache(maxsize=1)
def mark_deadlines() -> Update:
    """Mark the deadlines :ids still due as reminded at :now; returns their ids."""
    return update(deadlines).where(deadlines.c.id.in_(_IDS), *_due()).values(reminded_at=_NOW).returning(
        deadlines.c.id)


def _quiet(*, followed: bool) -> Select[Any]:
    """Ids of open cases unchanged since :cutoff: with `followed`, those nudged before their
    last change; else those never nudged. The status is a literal, not a bound value, so that
    the statement itself matches the partial index of open cases by last change
    (ix_cases_open_updated), even in a PostgreSQL generic plan of a prepared statement."""
    quiet = (cases.c.status == literal(OPEN, literal_execute=True), cases.c.updated_at <= bindparam("cutoff"))
    follow = aliased(deadlines)
    if followed:
        on = and_(follow.c.case_id == cases.c.id, follow.c.kind == FOLLOW_UP)
        return select(cases.c.id).join(follow, on).where(*quiet, follow.c.reminded_at < cases.c.updated_at)
    never = ~exists().where(follow.c.case_id == cases.c.id, follow.c.kind == FOLLOW_UP)
    return select(cases.c.id).where(*quiet, never)


@lru_cache(maxsize=1)
def mark_follow_ups() -> Update:
    """Move the follow-up of each case of :ids still quiet and nudged before its last change to
    :now; returns the case ids."""
    quiet = _quiet(followed=True).where(cases.c.id.in_(_IDS))
    return (update(deadlines)
            .where(deadlines.c.kind == FOLLOW_UP, deadlines.c.case_id.in_(quiet))
            .values(due_at=_NOW, reminded_at=_NOW, note={"nudge": True}).returning(deadlines.c.case_id))


@lru_cache(maxsize=2)
def insert_follow_ups(dialect: str) -> Insert:
    """Record a follow-up at :now for each case of :ids still quiet and never nudged; returns
    the case ids. A follow-up another batch recorded meanwhile (its case and kind are unique)
    is left alone."""
    rows = _quiet(followed=False).where(cases.c.id.in_(_IDS)).with_only_columns(
        cases.c.id, literal(FOLLOW_UP), _NOW, literal({"nudge": True}, type_=JSON()), _NOW, _NOW)
    insert = sqlite_insert if dialect == "sqlite" else pg_insert
    return (insert(deadlines)  # type: ignore[no-any-return]
            .from_select(["case_id", "kind", "due_at", "note", "reminded_at", "created_at"], rows)
            .on_conflict_do_nothing().returning(deadlines.c.case_id))
