"""Shared fixtures: a real database (SQLite file, or PostgreSQL via TEST_DATABASE_URL), the bot,
a chat helper, and a runner for the `sellerguard` command in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from chatbot.app import SellerGuard
from chatbot.config import Settings, _database_url
from chatbot.conversation import Incoming, Reply
from chatbot.db import Database
from chatbot.db.migrate import upgrade
from chatbot.db.registry import metadata

# Property tests are deterministic (same examples every run) and never fail on a busy machine's
# timing: a test's outcome must not depend on the clock or on luck.
hypothesis_settings.register_profile(
    "sellerguard", deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
hypothesis_settings.load_profile("sellerguard")

PG_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
MODERATORS = frozenset({"console:mod", "console:mod2", "slack:UMOD"})


def _new_postgres_database() -> tuple[str, Callable[[], None]]:
    base = make_url(_database_url(PG_URL))
    name = f"sg_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture
def fresh_database_url(tmp_path: Path) -> Iterator[str]:
    """An empty database nobody else uses (migrations from nothing, crash tests)."""
    if PG_URL:
        url, drop = _new_postgres_database()
        yield url
        drop()
    else:
        yield f"sqlite:///{tmp_path / 'fresh.db'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The suite's database, migrated once; tests get it emptied (see `db`)."""
    if PG_URL:
        url, drop = _new_postgres_database()
    else:
        url, drop = f"sqlite:///{tmp_path_factory.mktemp('db') / 'sellerguard.db'}", lambda: None
    database = Database(url)
    upgrade(database)
    database.dispose()
    yield url
    drop()


def empty_database(database: Database) -> None:
    """Delete every row of every table. The audit log refuses DELETE and TRUNCATE (triggers):
    that is lifted for this emptying only."""
    tables = [t.name for t in reversed(metadata.sorted_tables)]
    with database.engine.begin() as conn:
        if database.is_sqlite:
            triggers = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")).all()
            for name, _ in triggers:
                conn.execute(text(f'DROP TRIGGER "{name}"'))
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))
            for _, sql in triggers:
                conn.execute(text(sql))
        else:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables)
                              + " RESTART IDENTITY CASCADE"))


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    empty_database(database)
    yield database
    database.dispose()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, moderators=MODERATORS,
                    report_dir=str(tmp_path / "reports"))


@pytest.fixture
def app(settings: Settings, db: Database) -> Iterator[SellerGuard]:
    bot = SellerGuard(settings, db=db)
    yield bot


class Chat:
    """Talk to the bot as a console user, the way the console adapter does."""

    def __init__(self, app: SellerGuard) -> None:
        self.app = app

    def __call__(self, text: str, user: str = "alice", *, platform: str = "console",
                 lang: str | None = None, **fields: object) -> list[Reply]:
        msg = Incoming(platform=platform, user=user, text=text, lang=lang,  # type: ignore[arg-type]
                       lang_forced=lang is not None, **fields)  # type: ignore[arg-type]
        return self.app.handle(msg)

    def one(self, text: str, user: str = "alice", **kwargs: object) -> Reply:
        replies = self(text, user, **kwargs)
        assert len(replies) == 1, replies
        return replies[0]


@pytest.fixture
def chat(app: SellerGuard) -> Chat:
    return Chat(app)


@pytest.fixture
def with_settings(app: SellerGuard) -> Callable[..., SellerGuard]:
    """Change settings of the running bot for one test."""

    def change(**changes: object) -> SellerGuard:
        app.settings = replace(app.settings, **changes)  # type: ignore[arg-type]
        app.ctx.settings = app.settings
        app.ctx._services.clear()
        return app

    return change


@pytest.fixture
def run_cli(
    database_url: str, db: Database, tmp_path: Path
) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run `sellerguard ...` in a subprocess on the test database."""

    def run(*args: str, input: str | bytes | None = None, env: dict[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
        full_env = {k: v for k, v in os.environ.items() if not k.startswith(("SELLERGUARD_", "SLACK_"))}
        full_env.update({"DATABASE_URL": database_url, "PYTHONIOENCODING": "utf-8",
                         "SELLERGUARD_MODERATORS": ",".join(sorted(MODERATORS))})
        full_env.update(env or {})
        data = input.encode("utf-8") if isinstance(input, str) else input
        proc = subprocess.run([sys.executable, "-m", "chatbot", *args], input=data,
                              capture_output=True, env=full_env, cwd=tmp_path, timeout=timeout)
        return subprocess.CompletedProcess(proc.args, proc.returncode,
                                           proc.stdout.decode("utf-8", "replace"),
                                           proc.stderr.decode("utf-8", "replace"))

    return run
