"""Send an `Incoming` to the handler that should answer it.

Order: a button/form action; an explicit command (slash or its text form, EN/中文); an answer to
a question the bot is waiting on; a recognised intent in free text; free text a handler still
claims (a step phrase, a bare fact for the open case); else the /help fallback (only when the
message was addressed to the bot). A handler that returns None has nothing to say: the router
answers for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import handlers
from chatbot import commands, dialog, intents
from chatbot.context import Context
from chatbot.conversation import Incoming, Reply
from chatbot.i18n import t, to_simplified
from handlers import files
from handlers import help as help_handler


@dataclass(frozen=True)
class Command:
    name: str
    args: str
    typed: str  # what the user typed, e.g. "/checksite" or "查站"


def _aliases() -> tuple[dict[str, str], dict[str, str], str]:
    table = commands.table()
    return table.by_slash(), table.by_text(), table.umbrella


_FIRST_WORD = re.compile(r"^\s*(\S+)(?:\s+(.*))?$", re.DOTALL)
# No command word or alias is longer: a longer first word is not looked up (nor converted from
# Traditional script, which costs microseconds per character) — a 60,000-character word is chatter.
MAX_COMMAND_CHARS = 40


def parse_command(msg: Incoming) -> Command | None:
    """The command in a message, if any. Unknown `/words` come back with name `unknown`."""
    slash, text, umbrella = _aliases()
    raw = f"{msg.command} {msg.text}" if msg.command else msg.text
    match = _FIRST_WORD.match(raw)
    if not match:
        return None
    word, args = match.group(1), (match.group(2) or "").strip()
    lowered = word.lower()
    if lowered == umbrella:
        inner = _FIRST_WORD.match(args)
        if not inner:
            return Command("help", "", word)
        sub, rest = inner.group(1).lower().lstrip("/"), (inner.group(2) or "").strip()
        name = slash.get("/" + sub)
        if name is None and len(sub) <= MAX_COMMAND_CHARS:
            name = text.get(to_simplified(sub))
        return Command(name or "unknown", rest, f"{word} {sub}")
    if lowered.startswith("/"):
        return Command(slash.get(lowered, "unknown"), args, word)
    name = text.get(to_simplified(lowered)) if len(lowered) <= MAX_COMMAND_CHARS else None
    if name is not None and (name != "help" or not args):  # "help me with ..." is chatter
        return Command(name, args, word)
    return None


def route(msg: Incoming, ctx: Context) -> list[Reply]:
    assert msg.lang is not None, "the app sets the language before routing"
    if msg.action is not None:
        namespace = msg.action.id.split(".", 1)[0]
        action_handler = handlers.ACTIONS.get(namespace)
        if action_handler is None:
            return [Reply("error", msg.lang, t("core.unknown_action", msg.lang), ok=False)]
        return action_handler(msg, ctx)

    if msg.files and not msg.text:
        return files.handle(msg, ctx)

    command = parse_command(msg)
    if command is not None:
        handler = handlers.COMMANDS.get(command.name)
        if handler is None:
            return [unknown_command(msg, command.typed)]
        dialog.done(ctx, msg.platform, msg.user)  # a new command abandons an open question
        answered = handler(msg, command.args, ctx)
        return answered if answered is not None else _fallback(msg)

    waiting = dialog.waiting(ctx, msg.platform, msg.user)
    if waiting is not None:
        follow_up = handlers.CONTINUATIONS.get(waiting.handler)
        if follow_up is not None:
            replies = follow_up(msg, waiting.state, ctx)
            if replies is not None:
                return replies

    intent = intents.classify(msg.text)
    if intent is not None and intent.name in handlers.INTENTS:
        answered = handlers.INTENTS[intent.name](msg, ctx)
        if answered is not None:
            return answered

    for free_text in handlers.FREE_TEXT:
        answered = free_text(msg, ctx)
        if answered is not None:
            return answered

    return _fallback(msg)


def _fallback(msg: Incoming) -> list[Reply]:
    return [fallback(msg)] if msg.direct else []


def unknown_command(msg: Incoming, typed: str) -> Reply:
    assert msg.lang is not None
    return Reply("error", msg.lang, t("core.unknown_command", msg.lang, command=typed), ok=False)


fallback = help_handler.fallback
