"""Case reminders: every stored deadline, once, and a nudge for cases left with steps to do.

A deadline (chatbot/notices/models.py `CaseDeadline`: the 90-day inventory date, the APEX answer,
the counter-notice restore window) is announced at SELLERGUARD_REMINDER_AT local time,
SELLERGUARD_REMINDER_LEAD_DAYS days before its date. An open case whose checklist has steps to
do and that nobody touched for SELLERGUARD_NUDGE_DAYS days gets a nudge (recorded as its
"follow_up" deadline, so it is sent once per quiet spell).

Each reminder becomes a `notify.<platform>` job (a Slack DM, WeCom when that platform registers
its kind) or, for terminal users and platforms that cannot push, an inbox row; the job and the
"reminded" mark are written in one transaction, so a reminder is enqueued exactly once even if
the tick runs twice, and one due while every process was down goes out on the next tick.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.orm import aliased

from chatbot import jobkinds
from chatbot.app import SellerGuard
from chatbot.conversation import Lang
from chatbot.i18n import normalize_lang, t
from chatbot.jobs import JobQueue
from chatbot.notices.checklists import checklist
from chatbot.notices.models import Case, CaseDeadline
from chatbot.schedule import times

INBOX_KIND = "notify.inbox"
FOLLOW_UP = "follow_up"
BATCH = 500  # deadlines or cases handled per transaction


@dataclass(frozen=True)
class ReminderRun:
    """What one tick enqueued."""

    reminders: int
    nudges: int


def remind_at(due: date, guard: SellerGuard) -> datetime:
    """When the reminder of a deadline dated `due` goes out (UTC)."""
    settings = guard.settings
    return times.at_local(due - timedelta(days=settings.reminder_lead_days), settings.reminder_at, settings)


def notify_kind(platform: str, guard: SellerGuard) -> str:
    """The job kind that pushes a message to a member of `platform`, or the inbox."""
    kind = f"notify.{platform}"
    return kind if platform != "console" and jobkinds.is_registered(kind, guard.settings) else INBOX_KIND


def run(guard: SellerGuard, now: datetime) -> ReminderRun:
    """Enqueue every reminder and nudge due at `now` (UTC, aware) that was not sent yet."""
    return ReminderRun(_deadlines(guard, now), _nudges(guard, now))


def _deadlines(guard: SellerGuard, now: datetime) -> int:
    settings = guard.settings
    # The newest due date whose reminder time has come; the lead days and the time zone's offset
    # (at most a day) are covered by the day of slack, the exact time is checked per row.
    horizon = now + timedelta(days=settings.reminder_lead_days + 1)
    queue = JobQueue(guard.db, clock=lambda: now)
    sent = 0
    while True:
        with guard.db.session() as session:
            rows = session.execute(
                select(CaseDeadline.id, CaseDeadline.kind, CaseDeadline.due_at, CaseDeadline.note,
                       Case.id, Case.platform, Case.user_id, Case.lang)
                .join(Case, Case.id == CaseDeadline.case_id)
                .where(CaseDeadline.reminded_at.is_(None), CaseDeadline.due_at <= horizon,
                       CaseDeadline.kind != FOLLOW_UP, Case.status == "open")
                .order_by(CaseDeadline.due_at, CaseDeadline.id).limit(BATCH)).all()
            ready = [row for row in rows if remind_at(row[2].date(), guard) <= now]
            jobs = []
            for deadline_id, kind, due_at, note, case_id, platform, user, lang in ready:
                text = _deadline_text(kind, due_at, note, case_id, normalize_lang(lang) or "en")
                key = f"reminder:{deadline_id}:{due_at.date().isoformat()}"
                jobs.append(_job(guard, platform, user, text, key))
            queue.add_many(session, jobs)
            if ready:
                session.execute(update(CaseDeadline).where(CaseDeadline.id.in_([row[0] for row in ready]))
                                .values(reminded_at=now))
            sent += len(ready)
        if len(rows) < BATCH or len(ready) < len(rows):
            return sent


def _deadline_text(kind: str, due_at: datetime, note: dict[str, Any] | None, case_id: int, lang: Lang) -> str:
    note = dict(note or {})
    names = note.get("holidays") or []
    params = {"case": case_id, "due": due_at.date().isoformat(), "start": note.get("from", ""),
              "filed": note.get("filed", ""), "kind": kind,
              "calendar": t("schedule.calendar_us", lang),
              "holidays": t("schedule.reminder.holidays_note", lang, names=", ".join(names)) if names else ""}
    key = kind if kind in ("inventory_removal", "apex_response", "counter_notice_restore_from",
                           "counter_notice_restore_by") else "other"
    return t(f"schedule.reminder.{key}", lang, **params)


def _nudges(guard: SellerGuard, now: datetime) -> int:
    days = guard.settings.nudge_days
    cutoff = now - timedelta(days=days)
    follow = aliased(CaseDeadline)
    queue = JobQueue(guard.db, clock=lambda: now)
    sent = 0
    last_id = 0
    while True:
        with guard.db.session() as session:
            rows = session.execute(
                select(Case.id, Case.complaint_type, Case.steps, Case.lang, Case.platform, Case.user_id,
                       Case.updated_at, follow.id)
                .outerjoin(follow, and_(follow.case_id == Case.id, follow.kind == FOLLOW_UP))
                .where(Case.status == "open", Case.updated_at <= cutoff, Case.id > last_id,
                       or_(follow.id.is_(None), follow.reminded_at < Case.updated_at))
                .order_by(Case.id).limit(BATCH)).all()
            jobs, new_marks, old_marks = [], [], []
            for case_id, complaint_type, steps, lang_code, platform, user, updated_at, follow_id in rows:
                last_id = case_id
                todo = [step for step in checklist(complaint_type).steps if step.id not in (steps or {})]
                if not todo:
                    continue
                lang = normalize_lang(lang_code) or "en"
                text = t("schedule.nudge", lang, case=case_id, count=len(todo), days=days,
                         step=todo[0].title(lang))
                jobs.append(_job(guard, platform, user, text, f"nudge:{case_id}:{updated_at.isoformat()}"))
                if follow_id is None:
                    new_marks.append({"case_id": case_id, "kind": FOLLOW_UP, "due_at": now,
                                      "note": {"nudge": True}, "reminded_at": now, "created_at": now})
                else:
                    old_marks.append(follow_id)
            queue.add_many(session, jobs)
            if new_marks:
                session.execute(insert(CaseDeadline.__table__), new_marks)
            if old_marks:
                session.execute(update(CaseDeadline).where(CaseDeadline.id.in_(old_marks))
                                .values(due_at=now, reminded_at=now))
            sent += len(jobs)
        if len(rows) < BATCH:
            return sent


def _job(guard: SellerGuard, platform: str, user: str, text: str,
         key: str) -> tuple[str, dict[str, Any], str]:
    return (notify_kind(platform, guard), {"platform": platform, "user": user, "text": text, "key": key}, key)
