"""Messages waiting for a user who has no push channel (the terminal): kept, then shown once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from chatbot import jobkinds
from chatbot.app import SellerGuard
from chatbot.conversation import Incoming, Lang
from chatbot.db.base import utcnow
from chatbot.db.models import ProcessedDelivery
from chatbot.i18n import detect_lang
from chatbot.jobs import PermanentJobError, Runner
from chatbot.schedule import messages
from chatbot.schedule.models import InboxItem
from chatbot.schedule.reminders import INBOX_KIND


def unseen(guard: SellerGuard, platform: str, user: str, *, mark: bool = True,
           now: datetime | None = None) -> list[str]:
    """The texts waiting for `platform:user`, oldest first; with `mark`, they are marked seen
    (shown once)."""
    with guard.db.session() as session:
        rows = session.execute(
            select(InboxItem.id, InboxItem.text)
            .where(InboxItem.platform == platform, InboxItem.user_id == user, InboxItem.seen_at.is_(None))
            .order_by(InboxItem.id)).all()
        if mark and rows:
            session.execute(update(InboxItem).where(InboxItem.id.in_([row[0] for row in rows]))
                            .values(seen_at=now or utcnow()))
        return [row[1] for row in rows]


@jobkinds.register(INBOX_KIND)
def _inbox(guard: SellerGuard) -> Runner:
    def run(payload: dict[str, Any]) -> None:
        platform, user = payload.get("platform"), payload.get("user")
        today = guard.ctx.clock().date()
        text = (messages.text_of(payload, messages.chosen_lang(guard, platform, user), today)
                if isinstance(platform, str) and isinstance(user, str) else "")
        if not all(isinstance(v, str) and v for v in (platform, user, text)):
            raise PermanentJobError("notify.inbox needs platform, user and a text or message")

        key = str(payload.get("key") or "")
        try:  # the row and its delivery key together: a second run stores nothing
            with guard.db.session() as session:
                if key:
                    session.add(ProcessedDelivery(key=key[:255], created_at=utcnow()))
                    session.flush()
                session.add(InboxItem(platform=platform, user_id=user, text=text, created_at=utcnow()))
        except IntegrityError:
            return

    return run


LOCAL_KINDS = ("scheduled.reminders", "reminders.batch", INBOX_KIND)


def catch_up(guard: SellerGuard, now: datetime | None = None) -> None:
    """Work out the reminders that came due while no clock or worker ran (the embedded default
    needs no other process): a reminders run as of `now`, and the jobs it leads to for the
    terminal. Database errors propagate."""
    from chatbot.schedule.clock import enqueue_run
    from chatbot.worker import for_app

    enqueue_run(guard, "reminders", now or utcnow())
    for_app(guard, kinds=LOCAL_KINDS).drain()


def away_lang(guard: SellerGuard, platform: str, user: str, texts: list[str]) -> Lang:
    """The language of the "while you were away" heading: the seller's `/lang` choice, else
    the language the reminders are written in (their cases'), so heading and lines agree."""
    lang, chosen = guard.choose_lang(Incoming(platform=platform, user=user))
    if chosen or not texts:
        return lang
    return detect_lang(texts[0]) or lang
