"""Migrations run from an empty database to the newest revision on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from chatbot.db import Database, DatabaseError
from chatbot.db.migrate import pending, upgrade
from chatbot.db.registry import metadata


def test_upgrade_from_empty_creates_every_table(fresh_database_url):
    db = Database(fresh_database_url)
    assert pending(db), "an empty database has migrations to apply"
    upgrade(db)
    assert pending(db) == []
    tables = set(inspect(db.engine).get_table_names())
    assert set(metadata.tables) <= tables
    upgrade(db)  # running it again is a no-op
    db.dispose()


def test_sqlite_runs_in_wal_mode(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'wal.db'}")
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    db.dispose()


def test_a_failing_migration_is_one_clear_error_and_keeps_data(fresh_database_url):
    db = Database(fresh_database_url)
    with db.engine.begin() as conn:  # a stray table in the way of the first migration
        conn.execute(text("CREATE TABLE members (id INTEGER PRIMARY KEY, note VARCHAR(20))"))
        conn.execute(text("INSERT INTO members (id, note) VALUES (1, 'keep me')"))
    with pytest.raises(DatabaseError) as caught:
        upgrade(db)
    assert "db upgrade" in str(caught.value) and "\n" not in str(caught.value)
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT note FROM members")).scalar() == "keep me"
    db.dispose()


def test_db_upgrade_command(run_cli, fresh_database_url):
    result = run_cli("db", "upgrade", env={"DATABASE_URL": fresh_database_url})
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout
    status = run_cli("db", "status", env={"DATABASE_URL": fresh_database_url})
    assert status.stdout.strip() == "up to date"


def test_sqlite_reads_do_not_wait_for_a_writer(tmp_path):
    from chatbot.db.models import Member

    db = Database(f"sqlite:///{tmp_path / 'rw.db'}")
    upgrade(db)
    with db.session() as writer:  # holds the write lock until the block ends
        writer.add(Member(platform="console", external_id="w"))
        writer.flush()
        with db.read() as reader:  # would time out on BEGIN IMMEDIATE
            assert reader.query(Member).count() == 0
    with db.read() as reader:
        assert reader.query(Member).count() == 1
    db.dispose()


def test_i12a_moves_old_language_values_to_guesses(fresh_database_url):
    """Before i12a, detection wrote into members.lang; those values become guesses, not choices."""
    from alembic import command

    from chatbot.db.migrate import alembic_config

    db = Database(fresh_database_url)
    command.upgrade(alembic_config(db), "0008")
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO members (platform, external_id, display_name, lang, created_at) "
                          "VALUES ('slack', 'U1', '', 'zh-Hans', CURRENT_TIMESTAMP)"))
    upgrade(db)
    with db.engine.connect() as conn:
        row = conn.execute(text("SELECT lang, lang_guess FROM members WHERE external_id = 'U1'")).one()
    assert tuple(row) == (None, "zh-Hans")
    command.downgrade(alembic_config(db), "0008")
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT lang FROM members WHERE external_id = 'U1'")).scalar() == "zh-Hans"
    db.dispose()
