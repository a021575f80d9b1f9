"""`/help` (帮助): what the bot can do, in the user's language."""

from __future__ import annotations

from chatbot.context import Context
from chatbot.conversation import Checklist, Heading, Incoming, Item, Lang, Notice, Reply
from chatbot.i18n import message, t


def overview(lang: Lang) -> Reply:
    commands = message("help.commands", lang)
    items = tuple(Item(f"{entry['usage']} — {entry['what']}") for entry in commands)
    parts = (
        Heading(t("help.title", lang)),
        Checklist(items),
        Notice(t("help.tip", lang)),
    )
    return Reply("help", lang, t("help.intro", lang), parts)


def greeting(lang: Lang) -> Reply:
    """A short hello with the commands: the answer to a message with nothing in it (a bare
    @mention)."""
    commands = message("help.commands", lang)
    items = tuple(Item(entry["usage"]) for entry in commands)
    return Reply("help", lang, t("help.greeting", lang), (Checklist(items),))
def fallback(msg: Incoming) -> Reply:
    """What the bot says to a direct message no handler claimed: a short line and the overview."""
    assert msg.lang is not None
    reply = overview(msg.lang)
    return Reply("fallback", msg.lang, t("core.fallback", msg.lang), reply.parts)


def handle(msg: Incoming, args: str, ctx: Context) -> list[Reply]:
    assert msg.lang is not None
    return [overview(msg.lang)]


COMMANDS = {"help": handle}
