"""Per-user settings: `/lang en|zh|zh-Hant` (语言), and `/link [CODE]` (绑定) to join accounts."""

from __future__ import annotations

from chatbot import identity
from chatbot.context import Context
from chatbot.conversation import Incoming, Reply
from chatbot.i18n import normalize_lang, t

AUTO = {"auto", "自动", "自動"}


def handle(msg: Incoming, args: str, ctx: Context) -> list[Reply]:
    """`/lang en|zh|zh-Hant` records an explicit choice that wins everywhere until changed;
    `/lang auto` drops it, so each message's own language (or the platform's locale) decides."""
    assert msg.lang is not None
    word = args.split()[0].lower() if args.strip() else ""
    if word in AUTO:
        with ctx.db.session() as session:
            identity.member(session, msg.platform, msg.user).lang = None
        return [Reply("preferences", msg.lang, t("core.lang_auto", msg.lang))]
    choice = normalize_lang(word) if word else None
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
