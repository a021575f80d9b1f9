"""State the WeCom / WeChat entry points share between processes, in the database.

One small key-value table (`wecom_state`) holds: callback nonces seen (replay protection, 2 h),
access tokens (shared by every process, refreshed before expiry), the 微信客服 sync cursor, the
AI bot's stream contents (the refresh callback may reach any web process) and "already answered"
markers. Keys are namespaced: "nonce:", "token:", "kf_cursor:", "stream:", "sent:".
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import JSON, Connection, Select, String, bindparam, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from chatbot.db import Database
from chatbot.db.base import Base, UTCDateTime
from chatbot.db.inserts import insert_ignore

KEY_CHARS = 255


class WeComState(Base):
    __tablename__ = "wecom_state"

    key: Mapped[str] = mapped_column(String(KEY_CHARS), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSON)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)


@cache
def _get(count: int) -> Select[tuple[str, dict[str, Any]]]:
    # One statement per number of keys, with plain parameters: an "expanding" IN would be
    # rendered again on every call, which costs more than the query.
    return select(WeComState.key, WeComState.value).where(
        WeComState.key.in_([bindparam(f"k{n}") for n in range(count)]),
        WeComState.expires_at.is_(None) | (WeComState.expires_at > bindparam("now")))


def get_many(db: Database, keys: Collection[str], now: datetime, *,
             here: bool = False) -> dict[str, dict[str, Any]]:
    """The live values under `keys` (absent and expired keys left out), in one query on a Core
    connection, not a session: callbacks are answered from this read. `here`: on the calling
    thread's own connection (`Database.read_here`; an event loop's, SQLite files only)."""
    wanted = {key[:KEY_CHARS]: key for key in keys}
    params: dict[str, Any] = {f"k{n}": key for n, key in enumerate(wanted)}
    params["now"] = now
    if here:
        rows = db.read_here(_get(len(wanted)), params)
    else:
        with db.reading() as conn:
            rows = conn.execute(_get(len(wanted)), params).all()
    return {wanted[key]: value for key, value in rows if isinstance(value, dict)}


def get(db: Database, key: str, now: datetime) -> dict[str, Any] | None:
    """The live value under `key`, or None (absent or expired)."""
    return get_many(db, (key,), now).get(key)


def put(db: Database, key: str, value: dict[str, Any], now: datetime,
        ttl: float | None = None) -> None:
    """Set `key` to `value` (JSON object), expiring after `ttl` seconds (None: never)."""
    key = key[:KEY_CHARS]
    expires = now + timedelta(seconds=ttl) if ttl is not None else None
    with db.session() as session:
        changed = session.execute(update(WeComState).where(WeComState.key == key)
                                  .values(value=value, expires_at=expires)).rowcount  # type: ignore[attr-defined]
        if changed:
            return
    try:
        with db.session() as session:
            session.add(WeComState(key=key, value=value, expires_at=expires))
    except IntegrityError:  # another process inserted it meanwhile: ours is the newer value
        with db.session() as session:
            session.execute(update(WeComState).where(WeComState.key == key)
                            .values(value=value, expires_at=expires))


def claim(db: Database, key: str, now: datetime, ttl: float,
          value: dict[str, Any] | None = None) -> bool:
    """True for the first caller (in any process) to claim `key` while it is live; False after.
    One insert in the common case; an expired claim is removed and the key claimed again."""
    key = key[:KEY_CHARS]
    row = {"key": key, "value": value or {}, "expires_at": now + timedelta(seconds=ttl)}
    for _ in range(2):
        try:
            with db.session() as session:
                session.add(WeComState(**row))
            return True
        except IntegrityError:
            with db.session() as session:
                gone = session.execute(delete(WeComState).where(
                    WeComState.key == key, WeComState.expires_at <= now)).rowcount  # type: ignore[attr-defined]
            if not gone:
                return False
    return False


def claim_on(conn: Connection, key: str, now: datetime, ttl: float,
             value: dict[str, Any] | None = None) -> bool:
    """`claim` inside the caller's transaction, for keys never claimed twice (nonces, streams)."""
    return insert_ignore(conn, WeComState.__table__, {  # type: ignore[arg-type]
        "key": key[:KEY_CHARS], "value": value or {}, "expires_at": now + timedelta(seconds=ttl)})


def prune(db: Database, now: datetime) -> int:
    """Delete expired rows; returns how many."""
    with db.session() as session:
        result = session.execute(delete(WeComState).where(WeComState.expires_at <= now))
        return int(result.rowcount)  # type: ignore[attr-defined]
