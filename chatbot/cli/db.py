"""`sellerguard db upgrade|status`: apply or list database migrations."""

from __future__ import annotations

import argparse

from chatbot.cli.common import fail, settings
from chatbot.db import Database, DatabaseError
from chatbot.db.migrate import pending, upgrade


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("db", help="database migrations")
    sub = parser.add_subparsers(dest="db_command", required=True)
    sub.add_parser("upgrade", help="apply pending migrations").set_defaults(run=run_upgrade)
    sub.add_parser("status", help="list pending migrations").set_defaults(run=run_status)


def run_upgrade(args: argparse.Namespace) -> int:
    db = Database(settings().database_url)
    try:
        db.check()
        todo = pending(db)
        upgrade(db)
    except DatabaseError as exc:
        fail(str(exc))
    print(f"Database {db.describe()} is up to date ({len(todo)} migration(s) applied).")
    return 0


def run_status(args: argparse.Namespace) -> int:
    db = Database(settings().database_url)
    try:
        db.check()
        todo = pending(db)
    except DatabaseError as exc:
        fail(str(exc))
    print("up to date" if not todo else "pending: " + ", ".join(todo))
    return 0
