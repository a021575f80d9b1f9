"""The platform-neutral bot: settings + storage + router. Every adapter talks to this."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from chatbot import identity, router
from chatbot.config import Settings
from chatbot.context import Context
from chatbot.conversation import Incoming, Lang, Reply
from chatbot.db import Database, utcnow
from chatbot.db.migrate import upgrade
from chatbot.db.models import ProcessedDelivery
from chatbot.i18n import detect_lang, normalize_lang, t
from handlers.help import greeting

log = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 60_000  # a whole pasted notice e-mail fits; a runaway paste does not


class SellerGuard:
    def __init__(self, settings: Settings, *, db: Database | None = None,
                 clock: Callable[[], datetime] = utcnow, migrate: bool = False) -> None:
        self.settings = settings
        self.db = db or Database(settings.database_url)
        if migrate:
            upgrade(self.db)
        self.ctx = Context(settings=settings, db=self.db, clock=clock)

    # -- identity and language -------------------------------------------------------------
    def is_moderator(self, platform: str, user: str) -> bool:
        return self.settings.is_moderator(platform, user)

    def resolve_lang(self, msg: Incoming, hint: str | None = None) -> Lang:
        """The language to answer `msg` in. See `choose_lang` for the rule."""
        return self.choose_lang(msg, hint)[0]

    def choose_lang(self, msg: Incoming, hint: str | None = None) -> tuple[Lang, bool]:
        """(language, chosen) for `msg`, by one rule on every platform:

        1. the adapter's fixed language (`sellerguard chat --lang`);
        2. the user's explicit `/lang` choice, on this account or a linked one: it wins
           everywhere, cases included, until changed (`chosen` is True for 1 and 2);
        3. the language this message is written in, when it tells one (saved as a guess,
           never as a choice);
        4. the platform's locale (`msg.locale`, or `hint` from an adapter);
        5. the last guess; 6. the configured default; 7. English.
        """
        if msg.lang is not None and msg.lang_forced:
            return msg.lang, True
        locale = normalize_lang(msg.locale) or normalize_lang(hint)
        with self.db.session() as session:
            member = identity.member(session, msg.platform, msg.user)
            chosen = identity.chosen_lang(session, member)
            if chosen is not None:
                return chosen, True
            guess = normalize_lang(member.lang_guess)
            detected = detect_lang(_language_bearing_text(msg), prefer=guess or locale)
            if detected is not None:
                if member.lang_guess != detected:
                    member.lang_guess = detected
                return detected, False
        fallback = locale or guess or msg.lang or normalize_lang(self.settings.default_lang) or "en"
        return fallback, False

    def set_lang(self, platform: str, user: str, lang: Lang | None) -> None:
        """Record an explicit choice (None: no choice, follow each message again)."""
        with self.db.session() as session:
            identity.member(session, platform, user).lang = lang

    # -- deliveries ---------------------------------------------------------------------------
    def first_delivery(self, key: str) -> bool:
        """True the first time `key` is seen, False for a retry or replay (in any process)."""
        try:
            with self.db.session() as session:
                session.add(ProcessedDelivery(key=key[:255], created_at=utcnow()))
        except IntegrityError:
            return False
        return True

    # -- the one entry point ------------------------------------------------------------------
    def handle(self, msg: Incoming, *, lang_hint: str | None = None) -> list[Reply]:
        """Answer one message. Never raises: failures become a friendly error reply."""
        lang: Lang = msg.lang or normalize_lang(self.settings.default_lang) or "en"
        try:
            lang, chosen = self.choose_lang(msg, lang_hint)
            msg = msg.with_(lang=lang, lang_chosen=chosen, is_moderator=msg.is_moderator
                            or self.is_moderator(msg.platform, msg.user))
            text = msg.text.strip()
            if len(text) > MAX_MESSAGE_CHARS:
                return [Reply("error", lang, t("core.too_long", lang, size=len(text),
                                                limit=MAX_MESSAGE_CHARS), ok=False)]
            if not text and not msg.files and msg.action is None and msg.command is None:
                return [greeting(lang)] if msg.direct else []  # e.g. a bare @mention
            return router.route(msg.with_(text=text), self.ctx)
        except Exception:
            log.exception("handling a message from %s failed", msg.actor)
            return [Reply("error", lang, t("core.internal_error", lang), ok=False)]

    def close(self) -> None:
        self.db.dispose()


def _language_bearing_text(msg: Incoming) -> str:
    """The words that tell the writer's language: an English command name ("/checksite",
    "help") does not, a Chinese one ("查站") does, and neither do URLs (see detect_lang)."""
    command = router.parse_command(msg)
    if command is None:
        return msg.text
    typed = command.typed if detect_lang(command.typed) not in (None, "en") else ""
    return f"{typed} {command.args}"
