"""Insert-if-absent (`ON CONFLICT DO NOTHING`) on SQLite and PostgreSQL: one row on a bare
connection for hot paths that must not pay for an ORM session, or many rows in a session or on a
connection."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Connection, Insert, Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from chatbot.db.prepared import execute


@cache
def _ignoring(dialect: str, table: Table) -> Insert:
    # Built once per table: the row goes in as parameters, so SQLAlchemy reuses the compiled
    # statement instead of building and keying a new one for every row's values.
    insert = sqlite_insert if dialect == "sqlite" else pg_insert
    key = next(iter(table.primary_key.columns))
    # RETURNING, not rowcount: psycopg reports a row for an insert that did nothing.
    return insert(table).on_conflict_do_nothing().returning(key)  # type: ignore[no-any-return]


def insert_ignore(conn: Connection, table: Table, row: dict[str, Any]) -> bool:
    """Insert `row` unless its key exists (SQLite and PostgreSQL `ON CONFLICT DO NOTHING`);
    True when it was inserted. Works inside the caller's transaction, on its driver cursor
    (chatbot/db/prepared.py: a hot path, after every callback)."""
    return bool(execute(conn, _ignoring(conn.dialect.name, table), row, keys=sorted(row)))


def insert_ignore_many(on: Session | Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert each of `rows` whose key is not taken yet, in one statement inside the
    transaction of `on` (a session, or a connection); rows whose key exists are skipped."""
    if not rows:
        return
    dialect = on.dialect if isinstance(on, Connection) else on.get_bind().dialect
    insert = sqlite_insert if dialect.name == "sqlite" else pg_insert
    on.execute(insert(table).on_conflict_do_nothing(), rows)
