"""Start-up shared by the CLI commands: settings, database, migrations, clean failures."""

from __future__ import annotations

import getpass
import sys
from typing import NoReturn

from chatbot.app import SellerGuard
from chatbot.config import ConfigError, Settings, load_settings
from chatbot.db import Database, DatabaseError
from chatbot.db.migrate import pending, upgrade
from chatbot.printable import printable

EXIT_OK, EXIT_REFUSED, EXIT_INVALID = 0, 1, 2


def fail(message: str, code: int = EXIT_INVALID) -> NoReturn:
    print(f"sellerguard: {printable(message)}", file=sys.stderr)
    raise SystemExit(code)


def settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        fail(str(exc))


def open_app(config: Settings | None = None) -> SellerGuard:
    """The bot on the configured database; SQLite is migrated on the spot, PostgreSQL must be
    migrated by the operator (`sellerguard db upgrade`) so several processes never race."""
    config = config or settings()
    try:
        db = Database(config.database_url)
        db.check()
        todo = pending(db)
        if todo:
            if db.is_sqlite:
                upgrade(db)
            else:
                fail(f"the database needs {len(todo)} migration(s); run `sellerguard db upgrade`.")
    except DatabaseError as exc:
        fail(str(exc))
    return SellerGuard(config, db=db)


def wait_for_database(config: Settings, *, first: float = 1.0, longest: float = 30.0) -> None:
    """Block until the database answers (long-running processes: a database that is restarting
    must not turn the worker or the clock into a crash loop). Waits `first` seconds, doubling to
    `longest`, and says so on stderr once."""
    import time

    pause = first
    told = False
    while True:
        try:
            db = Database(config.database_url)
            try:
                db.check()
                return
            finally:
                db.dispose()
        except DatabaseError as exc:
            if not told:
                print(f"sellerguard: {exc}; waiting for it", file=sys.stderr)
                told = True
        time.sleep(pause)
        pause = min(longest, pause * 2)


def default_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "local"


def parse_actor(value: str, default_platform: str = "console") -> tuple[str, str]:
    """`platform:id` or a bare id (console); used by commands that act as someone."""
    platform, sep, user = value.partition(":")
    if not sep:
        return default_platform, value
    if not platform or not user:
        fail(f"--user {value!r} must look like platform:user_id, e.g. slack:U012ABC.")
    return platform, user
