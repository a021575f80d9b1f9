"""The web endpoints (under `sellerguard serve`): the AI bot webhook at /wecom/aibot, the
self-built app and 微信客服 at /wecom/callback, the Official Account at /wechat/callback.

Each request: the body is capped before it is read (`MAX_BODY_BYTES`, by Content-Length and
while streaming), the query is checked and the ciphertext verified and decrypted
(chatbot/wecom/verify.py) before anything in it is parsed; then the callback is answered at once,
encrypted. AI bot messages and stream refreshes are answered from reads alone and their writes
(nonce, job, stream) follow the answer in one commit, which drops the work if a replay took the
nonce meanwhile; a failed write tells the user to send the message again. A refused request
gets 403 (bad signature, stale timestamp, replayed nonce, wrong receive id), 413 (too large)
or 400 (unreadable), never a 500: an unexpected failure is logged and answered with an empty 200
so the platform does not retry it into a second action.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import datetime
from functools import partial
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from chatbot.app import SellerGuard
from chatbot.web import tidy
from chatbot.wecom.aibot import AiBot, stream_id, stream_key
from chatbot.wecom.callbacks import Classic
from chatbot.wecom.crypto import MsgCrypt, signature
from chatbot.wecom.envelope import (
    BotMessage,
    EnvelopeError,
    XmlMessage,
    bot_message,
    outer_encrypt,
    xml_message,
)
from chatbot.wecom.verify import Gate, Refused, Signed

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024  # callbacks are a few KB; an encrypted 60 000-character paste is ~250 KB
MAX_AIBOT_BODY_BYTES = 512 * 1024  # the AI bot carries pasted notices as JSON


class TooLarge(Exception):
    pass


class After:
    """Work that follows an answer (storing what a callback leads to), on a few threads of the
    web process, so no answer waits for it: not even the next request on the same connection,
    as it would behind a response's background task. `flush` waits for what was handed over."""

    def __init__(self, threads: int = 1) -> None:
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="wecom-after")
        self._lock = threading.Lock()
        self._pending: set[Future[None]] = set()

    def __call__(self, work: Callable[..., None], *args: Any) -> None:
        future = self._pool.submit(work, *args)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._done)

    def _done(self, future: Future[None]) -> None:
        with self._lock:
            self._pending.discard(future)
        if (error := future.exception()) is not None:
            log.error("work after a WeCom answer failed", exc_info=error)
        tidy()

    def flush(self, timeout: float = 30.0) -> None:
        with self._lock:
            pending = list(self._pending)
        wait(pending, timeout=timeout)


async def read_capped(request: Request, limit: int) -> bytes:
    """The request body, refusing (TooLarge) one over `limit` bytes without reading it all."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise TooLarge
    return bytes(body)


def _refused(where: str, code: str, status: int = 403) -> Response:
    log.info("refused a %s callback: %s", where, code)
    return PlainTextResponse("invalid request", status_code=status)


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def passive_text(to_user: str, from_user: str, now: int, text: str) -> str:
    """A passive text reply (plaintext XML, before encryption)."""
    return (f"<xml><ToUserName>{_cdata(to_user)}</ToUserName><FromUserName>{_cdata(from_user)}"
            f"</FromUserName><CreateTime>{now}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content>{_cdata(text)}</Content></xml>")


def sealed_xml(crypt: MsgCrypt, plain: str, nonce: str, now: int) -> str:
    encrypt = crypt.encrypt(plain.encode("utf-8"))
    sig = signature(crypt.token, str(now), nonce, encrypt)
    return (f"<xml><Encrypt>{_cdata(encrypt)}</Encrypt><MsgSignature>{_cdata(sig)}</MsgSignature>"
            f"<TimeStamp>{now}</TimeStamp><Nonce>{_cdata(nonce)}</Nonce></xml>")


Answer = tuple[dict[str, Any] | None, Callable[[], None] | None]  # the JSON to seal; what follows it
READ_ONLY = ("text", "stream")  # callback kinds answered from a read (`aibot_routes`)


class Sent(JSONResponse):
    """A JSON answer whose follow-up work is handed to `after` once the answer is sent: the
    follow-up's first steps would otherwise compete for the interpreter with the answer's."""

    def __init__(self, content: Any, *, then: Callable[[], None] | None, after: After) -> None:
        super().__init__(content)
        self._then = then
        self._after = after

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:  # stored even if the platform hung up: its retry then finds the stream
            if self._then is not None:
                self._after(self._then)


def aibot_routes(guard: SellerGuard, crypt: MsgCrypt, clock: Callable[[], datetime],
                 wake: Callable[[], None], after: After) -> list[BaseRoute]:
    """GET (URL check) and POST /wecom/aibot: JSON envelopes, receive id "". What follows an
    answer is handed to `after`."""
    gate = Gate(crypt, guard.db, clock, scope="aibot")
    bot = AiBot(guard, clock=clock, wake=wake)

    here = guard.db.reads_wait_for_nothing

    def record_nonce(signed: Signed) -> None:
        with guard.db.engine.begin() as conn:
            gate.record_on(conn, signed)

    def from_read(signed: Signed, msg: BotMessage, *, on_loop: bool) -> Answer | None:
        # Messages and stream refreshes (nearly every callback) are answered from one read (the
        # nonce and the stream); their writes follow the answer, so it never waits for SQLite's
        # write lock (as the Slack route acks before storing). None: the answer needs a write
        # first (a stream past its time is closed).
        sid = msg.stream_id if msg.kind == "stream" else stream_id(msg)
        key = stream_key(sid)
        stream = gate.unseen(signed, key, here=on_loop).get(key)
        if msg.kind == "stream":
            frame = bot.frame_from(sid, stream)
            return None if frame is None else (frame, partial(record_nonce, signed))
        frame = bot.first_frame(msg, stream)
        if frame is None:
            return None
        record = partial(gate.record_on, signed=signed)
        return frame, partial(bot.store_message, msg, record, frame["stream"]["content"])

    def on_thread(signed: Signed, msg: BotMessage, *, read: bool) -> Answer:
        # `read`: try the read-only answer first (not when the loop just tried it).
        if read and msg.kind in READ_ONLY and (found := from_read(signed, msg, on_loop=False)) is not None:
            return found
        # Buttons, events and closing a stream act at once: the nonce is kept in their commit.
        with guard.db.engine.begin() as conn:
            if not gate.record_on(conn, signed):
                raise Refused("replay")
        return bot.on_callback(msg), None

    async def endpoint(request: Request) -> Response:
        try:
            signed = Signed.from_query(request.query_params)
            if request.method == "GET":
                plain = await run_in_threadpool(gate.open, signed, signed.echostr)
                return PlainTextResponse(plain.decode("utf-8", "replace"))
            raw = await read_capped(request, MAX_AIBOT_BODY_BYTES)
            try:
                outer = json.loads(raw)
            except (ValueError, UnicodeDecodeError):
                return _refused("AI bot", "json", 400)
            encrypt = outer.get("encrypt") if isinstance(outer, dict) else None
            if not isinstance(encrypt, str) or not encrypt:
                return _refused("AI bot", "shape", 400)
            # Checking and decrypting is CPU work bounded by the body cap, like the read below
            # on a SQLite file (`Database.reads_wait_for_nothing`): both cost less on the loop
            # than a hand-off to a thread and back (~0.4 ms). Anything else runs on a thread.
            msg = bot_message(gate.verify(signed, encrypt))
            on_loop = here and msg.kind in READ_ONLY
            found = from_read(signed, msg, on_loop=True) if on_loop else None
            reply, then = found or await run_in_threadpool(on_thread, signed, msg, read=not on_loop)
        except Refused as exc:
            return _refused("AI bot", exc.code)
        except TooLarge:
            return _refused("AI bot", "too large", 413)
        except EnvelopeError as exc:
            return _refused("AI bot", f"body: {exc}", 400)
        except Exception:
            log.exception("an AI bot callback failed")
            return Response(status_code=200)
        if reply is None:
            if then is not None:
                after(then)
            return Response(status_code=200)
        now = int(clock().timestamp())
        sealed = crypt.encrypt(json.dumps(reply, ensure_ascii=False).encode("utf-8"))
        sig = signature(crypt.token, str(now), signed.nonce, sealed)
        return Sent({"encrypt": sealed, "msgsignature": sig, "timestamp": now, "nonce": signed.nonce},
                    then=then, after=after)

    return [Route("/wecom/aibot", endpoint, methods=["GET", "POST"])]


def xml_routes(path: str, where: str, crypt: MsgCrypt, guard: SellerGuard, clock: Callable[[], datetime],
               on_message: Callable[[XmlMessage], str | None], *, plain_check: bool) -> list[BaseRoute]:
    """GET (URL check) and POST for an XML callback. `plain_check`: the Official Account's URL
    check (a plain `signature`, echostr returned as sent) and its safe-mode POST parameters."""
    gate = Gate(crypt, guard.db, clock, scope=where)

    def handle(signed: Signed, raw: bytes) -> tuple[XmlMessage, str | None]:
        message = xml_message(gate.open(signed, outer_encrypt(raw)))
        return message, on_message(message)

    async def endpoint(request: Request) -> Response:
        try:
            if request.method == "GET":
                if plain_check:
                    signed = Signed.from_query(request.query_params, name="signature")
                    await run_in_threadpool(gate.check_plain, signed)
                    return PlainTextResponse(signed.echostr)
                signed = Signed.from_query(request.query_params)
                return PlainTextResponse((await run_in_threadpool(gate.open, signed, signed.echostr))
                                         .decode("utf-8", "replace"))
            if plain_check and request.query_params.get("encrypt_type") != "aes":
                return _refused(where, "not in safe mode")
            signed = Signed.from_query(request.query_params)
            raw = await read_capped(request, MAX_BODY_BYTES)
            message, text = await run_in_threadpool(handle, signed, raw)
        except Refused as exc:
            return _refused(where, exc.code)
        except TooLarge:
            return _refused(where, "too large", 413)
        except EnvelopeError as exc:
            return _refused(where, f"body: {exc}", 400)
        except Exception:
            log.exception("a %s callback failed", where)
            return Response(status_code=200)
        if not text:
            return Response(status_code=200)
        now = int(clock().timestamp())
        plain = passive_text(message.from_user, message.to_user, now, text)
        return Response(sealed_xml(crypt, plain, signed.nonce, now), media_type="application/xml")

    return [Route(path, endpoint, methods=["GET", "POST"])]


def routes(guard: SellerGuard, *, clock: Callable[[], datetime] | None = None,
           wake: Callable[[], None] = lambda: None, after: After | None = None) -> list[BaseRoute]:
    """The endpoints whose settings are present (none when nothing WeCom/WeChat is set).
    `wake`: a job was queued; `after`: runs what follows an answer (default: its own threads)."""
    s = guard.settings
    now = clock or guard.ctx.clock
    found: list[BaseRoute] = []
    if s.wecom_aibot_token and s.wecom_aibot_aes_key:
        found += aibot_routes(guard, MsgCrypt(s.wecom_aibot_token, s.wecom_aibot_aes_key, ""), now, wake,
                              after or After())
    classic = Classic(guard, clock=now, wake=wake)
    if s.wecom_token and s.wecom_aes_key and s.wecom_corp_id:
        crypt = MsgCrypt(s.wecom_token, s.wecom_aes_key, s.wecom_corp_id)
        found += xml_routes("/wecom/callback", "wecom", crypt, guard, now, classic.on_wecom,
                            plain_check=False)
    if s.wechat_token and s.wechat_aes_key and s.wechat_app_id:
        crypt = MsgCrypt(s.wechat_token, s.wechat_aes_key, s.wechat_app_id)
        found += xml_routes("/wechat/callback", "wechat", crypt, guard, now, classic.on_official_account,
                            plain_check=True)
    return found
