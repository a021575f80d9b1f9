"""`reminders.batch`: the worker's half of a clock tick, which marks and delivers.

A tick (chatbot/schedule/reminders.py) finds its due deadlines and quiet cases and queues their
ids in `reminders.batch` jobs. Running one, in one transaction: marks those deadlines reminded at
the tick's time and records those cases' follow-ups (each statement restricted to the batch's ids
and checking again that the reminder is still due: not marked, case open, case still quiet), then
reads the rows it marked and queues a `notify.<platform>` job (or an inbox row's job) per reminder
saying what to remind of (chatbot/schedule/messages.py renders the words when it is sent). Only
the first mark of a row returns it, so two ticks queueing the same reminder, or a batch run again
after its worker died, deliver it once; each job also has the unique key of its reminder
("reminder:<deadline id>:<date>"; "nudge:<case id>:<tick time>"). A case closed or touched since
the tick gets nothing; so does a quiet case with no step left to do (its follow-up says
{"nudge": false}, and the case page leaves it out).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from chatbot import jobkinds
from chatbot.app import SellerGuard
from chatbot.i18n import normalize_lang
from chatbot.jobs import JobQueue, PermanentJobError, Runner
from chatbot.notices.checklists import checklist
from chatbot.schedule.messages import DeadlineMessage, Message, NudgeMessage
from chatbot.schedule.reminders import (
    BATCH_KIND,
    FOLLOW_UP,
    OPEN,
    cases,
    cutoff,
    deadlines,
    insert_follow_ups,
    mark_deadlines,
    mark_follow_ups,
    notify_kind,
)

Job = tuple[str, dict[str, Any], str]  # (kind, payload, unique key), as JobQueue.add_many takes


def fan_out(guard: SellerGuard, payload: dict[str, Any]) -> int:
    """Mark each reminder a `reminders.batch` payload lists ({"at": ISO-8601 UTC, "deadlines":
    [deadline id, …], "nudges": [case id, …]}) that is still due, and queue its notify job; how
    many it queued (0 for those marked before). A payload of the wrong shape raises
    PermanentJobError."""
    try:
        at = datetime.fromisoformat(str(payload["at"]))
        due = [int(item) for item in payload.get("deadlines") or []]
        quiet = [int(item) for item in payload.get("nudges") or []]
    except (KeyError, TypeError, ValueError) as exc:
        raise PermanentJobError(f"a reminders batch is malformed: {type(exc).__name__}: {exc}") from None
    kinds: dict[str, str] = {}  # platform -> job kind, asked once per batch
    queue = JobQueue(guard.db, clock=lambda: at)
    with guard.db.engine.begin() as conn:  # marks and notify jobs commit together, or neither
        due, quiet = _mark(guard, conn, at, due, quiet)
        jobs = _deadline_jobs(guard, conn, kinds, due) + _nudge_jobs(guard, conn, kinds, quiet, at)
        queue.add_many(conn, jobs)
    return len(jobs)


def _mark(guard: SellerGuard, conn: Connection, at: datetime, due: list[int],
          quiet: list[int]) -> tuple[list[int], list[int]]:
    """Mark the deadlines `due` and the follow-ups of the cases `quiet` that are still due at
    `at`; (deadline ids, case ids) marked by this call."""
    params = {"now": at, "cutoff": cutoff(at, guard.settings)}
    if due:
        due = [row[0] for row in conn.execute(mark_deadlines(), {**params, "ids": due})]
    if quiet:
        ids = {**params, "ids": quiet}
        marked = [row[0] for row in conn.execute(mark_follow_ups(), ids)]
        quiet = marked + [row[0] for row in conn.execute(insert_follow_ups(conn.dialect.name), ids)]
    return due, quiet


def _deadline_jobs(guard: SellerGuard, conn: Connection, kinds: dict[str, str], ids: list[int]) -> list[Job]:
    if not ids:
        return []
    rows = conn.execute(
        select(deadlines.c.id, deadlines.c.kind, deadlines.c.due_at, deadlines.c.note, cases.c.id,
               cases.c.platform, cases.c.user_id, cases.c.lang)
        .join(cases, cases.c.id == deadlines.c.case_id)
        .where(deadlines.c.id.in_(ids), cases.c.status == OPEN).order_by(deadlines.c.due_at, deadlines.c.id))
    jobs = []
    for deadline_id, kind, due_at, note, case_id, platform, user, lang in rows:
        lang = normalize_lang(lang) or "en"
        message = DeadlineMessage(case_id, kind, due_at.date(), lang, dict(note or {}))
        key = f"reminder:{deadline_id}:{due_at.date().isoformat()}"
        jobs.append(_job(guard, kinds, platform, user, message, key))
    return jobs


def _nudge_jobs(guard: SellerGuard, conn: Connection, kinds: dict[str, str], ids: list[int],
                at: datetime) -> list[Job]:
    if not ids:
        return []
    rows = conn.execute(
        select(cases.c.id, cases.c.complaint_type, cases.c.steps, cases.c.lang, cases.c.platform,
               cases.c.user_id)
        .where(cases.c.id.in_(ids), cases.c.status == OPEN).order_by(cases.c.updated_at, cases.c.id))
    days, jobs, idle = guard.settings.nudge_days, [], []
    for case_id, complaint_type, steps, lang, platform, user in rows:
        todo = [step for step in checklist(complaint_type).steps if step.id not in (steps or {})]
        if not todo:
            idle.append(case_id)
            continue
        lang = normalize_lang(lang) or "en"
        message = NudgeMessage(case_id, complaint_type, len(todo), todo[0].id, days, lang)
        jobs.append(_job(guard, kinds, platform, user, message, f"nudge:{case_id}:{at.isoformat()}"))
    if idle:  # the quiet spell stays marked (not looked at again), but the case page shows no nudge
        conn.execute(update(deadlines).where(deadlines.c.case_id.in_(idle), deadlines.c.kind == FOLLOW_UP)
                     .values(note={"nudge": False}))
    return jobs


def _job(guard: SellerGuard, kinds: dict[str, str], platform: str, user: str, message: Message,
         key: str) -> Job:
    if platform not in kinds:
        kinds[platform] = notify_kind(platform, guard)
    payload = {"platform": platform, "user": user, "message": message.fields(), "key": key}
    return kinds[platform], payload, key


@jobkinds.register(BATCH_KIND)
def _batch(guard: SellerGuard) -> Runner:
    def run(payload: dict[str, Any]) -> None:
        fan_out(guard, payload)

    return run
