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
        """Forced language, else the message's own, else a platform hint or the saved one."""
        if msg.lang is not None and msg.lang_forced:
            return msg.lang
        with self.db.session() as session:
            member = identity.member(session, msg.platform, msg.user)
            saved = normalize_lang(member.lang)
            detected = detect_lang(_language_bearing_text(msg), prefer=saved)
            if detected is not None:
                if member.lang != detected:
                    member.lang = detected
                return detected
        return (
            saved
            or normalize_lang(hint)
            or msg.lang
            or normalize_lang(self.settings.default_lang)
            or "en"
        )

    def set_lang(self, platform: str, user: str, lang: Lang) -> None:
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
            lang = self.resolve_lang(msg, lang_hint)
            msg = msg.with_(lang=lang, is_moderator=msg.is_moderator
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
