"""What a callback's first answer goes through, made cheap: statements compiled once and run on
the driver's connection (chatbot/db/prepared.py, `Database.read_here`) give what SQLAlchemy
gives, on SQLite and PostgreSQL; the work after an answer is handed over once it is sent; ASCII
text skips the script conversion."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, bindparam, select

from chatbot.db import Database
from chatbot.db.prepared import Prepared
from chatbot.i18n import to_simplified, to_traditional
from chatbot.wecom import store
from chatbot.wecom.routes import After, Sent
from chatbot.wecom.store import WeComState

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _fill(db: Database) -> None:
    store.claim(db, "live", NOW, 60, value={"content": "正在查询…", "n": [1, 2]})
    store.claim(db, "expired", NOW - timedelta(hours=3), 60)
    store.put(db, "forever", {"a": None}, NOW)


def test_a_prepared_read_gives_the_rows_sqlalchemy_gives(db: Database) -> None:
    _fill(db)
    statement = select(WeComState.key, WeComState.value, WeComState.expires_at).where(
        WeComState.key.in_([bindparam("a"), bindparam("b"), bindparam("c")]),
        WeComState.expires_at.is_(None) | (WeComState.expires_at > bindparam("now")))
    params = {"a": "live", "b": "expired", "c": "forever", "now": NOW}
    with db.engine.connect() as conn:
        expected = sorted(tuple(row) for row in conn.execute(statement, params))
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            got = sorted(Prepared(statement, db.engine.dialect)(cursor, params))
        finally:
            cursor.close()
    assert got == expected
    assert got == [("forever", {"a": None}, None),
                   ("live", {"content": "正在查询…", "n": [1, 2]}, NOW + timedelta(seconds=60))]
    assert got[1][2].tzinfo is not None  # read back aware, as through a session


def test_a_missing_parameter_is_a_key_error(db: Database) -> None:
    statement = select(WeComState.key).where(WeComState.key == bindparam("k"))
    with db.engine.connect() as conn:
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        with pytest.raises(KeyError):
            Prepared(statement, db.engine.dialect)(cursor, {})
        cursor.close()


def test_reads_here_match_reads_through_the_pool_and_recover_from_an_error(db: Database) -> None:
    _fill(db)
    keys = ["live", "expired", "forever", "absent"]
    if not db.reads_wait_for_nothing:  # a network database: the loop never reads it itself
        with pytest.raises(ValueError):
            store.get_many(db, keys, NOW, here=True)
        return
    assert store.get_many(db, keys, NOW, here=True) == store.get_many(db, keys, NOW) == {
        "live": {"content": "正在查询…", "n": [1, 2]}, "forever": {"a": None}}
    missing = Table("no_such_table", MetaData(), Column("id", Integer))
    with pytest.raises(Exception, match="no such table"):
        db.read_here(select(missing.c.id), {})
    store.put(db, "live", {"content": "done"}, NOW, 60)  # written after the failed read
    assert store.get_many(db, ["live"], NOW, here=True) == {"live": {"content": "done"}}


def test_an_in_memory_database_is_never_read_here() -> None:
    memory = Database("sqlite://")
    assert not memory.reads_wait_for_nothing
    memory.dispose()


def test_follow_up_work_is_handed_over_once_the_answer_is_sent() -> None:
    sent: list[dict[str, Any]] = []
    seen_when_handed: list[int] = []
    after = After(threads=1)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    answer = Sent({"encrypt": "x"}, then=lambda: seen_when_handed.append(len(sent)), after=after)
    asyncio.run(answer({"type": "http", "method": "POST"}, receive, send))
    after.flush()
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    assert seen_when_handed == [2]


def test_follow_up_work_is_handed_over_even_when_sending_fails() -> None:
    handed: list[str] = []
    after = After(threads=1)

    async def send(message: dict[str, Any]) -> None:
        raise OSError("the platform hung up")

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    answer = Sent({"encrypt": "x"}, then=lambda: handed.append("stored"), after=after)
    with pytest.raises(OSError):
        asyncio.run(answer({"type": "http", "method": "POST"}, receive, send))
    after.flush()
    assert handed == ["stored"]  # the platform retries; the retry finds the stream


def test_prepared_inserts_report_whether_they_inserted(db: Database) -> None:
    from chatbot.db.inserts import insert_ignore

    row = {"key": "nonce:x", "value": {}, "expires_at": NOW + timedelta(hours=2)}
    with db.engine.begin() as conn:
        assert insert_ignore(conn, WeComState.__table__, row) is True
        assert insert_ignore(conn, WeComState.__table__, row) is False
    with db.engine.begin() as conn:
        assert insert_ignore(conn, WeComState.__table__, row) is False
    assert store.get(db, "nonce:x", NOW) == {}


def test_a_prepared_insert_on_a_bare_connection_follows_its_commit_or_rollback(db: Database) -> None:
    from chatbot.db.inserts import insert_ignore

    def row(key: str) -> dict[str, Any]:
        return {"key": key, "value": {}, "expires_at": NOW + timedelta(hours=2)}

    with db.engine.connect() as conn:  # no transaction begun: it begins one, as execute does
        assert insert_ignore(conn, WeComState.__table__, row("kept"))
        conn.commit()
    with db.engine.connect() as conn:
        assert insert_ignore(conn, WeComState.__table__, row("dropped"))
        conn.rollback()
    assert store.get_many(db, ["kept", "dropped"], NOW) == {"kept": {}}


def test_a_failed_transaction_keeps_none_of_its_prepared_inserts(db: Database) -> None:
    from chatbot.db.inserts import insert_ignore

    row = {"key": "stream:y", "value": {"content": "…"}, "expires_at": NOW + timedelta(hours=2)}
    with pytest.raises(RuntimeError), db.engine.begin() as conn:
        insert_ignore(conn, WeComState.__table__, row)
        raise RuntimeError("the job insert failed")
    assert store.get(db, "stream:y", NOW) is None


def test_ascii_text_is_not_converted_and_chinese_still_is() -> None:
    text = "@SellerGuard checksite https://shop.example/products/lamp?variant=1"
    assert to_simplified(text) is text and to_traditional(text) is text
    assert to_simplified("查網站 收到侵權警告") == "查网站 收到侵权警告"
    assert to_traditional("收到侵权投诉了") == "收到侵權投訴了"
