"""Remember the lookups a member asked for, and show the latest as a reply (App Home)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from urllib.parse import urlsplit

from sqlalchemy import delete, select

from chatbot.adapters.models import MemberLookup
from chatbot.context import Context
from chatbot.conversation import Actions, Button, Checklist, Item, Lang, Reply
from chatbot.i18n import t

log = logging.getLogger(__name__)

KEEP = 20  # rows kept per member; older ones are pruned on write
SHOW = 5


def remember(ctx: Context, platform: str, user: str, replies: Iterable[Reply]) -> None:
    """Store each successful /checksite answer for its asker (never fails the conversation)."""
    found = [r for r in replies if r.intent == "checksite" and r.ok and r.data.get("normalized_url")]
    if not found:
        return
    try:
        with ctx.db.session() as session:
            for reply in found:
                lookup_id = reply.data.get("id")
                session.add(MemberLookup(
                    platform=platform, user_id=user, url=str(reply.data["normalized_url"])[:4000],
                    lookup_id=lookup_id if isinstance(lookup_id, int) else None,
                    summary=reply.text[:4000], created_at=ctx.clock()))
            session.flush()
            keep = select(MemberLookup.id).where(
                MemberLookup.platform == platform, MemberLookup.user_id == user,
            ).order_by(MemberLookup.created_at.desc(), MemberLookup.id.desc()).limit(KEEP)
            session.execute(delete(MemberLookup).where(
                MemberLookup.platform == platform, MemberLookup.user_id == user,
                MemberLookup.id.not_in(list(session.scalars(keep))),
            ))
    except Exception:
        log.exception("could not remember a lookup for %s:%s", platform, user)


def recent_reply(ctx: Context, platform: str, user: str, lang: Lang) -> Reply | None:
    """The member's latest lookups with a report button each; None when there are none."""
    with ctx.db.session() as session:
        rows = list(session.scalars(
            select(MemberLookup).where(MemberLookup.platform == platform, MemberLookup.user_id == user)
            .order_by(MemberLookup.created_at.desc(), MemberLookup.id.desc()).limit(SHOW)))
        items = tuple(Item(f"{row.created_at:%Y-%m-%d} {row.url}", "info", detail=row.summary)
                      for row in rows)
        buttons = tuple(Button("site.report", t("slack.home.report_lookup", lang, host=_host(row.url)),
                               row.url) for row in rows)
    if not items:
        return None
    return Reply("lookups", lang, t("slack.home.lookups_intro", lang), (Checklist(items), Actions(buttons)),
                 private=True)


def _host(url: str) -> str:
    return urlsplit(url).hostname or url[:40]
