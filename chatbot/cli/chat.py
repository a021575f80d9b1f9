"""`sellerguard chat`: talk to the bot in the terminal."""

from __future__ import annotations

import argparse
import sys

from chatbot.adapters.console import ConsoleChat
from chatbot.app import SellerGuard
from chatbot.cli.common import default_user, open_app, parse_actor
from chatbot.i18n import normalize_lang, t

# What `chat` runs itself, with no worker.


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("chat", help="chat with the bot in this terminal")
    parser.add_argument("--user", default=None,
                        help="who is talking: an id, or platform:id (default: your OS user)")
    parser.add_argument("--lang", choices=["en", "zh", "zh-Hant"], default=None,
                        help="always answer in this language")
    parser.add_argument("--json", action="store_true", help="print one JSON object per reply")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    app = open_app()
    platform, user = parse_actor(args.user or default_user())
    chat = ConsoleChat(app, user, platform=platform, lang=normalize_lang(args.lang),
                       as_json=args.json)
    away = while_away(app, platform, user)
    if away:
        print(away + "\n", file=sys.stderr if args.json else sys.stdout)
    try:
        if sys.stdin.isatty():
            chat.run_interactive()
        else:
            chat.run_piped(sys.stdin)
    finally:
        app.close()
    return 0


def while_away(app: SellerGuard, platform: str, user: str) -> str:
    """Reminders that came due while nobody ran the clock are worked out now (the embedded
    default needs no other process), then this user's unread ones are returned as one text
    ("" when there are none) and marked read. A database error leaves them for next time."""
    import logging

    from chatbot.schedule import inbox

    try:
        inbox.catch_up(app)
        texts = inbox.unseen(app, platform, user)
    except Exception:
        logging.getLogger(__name__).exception("could not look for reminders")
        return ""
    if not texts:
        return ""
    lang = inbox.away_lang(app, platform, user, texts)
    return "\n".join([t("schedule.away_title", lang), *(f"• {text}" for text in texts)])
