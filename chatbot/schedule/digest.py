"""The moderators' daily digest: pending reports, open appeals, listings back for re-review,
sites offline, failed jobs; one text per configured team channel (Slack's
SLACK_DIGEST_CHANNEL, the WeCom group robot when that platform registers its channel kind)."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import func, select

from chatbot import jobkinds
from chatbot.app import SellerGuard
from chatbot.blocklist.models import AuditRow, Entry, Liveness
from chatbot.conversation import Lang
from chatbot.i18n import normalize_lang, t
from chatbot.jobs import FAILED, JobQueue
from chatbot.schedule import times
from chatbot.schedule.expiry import ACTOR

FAILED_SHOWN = 5

log = logging.getLogger(__name__)


def text(guard: SellerGuard, now: datetime, lang: Lang | None = None) -> str:
    """The digest as of `now`, in `lang` (default: the deployment's SELLERGUARD_LANG)."""
    lang = lang or normalize_lang(guard.settings.default_lang) or "en"
    with guard.db.read() as session:
        counts = dict(session.execute(select(Entry.state, func.count()).group_by(Entry.state)).all())
        expired = session.scalar(
            select(func.count(func.distinct(AuditRow.entry_id))).join(Entry, Entry.id == AuditRow.entry_id)
            .where(AuditRow.action == "expire", AuditRow.actor == ACTOR, Entry.state == "reported")) or 0
        offline = session.scalar(
            select(func.count()).select_from(Liveness).join(Entry, Entry.unit == Liveness.unit)
            .where(Entry.state == "listed", Liveness.online.is_(False))) or 0
    queue = JobQueue(guard.db)
    failed = queue.recent(state=FAILED, limit=FAILED_SHOWN)
    lines = [
        t("schedule.digest.title", lang, date=times.local_date(now, guard.settings).isoformat()),
        t("schedule.digest.reports", lang, count=int(counts.get("reported", 0))),
        t("schedule.digest.appeals", lang, count=int(counts.get("disputed", 0))),
        t("schedule.digest.review", lang, days=guard.settings.listing_ttl_days, count=int(expired)),
        t("schedule.digest.offline", lang, count=int(offline)),
        t("schedule.digest.failed", lang, count=queue.count(FAILED)),
    ]
    lines += [t("schedule.digest.failed_item", lang, id=job.id, kind=job.kind,
                error=(job.error.splitlines() or [""])[0][:160]) for job in failed]
    return "\n".join(lines)


def run(guard: SellerGuard, now: datetime, run_at: str) -> list[str]:
    """Enqueue the digest for every configured channel kind (once per run: `run_at` keys it);
    the kinds it was sent to."""
    body = text(guard, now)
    queue = JobQueue(guard.db, clock=lambda: now)
    kinds = jobkinds.channels(guard.settings)
    if not kinds:  # said, not silently dropped: the operator finds it in the worker's log
        log.warning("the moderators' digest has nowhere to go: set SLACK_BOT_TOKEN and "
                    "SLACK_DIGEST_CHANNEL, or WECOM_ROBOT_WEBHOOK")
    for kind in kinds:
        key = f"digest:{run_at}:{kind}"
        queue.enqueue(kind, {"text": body, "key": key}, unique_key=key)
    return kinds
