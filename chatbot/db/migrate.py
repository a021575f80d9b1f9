"""Apply Alembic migrations from code (`sellerguard db upgrade`, and at start-up on SQLite)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.exc import SQLAlchemyError

from chatbot.db.engine import Database, DatabaseError

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(db: Database) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    config.attributes["engine"] = db.engine
    return config


def pending(db: Database) -> list[str]:
    """Revisions not yet applied to this database."""
    script = ScriptDirectory.from_config(alembic_config(db))
    with db.engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    heads = script.get_revisions("heads")
    applied: set[str] = set()
    for rev in current:
        applied.update(r.revision for r in script.iterate_revisions(rev, "base"))
    todo = set()
    for head in heads:
        for rev in script.iterate_revisions(head.revision, "base"):
            if rev.revision not in applied:
                todo.add(rev.revision)
    return sorted(todo)


def upgrade(db: Database) -> None:
    """Bring the schema to the newest revision; one readable error if that fails."""
    db.check()
    try:
        command.upgrade(alembic_config(db), "heads")
    except (SQLAlchemyError, OSError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise DatabaseError(
            f"Migrating the database ({db.describe()}) failed: {reason}. "
            "Nothing was changed by the failing step; fix the cause and run "
            "`sellerguard db upgrade` again."
        ) from None
