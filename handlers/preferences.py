"""`/lang en|zh|zh-Hant` (语言): the language the bot answers a user in."""

from __future__ import annotations

from sqlalchemy import select

from chatbot.context import Context
from chatbot.conversation import Incoming, Reply
from chatbot.db.models import Member
from chatbot.i18n import normalize_lang, t


def handle(msg: Incoming, args: str, ctx: Context) -> list[Reply]:
    assert msg.lang is not None
    choice = normalize_lang(args.split()[0]) if args.strip() else None
    if choice is None:
        return [Reply("preferences", msg.lang, t("core.lang_usage", msg.lang), ok=False)]
    with ctx.db.session() as session:
        stmt = select(Member).where(Member.platform == msg.platform,
                                    Member.external_id == msg.user)
        member = session.scalars(stmt).first()
        if member is None:
            member = Member(platform=msg.platform, external_id=msg.user)
            session.add(member)
        member.lang = choice
    return [Reply("preferences", choice, t("core.lang_set", choice))]


COMMANDS = {"lang": handle}
