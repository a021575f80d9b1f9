"""Questions the bot is waiting on, stored per user so any process can take the answer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from chatbot.context import Context
from chatbot.db.models import DialogState

DEFAULT_TTL = timedelta(hours=24)


def ask(ctx: Context, platform: str, user: str, handler: str, state: dict[str, Any],
        ttl: timedelta = DEFAULT_TTL) -> None:
    with ctx.db.session() as session:
        row = session.get(DialogState, (platform, user))
        expires = ctx.clock() + ttl
        if row is None:
            session.add(DialogState(platform=platform, user_id=user, handler=handler,
                                    state=state, expires_at=expires))
        else:
            row.handler, row.state, row.expires_at = handler, state, expires


def waiting(ctx: Context, platform: str, user: str) -> DialogState | None:
    with ctx.db.session() as session:
        row = session.get(DialogState, (platform, user))
        if row is None:
            return None
        if row.expires_at <= ctx.clock():
            session.delete(row)
            return None
        session.expunge(row)
        return row


def done(ctx: Context, platform: str, user: str) -> None:
    with ctx.db.session() as session:
        row = session.get(DialogState, (platform, user))
        if row is not None:
            session.delete(row)
