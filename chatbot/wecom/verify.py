"""Checks every WeCom / WeChat callback passes before its body is parsed.

Order: the timestamp is inside the window (±300 s by default, injectable clock), the signature
matches (constant time), the nonce was not seen in the last two hours (a row in the database,
shared by every process), then the ciphertext is decrypted and the receive id checked
(`MsgCrypt.decrypt`). WeCom documents the nonce as unique for 2 h (developer docs path 101033);
wechatpy 1.8.18 checks neither time nor nonce. The caller caps the body size before reading it.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from chatbot.db import Database
from chatbot.wecom import store
from chatbot.wecom.crypto import CryptoError, MsgCrypt, signature

WINDOW_SECONDS = 300
NONCE_TTL_SECONDS = 2 * 3600
MAX_PARAM_CHARS = 128  # timestamp, nonce and signature are short; echostr has its own cap
MAX_ECHOSTR_CHARS = 1024


class Refused(ValueError):
    """A callback that failed a check; `code` names which ("timestamp", "signature", "replay",
    "params", or a CryptoError code). Routes answer 403 and log the code, never the body."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Signed:
    """The query parameters WeCom / WeChat sign a callback with."""

    signature: str
    timestamp: str
    nonce: str
    echostr: str = ""

    @classmethod
    def from_query(cls, query: Mapping[str, str], *, name: str = "msg_signature") -> Signed:
        """Read and bound the parameters; Refused("params") when one is missing or malformed.
        (Starlette has already URL-decoded them.)"""
        sig, ts, nonce = (str(query.get(key, "")) for key in (name, "timestamp", "nonce"))
        echostr = str(query.get("echostr", ""))
        if not sig or not ts or not nonce or any(len(v) > MAX_PARAM_CHARS for v in (sig, ts, nonce)):
            raise Refused("params")
        if not ts.isascii() or not ts.isdigit() or len(echostr) > MAX_ECHOSTR_CHARS:
            raise Refused("params")
        return cls(sig, ts, nonce, echostr)


class Gate:
    """One callback configuration's checks. `scope` keeps nonces of different bots apart."""

    def __init__(self, crypt: MsgCrypt, db: Database, clock: Callable[[], datetime], *,
                 scope: str, window: int = WINDOW_SECONDS) -> None:
        self.crypt = crypt
        self.db = db
        self.clock = clock
        self.scope = scope
        self.window = window

    def _fresh(self, signed: Signed) -> None:
        if abs(self.clock().timestamp() - int(signed.timestamp)) > self.window:
            raise Refused("timestamp")

    def _nonce_key(self, signed: Signed) -> str:
        return f"nonce:{self.scope}:{signed.timestamp}:{signed.nonce}"

    def _first_use(self, signed: Signed, conn: Connection | None = None) -> None:
        if not (self.record_on(conn, signed) if conn is not None
                else store.claim(self.db, self._nonce_key(signed), self.clock(), NONCE_TTL_SECONDS)):
            raise Refused("replay")

    def _signed(self, signed: Signed, encrypt: str) -> None:
        self._fresh(signed)
        try:
            self.crypt.check_signature(signed.signature, signed.timestamp, signed.nonce, encrypt)
        except CryptoError as exc:
            raise Refused(exc.code) from None

    def _decrypt(self, encrypt: str) -> bytes:
        try:
            return self.crypt.decrypt(encrypt)
        except CryptoError as exc:
            raise Refused(exc.code) from None

    def open(self, signed: Signed, encrypt: str, conn: Connection | None = None) -> bytes:
        """The plaintext of a signed, encrypted callback body (or GET echostr); Refused when any
        check fails. The nonce is recorded only once the signature is known to be good, so a
        forger cannot burn nonces; with `conn`, in the caller's transaction (which then records
        what the callback leads to in the same commit)."""
        self._signed(signed, encrypt)
        self._first_use(signed, conn)
        return self._decrypt(encrypt)

    def verify(self, signed: Signed, encrypt: str) -> bytes:
        """`open`'s checks except the nonce (timestamp, signature, decryption, receive id): the
        plaintext of an authentic callback. For a callback answered before its writes, which
        then calls `unseen` (one read) and records the nonce afterwards with `record_on`."""
        self._signed(signed, encrypt)
        return self._decrypt(encrypt)

    def unseen(self, signed: Signed, *also: str, here: bool = False) -> dict[str, dict[str, Any]]:
        """Refused("replay") when the nonce was recorded; else the live values of the state keys
        `also` (chatbot/wecom/store.py), read in the same query (`here`: see `store.get_many`).
        A read never waits for SQLite's write lock; two copies arriving together both pass, and
        `record_on` lets one act."""
        nonce = self._nonce_key(signed)
        found = store.get_many(self.db, [nonce, *also], self.clock(), here=here)
        if nonce in found:
            raise Refused("replay")
        return found

    def record_on(self, conn: Connection, signed: Signed) -> bool:
        """Record the nonce of a checked callback in the caller's transaction; False when it was
        already recorded (a replay that passed `check` at the same moment)."""
        return store.claim_on(conn, self._nonce_key(signed), self.clock(), NONCE_TTL_SECONDS)

    def check_plain(self, signed: Signed) -> None:
        """The Official Account's plain signature (SHA-1 of sorted token, timestamp, nonce), used
        for its URL check (and its `signature` parameter beside `msg_signature`)."""
        self._fresh(signed)
        expected = signature(self.crypt.token, signed.timestamp, signed.nonce, "")
        # an empty fourth string leaves the documented three-string recipe
        if not hmac.compare_digest(expected.encode(), signed.signature.lower().encode("ascii", "replace")):
            raise Refused("signature")
        self._first_use(signed)
