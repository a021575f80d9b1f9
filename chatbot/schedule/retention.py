"""Retention: old rows nobody needs any more are deleted, in batches, by the daily job.

    jobs                  done or failed, older than SELLERGUARD_KEEP_JOBS_DAYS (14)
    processed_deliveries  older than SELLERGUARD_KEEP_DELIVERIES_DAYS (7); Slack retries
                          stop within an hour, so a week is ample for spotting replays
    dialog_states         expired more than SELLERGUARD_KEEP_DIALOGS_DAYS (7) ago
    site_lookups          the page words of lookups expired more than
                          SELLERGUARD_KEEP_LOOKUPS_DAYS (30) ago are emptied (the dated result
                          stays, for the seller's history)
    inbox                 messages seen more than SELLERGUARD_KEEP_DELIVERIES_DAYS ago
    wecom_state           expired WeCom / WeChat state: callback nonces (2 h), finished AI bot
                          streams (24 h), old access tokens
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import String, cast, delete, func, update

from chatbot.app import SellerGuard
from chatbot.db.models import DialogState, ProcessedDelivery
from chatbot.evidence.models import SiteLookup
from chatbot.jobs import DONE, FAILED, Job
from chatbot.schedule.models import InboxItem
from chatbot.wecom import store as wecom_state


@dataclass(frozen=True)
class Pruned:
    jobs: int
    deliveries: int
    dialogs: int
    page_words: int
    inbox: int
    wecom_state: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def run(guard: SellerGuard, now: datetime) -> Pruned:
    """Delete (or empty) what is older than the settings allow; the counts."""
    s = guard.settings
    day = timedelta(days=1)
    with guard.db.session() as session:
        jobs = session.execute(delete(Job).where(Job.state.in_((DONE, FAILED)),
                                                 Job.updated_at < now - s.keep_jobs_days * day))
        deliveries = session.execute(delete(ProcessedDelivery).where(
            ProcessedDelivery.created_at < now - s.keep_deliveries_days * day))
        dialogs = session.execute(delete(DialogState).where(
            DialogState.expires_at < now - s.keep_dialogs_days * day))
        words = session.execute(update(SiteLookup).where(
            SiteLookup.expires_at < now - s.keep_lookups_days * day,
            func.length(cast(SiteLookup.page_words, String)) > 2)
            .values(page_words=[]))
        inbox = session.execute(delete(InboxItem).where(
            InboxItem.seen_at < now - s.keep_deliveries_days * day))
    counts = (int(r.rowcount) for r in (jobs, deliveries, dialogs, words, inbox))  # type: ignore[attr-defined]
    return Pruned(*counts, wecom_state=wecom_state.prune(guard.db, now))
