"""Case reminders: every stored deadline, once, and a nudge for cases left with steps to do.

A deadline (chatbot/notices/models.py `CaseDeadline`: the 90-day inventory date, the APEX answer,
the counter-notice restore window) is announced at SELLERGUARD_REMINDER_AT local time,
SELLERGUARD_REMINDER_LEAD_DAYS days before its date. An open case whose checklist has steps to
do and that nobody touched for SELLERGUARD_NUDGE_DAYS days gets a nudge (recorded as its
"follow_up" deadline, so it is sent once per quiet spell).

Each reminder becomes a `notify.<platform>` job (a Slack DM, WeCom when that platform registers
its kind) or, for terminal users and platforms that cannot push, an inbox row; the job and the
"reminded" mark are written in one transaction, so a reminder is enqueued exactly once even if
the tick runs twice, and one due while every process was down goes out on the next tick. The job
says what to remind of (chatbot/schedule/messages.py); the worker renders the words when it
sends them, so a tick only reads the due rows and writes a few batched statements per 500.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, and_, bindparam, insert, literal, or_, select, tuple_, update
from sqlalchemy.orm import aliased

from chatbot import jobkinds
from chatbot.app import SellerGuard
from chatbot.config import Settings
from chatbot.db.base import UTCDateTime
from chatbot.i18n import normalize_lang
from chatbot.jobs import JobQueue
from chatbot.notices.checklists import checklist
from chatbot.notices.models import Case, CaseDeadline
from chatbot.schedule import times
from chatbot.schedule.messages import DeadlineMessage, Message, NudgeMessage

INBOX_KIND = "notify.inbox"
FOLLOW_UP = "follow_up"
OPEN = "open"
BATCH = 500  # deadlines or cases handled per transaction
deadlines = CaseDeadline.__table__


@dataclass(frozen=True)
class ReminderRun:
    """What one tick enqueued."""

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
    """Enqueue every reminder and nudge due at `now` (UTC, aware) that was not sent yet."""
    return ReminderRun(_deadlines(guard, now), _nudges(guard, now))


def last_due_date(now: datetime, settings: Settings) -> date:
    """The newest deadline date whose reminder time (SELLERGUARD_REMINDER_AT local time, lead
    days before it) has come at `now` (aware). Reminder times grow with the date, so the due
    rows are exactly those dated up to this day: the tick's query reads no row it then skips."""
    day = times.local_date(now, settings) + timedelta(days=settings.reminder_lead_days + 1)
    while remind_at(day, settings) > now:  # at most two steps back from a day that is surely later
        day -= timedelta(days=1)
    return day


def _deadlines(guard: SellerGuard, now: datetime) -> int:
    before = datetime.combine(last_due_date(now, guard.settings) + timedelta(days=1), time(0), tzinfo=UTC)
    queue = JobQueue(guard.db, clock=lambda: now)
    kinds: dict[str, str] = {}  # platform -> job kind, asked once per tick
    sent = 0
    while True:
        with guard.db.engine.begin() as conn:  # Core rows: a tick builds no ORM objects
            rows = conn.execute(_due_deadlines(), {"before": before}).all()
            jobs = []
            for deadline_id, kind, due_at, note, case_id, platform, user, lang in rows:
                message = DeadlineMessage(case_id, kind, due_at.date(), normalize_lang(lang) or "en",
                                          dict(note or {}))
                key = f"reminder:{deadline_id}:{due_at.date().isoformat()}"
                jobs.append(_job(guard, kinds, platform, user, message, key))
            queue.add_many(conn, jobs)
            if rows:
                conn.execute(update(deadlines).where(deadlines.c.id.in_([row[0] for row in rows]))
                             .values(reminded_at=now))
            sent += len(rows)
        if len(rows) < BATCH:
            return sent


def _nudges(guard: SellerGuard, now: datetime) -> int:
    days = guard.settings.nudge_days
    queue = JobQueue(guard.db, clock=lambda: now)
    kinds: dict[str, str] = {}
    params: dict[str, Any] = {"cutoff": now - timedelta(days=days)}
    sent = 0
    while True:
        with guard.db.engine.begin() as conn:
            rows = conn.execute(_quiet_cases(after="last_id" in params), params).all()
            jobs, new_marks, old_marks = [], [], []
            for case_id, complaint_type, steps, lang_code, platform, user, updated_at, follow_id in rows:
                params.update(last_at=updated_at, last_id=case_id)
                todo = [step for step in checklist(complaint_type).steps if step.id not in (steps or {})]
                if not todo:
                    continue
                message = NudgeMessage(case_id, complaint_type, len(todo), todo[0].id, days,
                                       normalize_lang(lang_code) or "en")
                jobs.append(_job(guard, kinds, platform, user, message,
                                 f"nudge:{case_id}:{updated_at.isoformat()}"))
                if follow_id is None:
                    new_marks.append({"case_id": case_id, "kind": FOLLOW_UP, "due_at": now,
                                      "note": {"nudge": True}, "reminded_at": now, "created_at": now})
                else:
                    old_marks.append(follow_id)
            queue.add_many(conn, jobs)
            if new_marks:
                conn.execute(insert(deadlines), new_marks)
            if old_marks:
                conn.execute(update(deadlines).where(deadlines.c.id.in_(old_marks))
                             .values(due_at=now, reminded_at=now))
            sent += len(jobs)
        if len(rows) < BATCH:
            return sent


# The tick's two queries are built once per process (building one costs more than running it).


@lru_cache(maxsize=1)
def _due_deadlines() -> Select[Any]:
    """Deadlines of open cases not reminded yet and dated before :before, oldest first.
    `reminded_at IS NULL` as written matches the partial index of unreminded deadlines."""
    return (select(CaseDeadline.id, CaseDeadline.kind, CaseDeadline.due_at, CaseDeadline.note,
                   Case.id, Case.platform, Case.user_id, Case.lang)
            .join(Case, Case.id == CaseDeadline.case_id)
            .where(CaseDeadline.reminded_at.is_(None), CaseDeadline.due_at < bindparam("before"),
                   CaseDeadline.kind != FOLLOW_UP, Case.status == OPEN)
            .order_by(CaseDeadline.due_at, CaseDeadline.id).limit(BATCH))


@lru_cache(maxsize=2)
def _quiet_cases(*, after: bool) -> Select[Any]:
    """Open cases unchanged since :cutoff and not nudged since their last change, by last
    change; with `after`, those past (:last_at, :last_id), the previous page's last row. The
    status is a literal, not a bound value, so that the statement itself matches the partial
    index of open cases by last change (ix_cases_open_updated), even in a PostgreSQL generic
    plan of a prepared statement."""
    follow = aliased(CaseDeadline)
    stmt = (select(Case.id, Case.complaint_type, Case.steps, Case.lang, Case.platform, Case.user_id,
                   Case.updated_at, follow.id)
            .outerjoin(follow, and_(follow.case_id == Case.id, follow.kind == FOLLOW_UP))
            .where(Case.status == literal(OPEN, literal_execute=True), Case.updated_at <= bindparam("cutoff"),
                   or_(follow.id.is_(None), follow.reminded_at < Case.updated_at))
            .order_by(Case.updated_at, Case.id).limit(BATCH))
    if after:
        stmt = stmt.where(tuple_(Case.updated_at, Case.id) > tuple_(bindparam("last_at", type_=UTCDateTime()),
                                                                    bindparam("last_id")))
    return stmt


def _job(guard: SellerGuard, kinds: dict[str, str], platform: str, user: str, message: Message,
         key: str) -> tuple[str, dict[str, Any], str]:
    if platform not in kinds:
        kinds[platform] = notify_kind(platform, guard)
    payload = {"platform": platform, "user": user, "message": message.fields(), "key": key}
    return kinds[platform], payload, key
