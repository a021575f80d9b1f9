"""`sellerguard reminders`: the reminders waiting for a terminal user (and marks them read)."""

from __future__ import annotations

import argparse
import json

from chatbot.cli.common import default_user, open_app, parse_actor


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("reminders", help="show the reminders waiting for you")
    parser.add_argument("--user", default=None, help="whose: an id, or platform:id (default: your OS user)")
    parser.add_argument("--keep", action="store_true", help="leave them unread")
    parser.add_argument("--json", action="store_true", help="a JSON list of texts")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from chatbot.i18n import t
    from chatbot.schedule import inbox

    guard = open_app()
    platform, user = parse_actor(args.user or default_user())
    try:
        inbox.catch_up(guard)  # as `sellerguard chat` does: no clock or worker needs to run
        texts = inbox.unseen(guard, platform, user, mark=not args.keep)
        lang = inbox.away_lang(guard, platform, user, texts)
    finally:
        guard.close()
    if args.json:
        print(json.dumps(texts, ensure_ascii=False))
    elif texts:
        print(t("schedule.away_title", lang))
        for text in texts:
            print(f"• {text}")
    else:
        print(t("schedule.away_none", lang))
    return 0
