"""One read connection per thread for the lookup hot path.

Checking a connection out of SQLAlchemy's pool and handing it back (a rollback, and on PostgreSQL a
pre-ping round trip) costs about as much as the indexed lookup itself. A thread that looks sites up
keeps its own driver connection instead, in autocommit mode, so every SELECT is its own
transaction: it sees everything committed before it started and never holds a snapshot, a lock or
an open transaction between lookups (nothing stale after a write, nothing blocking a writer,
TRUNCATE or a migration). The number of such connections is capped; threads beyond the cap, and
in-memory SQLite (where a new connection would be a different, empty database), use the pool.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Engine, event

T = TypeVar("T")
MAX_READERS = 8


class _Reader:
    """A thread's connection and cursor; closed when the thread ends or the engine is disposed."""

    def __init__(self, key: int, connection: Any, generation: int) -> None:
        self.key = key
        self.connection = connection
        self.cursor = connection.cursor()
        self.generation = generation


class ReadConnections:
    def __init__(self, engine: Engine, limit: int = MAX_READERS) -> None:
        self._engine = weakref.ref(engine)  # the registry below must not keep the engine alive
        self._limit = limit
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: dict[int, Any] = {}  # reader key -> driver connection (None while connecting)
        self._keys = itertools.count()
        self._generation = 0
        url = engine.url
        memory = url.get_backend_name() == "sqlite" and (
            url.database in (None, "", ":memory:") or "mode=memory" in str(url))
        self.enabled = limit > 0 and not memory
        self._errors: tuple[type[BaseException], ...] = (engine.dialect.dbapi.Error,)  # type: ignore[union-attr]
        event.listen(engine, "engine_disposed", self._close_all)

    def run(self, work: Callable[[Any], T]) -> T:
        """`work(cursor)` on this thread's read connection (or a pooled one). A connection that
        fails is closed and replaced once: after a server restart the first lookup still answers."""
        reader = self._reader() if self.enabled else None
        if reader is None:
            return self._pooled(work)
        try:
            return work(reader.cursor)
        except BaseException as exc:
            self._discard(reader)  # never reuse a connection left mid-statement
            if not isinstance(exc, self._errors):
                raise
        reader = self._reader()
        if reader is None:
            return self._pooled(work)
        try:
            return work(reader.cursor)
        except BaseException:
            self._discard(reader)
            raise

    @property
    def open_count(self) -> int:
        return len(self._open)

    def _engine_or_fail(self) -> Engine:
        engine = self._engine()
        if engine is None:
            raise RuntimeError("the database engine is gone")
        return engine

    def _pooled(self, work: Callable[[Any], T]) -> T:
        raw = self._engine_or_fail().raw_connection()
        try:
            return work(raw.cursor())
        finally:
            raw.close()  # back to the pool, which rolls back anything the driver began

    def _reader(self) -> _Reader | None:
        reader: _Reader | None = getattr(self._local, "reader", None)
        if reader is not None and reader.generation == self._generation:
            return reader
        with self._lock:
            if len(self._open) >= self._limit:
                return None
            key, generation = next(self._keys), self._generation
            self._open[key] = None  # hold the place while connecting, outside the lock
        connection: Any = None
        try:
            engine = self._engine_or_fail()
            pooled = engine.raw_connection()  # runs the engine's connect hooks (SQLite pragmas)
            pooled.detach()  # ours now: closing it closes it, and it no longer counts against the pool
            connection = pooled.dbapi_connection
            connection.rollback()  # a pre-ping may have begun a transaction
            if engine.dialect.name != "sqlite":
                connection.autocommit = True  # psycopg: each statement is its own transaction
            reader = _Reader(key, connection, generation)
        except BaseException:
            if connection is not None:
                _close(connection)
            self._release(key)
            raise
        with self._lock:
            if self._generation != generation or key not in self._open:
                _close(connection)  # the engine was disposed meanwhile; use the pool this once
                return None
            self._open[key] = connection
        weakref.finalize(reader, _release_from, weakref.ref(self), key)
        self._local.reader = reader
        return reader

    def _release(self, key: int) -> None:
        with self._lock:
            connection = self._open.pop(key, None)
        if connection is not None:
            _close(connection)

    def _discard(self, reader: _Reader) -> None:
        if getattr(self._local, "reader", None) is reader:
            del self._local.reader
        self._release(reader.key)

    def _close_all(self, _engine: Engine) -> None:
        with self._lock:
            self._generation += 1
            connections, self._open = list(self._open.values()), {}
        for connection in connections:
            if connection is not None:
                _close(connection)


def _release_from(owner: weakref.ref[ReadConnections], key: int) -> None:
    # A thread ended (its reader was collected): close its connection and free its place.
    readers = owner()
    if readers is not None:
        readers._release(key)


def _close(connection: Any) -> None:
    with contextlib.suppress(Exception):  # already broken or closed: nothing left to release
        connection.close()


_by_engine: weakref.WeakKeyDictionary[Engine, ReadConnections] = weakref.WeakKeyDictionary()
_registry_lock = threading.Lock()


def readers_for(engine: Engine) -> ReadConnections:
    """The engine's read connections, made on first use."""
    found = _by_engine.get(engine)
    if found is None:
        with _registry_lock:
            found = _by_engine.get(engine)
            if found is None:
                found = _by_engine[engine] = ReadConnections(engine)
    return found
