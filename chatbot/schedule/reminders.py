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

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

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


def _lang(case: Case) -> Lang:
    return normalize_lang(case.lang) or "en"


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
                select(CaseDeadline, Case)
                .join(Case, Case.id == CaseDeadline.case_id)
                .where(CaseDeadline.reminded_at.is_(None), CaseDeadline.due_at <= horizon,
                       CaseDeadline.kind != FOLLOW_UP, Case.status == "open")
                .order_by(CaseDeadline.due_at, CaseDeadline.id).limit(BATCH)
                .with_for_update(skip_locked=True)).all()
            ready = [(deadline, case) for deadline, case in rows
                     if remind_at(deadline.due_at.date(), guard) <= now]
            for deadline, case in ready:
                _send(session, queue, guard, case, _deadline_text(deadline, case),
                      key=f"reminder:{deadline.id}:{deadline.due_at.date().isoformat()}")
                deadline.reminded_at = now
            sent += len(ready)
        if len(rows) < BATCH or not ready:
            return sent


def _deadline_text(deadline: CaseDeadline, case: Case) -> str:
    lang = _lang(case)
    note: dict[str, Any] = dict(deadline.note or {})
    names = note.get("holidays") or []
    params = {"case": case.id, "due": deadline.due_at.date().isoformat(), "start": note.get("from", ""),
              "filed": note.get("filed", ""), "kind": deadline.kind,
              "calendar": t("schedule.calendar_us", lang),
              "holidays": t("schedule.reminder.holidays_note", lang, names=", ".join(names)) if names else ""}
    key = deadline.kind if deadline.kind in (
        "inventory_removal", "apex_response", "counter_notice_restore_from",
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
            cases = session.scalars(
                select(Case)
                .outerjoin(follow, and_(follow.case_id == Case.id, follow.kind == FOLLOW_UP))
                .where(Case.status == "open", Case.updated_at <= cutoff, Case.id > last_id,
                       or_(follow.id.is_(None), follow.reminded_at < Case.updated_at))
                .order_by(Case.id).limit(BATCH)).all()
            for case in cases:
                last_id = case.id
                todo = [step for step in checklist(case.complaint_type).steps
                        if step.id not in (case.steps or {})]
                if not todo:
                    continue
                lang = _lang(case)
                text = t("schedule.nudge", lang, case=case.id, count=len(todo), days=days,
                         step=todo[0].title(lang))
                _send(session, queue, guard, case, text,
                      key=f"nudge:{case.id}:{case.updated_at.isoformat()}")
                _mark_follow_up(session, case, now)
                sent += 1
        if len(cases) < BATCH:
            return sent


def _mark_follow_up(session: Session, case: Case, now: datetime) -> None:
    row = session.scalars(select(CaseDeadline).where(CaseDeadline.case_id == case.id,
                                                     CaseDeadline.kind == FOLLOW_UP)).first()
    if row is None:
        session.add(CaseDeadline(case_id=case.id, kind=FOLLOW_UP, due_at=now, note={"nudge": True},
                                 reminded_at=now, created_at=now))
    else:
        row.due_at, row.reminded_at = now, now


def _send(session: Session, queue: JobQueue, guard: SellerGuard, case: Case, text: str, *,
          key: str) -> None:
    try:
        with session.begin_nested():  # a reminder re-armed to a date it had before: sent already
            queue.add(session, notify_kind(case.platform, guard),
                      {"platform": case.platform, "user": case.user_id, "text": text, "key": key},
                      unique_key=key)
    except IntegrityError:
        pass
