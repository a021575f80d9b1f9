"""Report links: `/r/<token>` on the web process, for chat platforms that cannot take files.

A token is 32 random bytes (URL-safe base64, 43 characters); only its SHA-256 is stored. A link
lasts `SELLERGUARD_REPORT_LINK_DAYS`; after that, or for a token never issued, the page says so
(it does not tell one from the other to a guesser: both are "not available").
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from sqlalchemy import select

from chatbot.context import Context
from chatbot.conversation import Lang
from chatbot.evidence.models import ReportLink, SiteLookup

TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")
LANGS = ("en", "zh-Hans", "zh-Hant")


@dataclass(frozen=True)
class Resolved:
    state: Literal["ok", "expired", "unknown"]
    result: dict[str, Any] | None = None
    lang: Lang = "en"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def base_url(ctx: Context) -> str:
    """Where the web process is reached: SELLERGUARD_PUBLIC_URL, else this machine's port."""
    return (ctx.settings.public_url or f"http://localhost:{ctx.settings.port}").rstrip("/")


def create(ctx: Context, lookup: int | dict[str, Any], lang: Lang = "en") -> str:
    """A new token for a stored lookup, its report in `lang`. `lookup` is the lookup id, or the
    result a lookup returned (with its "id"): then the page shows exactly that result, the
    seller's own date and brand word included. Raises LookupError when no such lookup is stored."""
    lookup_id = lookup if isinstance(lookup, int) else lookup.get("id")
    if not isinstance(lookup_id, int):
        raise LookupError("the result has no stored lookup id")
    snapshot = {} if isinstance(lookup, int) else dict(lookup)
    token = secrets.token_urlsafe(32)
    now = ctx.clock()
    with ctx.db.session() as session:
        if session.get(SiteLookup, lookup_id) is None:
            raise LookupError(f"no lookup #{lookup_id}")
        session.add(ReportLink(token_hash=_hash(token), lookup_id=lookup_id, result=snapshot,
                               lang=lang if lang in LANGS else "en", created_at=now,
                               expires_at=now + timedelta(days=ctx.settings.report_link_days)))
    return token


def report_url(ctx: Context, lookup: int | dict[str, Any], lang: Lang = "en") -> str:
    """The report page of a stored lookup (its id, or the result a lookup returned), e.g.
    https://bot.example/r/Xy…; what a chat reply on WeCom or WeChat links to. Raises LookupError
    when no such lookup is stored."""
    return f"{base_url(ctx)}/r/{create(ctx, lookup, lang)}"


def resolve(ctx: Context, token: str) -> Resolved:
    """The lookup behind `token`, or why there is none. Anything that is not a well-formed token
    is "unknown" without touching the database."""
    if not TOKEN.fullmatch(token):
        return Resolved("unknown")
    with ctx.db.session() as session:
        link = session.scalars(select(ReportLink).where(ReportLink.token_hash == _hash(token))).first()
        if link is None:
            return Resolved("unknown")
        lang: Lang = link.lang if link.lang in LANGS else "en"  # type: ignore[assignment]
        if link.expires_at <= ctx.clock():
            return Resolved("expired", lang=lang)
        if link.result:
            return Resolved("ok", dict(link.result), lang)
        row = session.get(SiteLookup, link.lookup_id)
        if row is None:
            return Resolved("unknown")
        # A stored lookup has no seller date of its own: say so rather than "no date for the page".
        shared = {"comparison": {"verdict": "inconclusive", "reason": "no_seller_date"}, "brand_hits": []}
        return Resolved("ok", shared | dict(row.result) | {"id": row.id}, lang)
