"""What a reminder or a nudge says, rendered when its `notify.*` job runs.

The clock only finds due work and queues it: a job's payload carries what the message is about
(case, deadline kind and date, language; for a nudge the count of steps left and the first one),
and the worker renders the text in the seller's language when it sends it. So a tick writes
small rows and never loads message catalogues; jobs queued with a ready `text` (older rows, the
digest's channel posts) are sent as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from chatbot.conversation import Incoming, Lang
from chatbot.i18n import normalize_lang, t
from chatbot.jobs import PermanentJobError
from chatbot.notices.checklists import checklist

if TYPE_CHECKING:
    from chatbot.app import SellerGuard

DEADLINE, NUDGE = "deadline", "nudge"
# Deadline kinds with their own wording; any other kind gets the general one.
WORDED = ("inventory_removal", "apex_response", "counter_notice_restore_from", "counter_notice_restore_by")


@dataclass(frozen=True)
class DeadlineMessage:
    """"Case #12: remove the inventory by 2026-12-01" — one stored deadline of a case.
    `note` is the deadline's own note (start date, filing date, holidays that moved it)."""

    case: int
    kind: str
    due: date
    lang: Lang
    note: dict[str, Any] = field(default_factory=dict)

    def text(self, today: date | None = None) -> str:
        """The reminder in `lang`; once `today` is past its date (a case opened from an old
        notice), it says the date has passed instead of asking to act before it."""
        if today is not None and self.due < today:
            try:
                what = t(f"notice.deadline.{self.kind}", self.lang)
            except KeyError:  # a kind without a label of its own
                what = self.kind
            return t("schedule.reminder.passed", self.lang, case=self.case, what=what,
                     due=self.due.isoformat())
        names = self.note.get("holidays") or []
        params = {"case": self.case, "due": self.due.isoformat(), "start": self.note.get("from", ""),
                  "filed": self.note.get("filed", ""), "kind": self.kind,
                  "calendar": t("schedule.calendar_us", self.lang),
                  "holidays": t("schedule.reminder.holidays_note", self.lang, names=", ".join(names))
                  if names else ""}
        key = self.kind if self.kind in WORDED else "other"
        return t(f"schedule.reminder.{key}", self.lang, **params)

    def fields(self) -> dict[str, Any]:
        return {"about": DEADLINE, "case": self.case, "kind": self.kind, "due": self.due.isoformat(),
                "lang": self.lang, "note": self.note}


@dataclass(frozen=True)
class NudgeMessage:
    """"Case #12 has 3 steps to do, next: …" — an open case nobody touched for `days` days.
    `step` is the id of the first step still to do in the checklist of `complaint_type`."""

    case: int
    complaint_type: str
    todo: int
    step: str
    days: int
    lang: Lang

    def text(self, today: date | None = None) -> str:
        found = checklist(self.complaint_type).step(self.step)
        title = found.title(self.lang) if found else self.step  # a step renamed since: its id
        return t("schedule.nudge", self.lang, case=self.case, count=self.todo, days=self.days, step=title)

    def fields(self) -> dict[str, Any]:
        return {"about": NUDGE, "case": self.case, "type": self.complaint_type, "todo": self.todo,
                "step": self.step, "days": self.days, "lang": self.lang}


Message = DeadlineMessage | NudgeMessage


def read(fields: dict[str, Any]) -> Message:
    """The message a job's `message` field describes (see `fields()` of each class). A field
    that is missing or of the wrong shape raises PermanentJobError (retrying cannot help)."""
    try:
        lang = normalize_lang(str(fields.get("lang") or "")) or "en"
        if fields["about"] == DEADLINE:
            due = date.fromisoformat(str(fields["due"]))
            return DeadlineMessage(int(fields["case"]), str(fields["kind"]), due, lang,
                                   dict(fields.get("note") or {}))
        if fields["about"] == NUDGE:
            return NudgeMessage(int(fields["case"]), str(fields["type"]), int(fields["todo"]),
                                str(fields["step"]), int(fields["days"]), lang)
    except (KeyError, TypeError, ValueError) as exc:
        raise PermanentJobError(f"a reminder's message is malformed: {type(exc).__name__}: {exc}") from None
    raise PermanentJobError(f"a reminder's message is about {fields.get('about')!r}, not a deadline or nudge")


def chosen_lang(guard: SellerGuard, platform: str, user: str) -> Lang | None:
    """The seller's own `/lang` choice (on this account or a linked one), or None: a reminder
    is then written in its case's language."""
    lang, chosen = guard.choose_lang(Incoming(platform=platform, user=user))
    return lang if chosen else None


def text_of(payload: dict[str, Any], lang: Lang | None = None, today: date | None = None) -> str:
    """The text a `notify.*` job sends: its ready `text`, else its `message` rendered now — in
    `lang` when given (the seller's own `/lang` choice, which wins over the case's language),
    as of `today`; "" when the payload has neither (the runner refuses it)."""
    ready = payload.get("text")
    if isinstance(ready, str) and ready:
        return ready
    fields = payload.get("message")
    if not isinstance(fields, dict):
        return ""
    message = read(fields)
    return (replace(message, lang=lang) if lang else message).text(today)
