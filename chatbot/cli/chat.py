"""`sellerguard chat`: talk to the bot in the terminal."""

from __future__ import annotations

import argparse
import sys

from chatbot.adapters.console import ConsoleChat
from chatbot.cli.common import default_user, open_app, parse_actor
from chatbot.i18n import normalize_lang


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
    try:
        if sys.stdin.isatty():
            chat.run_interactive()
        else:
            chat.run_piped(sys.stdin)
    finally:
        app.close()
    return 0
