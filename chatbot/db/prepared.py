"""Hot statements compiled once and run straight on a driver cursor.

For the few statements on a request's critical path: a WeCom callback's read (the nonce and the
stream, run by the event loop itself: `Database.read_here`) and the inserts that follow its
answer (`execute`, inside the caller's transaction). SQLAlchemy's work around each execution
(events, an execution context, a result object: ~0.1 ms) costs several times what SQLite takes
for the statement (~0.02 ms), and on the web process it holds the interpreter an answer may be
waiting for. The SQL text, the parameters' order and every column's conversion come from
SQLAlchemy once, so statements and types stay defined in one place (the models) and the values
are the ones `Connection.execute` would give.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.expression import Executable

Convert = Callable[[Any], Any] | None


class Prepared:
    """`Prepared(statement, dialect, keys)(cursor, params)`: the rows (tuples of converted values)
    of `statement` (a select, or an insert with or without RETURNING) run with `params` (bind or
    column name → Python value, as for `Connection.execute`); [] for a statement without rows.
    `keys`: the column names an insert is given values for. KeyError for a missing parameter;
    the driver's own errors pass through."""

    def __init__(self, statement: Executable, dialect: Dialect, keys: Collection[str] = ()) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=list(keys) or None)  # type: ignore[attr-defined]
        self.sql = compiled.string
        self._order = list(compiled.positiontup or []) if compiled.positional else None
        self._binds: dict[str, Convert] = {
            bind.key: bind.type.dialect_impl(dialect).bind_processor(dialect)
            for bind in compiled.binds.values()}
        columns = getattr(statement, "exported_columns", ())
        self._results: list[Convert] = [
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns]

    def _value(self, name: str, params: Mapping[str, Any]) -> Any:
        convert = self._binds.get(name)
        value = params[name]
        return convert(value) if convert is not None else value

    def __call__(self, cursor: Any, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        bound: Any = (tuple(self._value(name, params) for name in self._order) if self._order is not None
                      else {name: self._value(name, params) for name in self._binds})
        cursor.execute(self.sql, bound)
        if cursor.description is None:
            return []
        rows = cursor.fetchall()  # read to the end: on SQLite that ends a read's transaction
        return [tuple(value if convert is None else convert(value)
                      for convert, value in zip(self._results, row, strict=True)) for row in rows]


_CACHE: dict[tuple[Executable, str, tuple[str, ...]], Prepared] = {}


def prepared(statement: Executable, dialect: Dialect, keys: Collection[str] = ()) -> Prepared:
    """The `Prepared` form of `statement` for `dialect` (and insert `keys`), built once. Meant
    for statements built once per process (module constants, cached builders)."""
    key = (statement, dialect.name, tuple(keys))
    found = _CACHE.get(key)
    if found is None:
        found = _CACHE.setdefault(key, Prepared(statement, dialect, keys))
    return found


def execute(conn: Connection, statement: Executable, params: Mapping[str, Any], *,
            keys: Collection[str] = ()) -> list[tuple[Any, ...]]:
    """`conn.execute(statement, params)` for a hot statement, in `conn`'s transaction, run on
    its driver connection: the rows as `Prepared` gives them. `keys`: see `Prepared`. As with
    `conn.execute`, a transaction is begun if none is (the caller commits or rolls it back)."""
    if not conn.in_transaction():
        conn.begin()
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        return prepared(statement, conn.dialect, keys)(cursor, params)
    finally:
        cursor.close()
