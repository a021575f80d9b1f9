"""Copying checks kept for the letters: the latest check of a copycat page, by its URL."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select

from chatbot.context import Context
from chatbot.evidence.models import CopyingCheck
from chatbot.net.urls import InvalidURL, parse_user_url

MAX_STORED_MATCHES = 50


def _key(url: str, ctx: Context) -> str | None:
    try:
        normalized = parse_user_url(url, allowed_ports=ctx.settings.allowed_ports,
                                    allow_private=ctx.settings.allow_private_networks)
    except InvalidURL:
        return None
    return hashlib.sha256(str(normalized).encode("utf-8")).hexdigest()


def save(ctx: Context, copycat_url: str, copying: dict[str, Any], lookup_id: int | None = None) -> int | None:
    """Store a check (thumbnails left out: the report has them); returns its id."""
    key = _key(copycat_url, ctx)
    if key is None:
        return None
    slim = dict(copying)
    slim["image_matches"] = [{k: v for k, v in m.items() if not k.endswith("_thumb")}
                             for m in copying.get("image_matches", [])[:MAX_STORED_MATCHES]]
    with ctx.db.session() as session:
        row = CopyingCheck(url_key=key, copycat_url=copycat_url[:2000],
                           seller_ref=str(copying.get("seller_ref", ""))[:300], lookup_id=lookup_id,
                           created_at=ctx.clock(), result=slim)
        session.add(row)
        session.flush()
        return row.id


def latest(ctx: Context, urls: list[str]) -> dict[str, Any] | None:
    """The newest stored check of any of `urls` (a case's storefront pages), or None."""
    keys = [k for k in (_key(u, ctx) for u in urls[:20]) if k]
    if not keys:
        return None
    with ctx.db.read() as session:
        newest = (select(CopyingCheck).where(CopyingCheck.url_key.in_(keys))
                  .order_by(CopyingCheck.created_at.desc(), CopyingCheck.id.desc()).limit(1))
        row = session.scalars(newest).first()
        return None if row is None else dict(row.result) | {"id": row.id, "copycat_url": row.copycat_url}
