"""What the bot does, one module per conversation. Platform-neutral: Incoming in, Replies out.

Each module exports any of these tables, merged here for the router:
- COMMANDS: command name → handler(msg, args, ctx) -> list[Reply]
- INTENTS: intent name → handler(msg, ctx) -> list[Reply]
- ACTIONS: action-id namespace (the part before the first ".") → handler(msg, ctx)
- CONTINUATIONS: dialog handler name → handler(msg, state, ctx) -> list[Reply] | None
- FREE_TEXT: handlers(msg, ctx) -> list[Reply] | None tried, in order, on text no command,
  question or intent claimed

A handler with nothing to say returns None; the router then answers (the /help fallback).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from handlers import blocklist, checksite, complainant, help, notice, notice_facts, preferences

Handler = Callable[..., Any]

COMMANDS: dict[str, Handler] = {}
INTENTS: dict[str, Handler] = {}
ACTIONS: dict[str, Handler] = {}
CONTINUATIONS: dict[str, Handler] = {}
FREE_TEXT: list[Handler] = []

for _module in (help, preferences, notice, notice_facts, checksite, blocklist, complainant):
    COMMANDS.update(getattr(_module, "COMMANDS", {}))
    INTENTS.update(getattr(_module, "INTENTS", {}))
    ACTIONS.update(getattr(_module, "ACTIONS", {}))
    CONTINUATIONS.update(getattr(_module, "CONTINUATIONS", {}))
    FREE_TEXT.extend(getattr(_module, "FREE_TEXT", ()))
