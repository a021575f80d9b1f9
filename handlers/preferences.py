"""Per-user settings: `/lang en|zh|zh-Hant` (语言), and `/link [CODE]` (绑定) to join accounts."""

from __future__ import annotations

from chatbot import identity
from chatbot.context import Context
from chatbot.conversation import Incoming, Reply
from chatbot.i18n import normalize_lang, t


def handle(msg: Incoming, args: str, ctx: Context) -> list[Reply]:
    assert msg.lang is not None
    choice = normalize_lang(args.split()[0]) if args.strip() else None
    if choice is None:
        return [Reply("preferences", msg.lang, t("core.lang_usage", msg.lang), ok=False)]
    with ctx.db.session() as session:
        identity.member(session, msg.platform, msg.user).lang = choice
    return [Reply("preferences", choice, t("core.lang_set", choice))]


def handle_link(msg: Incoming, args: str, ctx: Context) -> list[Reply]:
    """`/link` makes a code to type on the other account; `/link CODE` redeems it there."""
    assert msg.lang is not None
    lang = msg.lang
    typed = args.strip()
    if not typed:
        code = identity.new_code(ctx, msg.platform, msg.user)
        minutes = int(identity.CODE_TTL.total_seconds() // 60)
        text = t("link.code", lang, code=code, minutes=minutes)
        accounts = identity.linked_accounts(ctx, msg.platform, msg.user)
        if accounts:
            text += "\n" + t("link.accounts", lang, accounts=", ".join(accounts))
        return [Reply("preferences", lang, text, private=True, data={"code": code})]
    outcome = identity.redeem(ctx, msg.platform, msg.user, typed)
    ok = outcome.status in {"linked", "already"}
    return [Reply("preferences", lang, t(f"link.{outcome.status}", lang, other=outcome.other),
                  private=True, ok=ok, data={"status": outcome.status})]


COMMANDS = {"lang": handle, "link": handle_link}
