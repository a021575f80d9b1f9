"""The AI bot's long connection (WebSocket), built on `websockets`: subscribe, heartbeat,
reconnect with backoff, and never reconnect once the platform said another connection took over.

Protocol (WeCom developer docs path 101463; Tencent's aibot Node SDK `src/ws.ts`): frames are
JSON `{cmd, headers: {req_id}, body}`; acks are `{headers: {req_id}, errcode, errmsg}` without
`cmd`. The first frame is `aibot_subscribe` `{bot_id, secret}`; `ping` every 30 s; two pings
without an ack mean the connection is dead. One connection per bot: a new subscribe kicks the
old one, which receives `disconnected_event` and must not come back (it would kick the new one
in turn, for ever).

Why not Tencent's `wecom-aibot-python-sdk` (1.0.2): its reconnect gives up after 10 tries (a
bot process should keep trying, with a capped backoff), it pulls aiohttp, pyee and certifi
beside websockets, and its URL and timers are not injectable for offline tests. This module is
the part we need (≈200 lines) on `websockets` alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

log = logging.getLogger(__name__)

PING_SECONDS = 30.0
MISSED_PINGS = 2
BACKOFF_SECONDS = (1.0, 2.0, 4.0, 8.0, 16.0, 30.0)  # then 30 s for ever
ACK_SECONDS = 5.0
MAX_FRAME_BYTES = 1_000_000


@dataclass(frozen=True)
class Frame:
    """One frame from the platform: a command (`cmd`) or an ack (`cmd` == "")."""

    cmd: str
    req_id: str
    body: dict[str, Any]
    errcode: int = 0

    @classmethod
    def parse(cls, raw: str | bytes) -> Frame | None:
        """None for a frame that is not a JSON object."""
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return None
        if not isinstance(data, dict):
            return None
        headers = data.get("headers") if isinstance(data.get("headers"), dict) else {}
        body = data.get("body") if isinstance(data.get("body"), dict) else {}
        code = data.get("errcode", 0)
        return cls(str(data.get("cmd") or ""), str(headers.get("req_id") or ""), body,
                   code if isinstance(code, int) else -1)


class TakenOver(Exception):
    """`disconnected_event`: another connection subscribed for this bot."""


Handler = Callable[[Frame], Awaitable[None]]


@dataclass
class LongConnection:
    """`run()` keeps one subscribed connection until `disconnected_event` or `stop()`.
    `handler` gets every command frame (callbacks); `send` is safe to call from any task."""

    url: str
    bot_id: str
    secret: str
    handler: Handler
    ping_seconds: float = PING_SECONDS
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    generation: int = 0  # counts subscribed connections; a reply names the one it belongs to
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    _socket: ClientConnection | None = None
    _acks: dict[str, asyncio.Future[Frame]] = field(default_factory=dict)
    _locks: dict[str, asyncio.Lock] = field(default_factory=dict)  # one frame in flight per req_id
    _stopping: bool = False

    async def run(self) -> str:
        """Returns why it ended: "taken over" or "stopped"."""
        failures = 0
        while not self._stopping:
            try:
                async with connect(self.url, max_size=MAX_FRAME_BYTES, ping_interval=None,
                                   open_timeout=10) as socket:
                    self._socket = socket
                    await self._subscribe(socket)
                    failures = 0
                    self.generation += 1
                    self.connected.set()
                    log.info("WeCom long connection subscribed (connection %s)", self.generation)
                    await self._serve(socket)
            except TakenOver:
                log.warning("another connection subscribed for this bot; this one stops and does "
                            "not reconnect")
                return "taken over"
            except (OSError, ConnectionClosed, InvalidHandshake, InvalidURI, TimeoutError,
                    PermissionError) as exc:
                log.warning("WeCom long connection lost: %s", exc or type(exc).__name__)
            finally:
                self.connected.clear()
                self._socket = None
                for waiting in self._acks.values():
                    waiting.cancel()
                self._acks.clear()
            if self._stopping:
                break
            delay = BACKOFF_SECONDS[min(failures, len(BACKOFF_SECONDS) - 1)]
            failures += 1
            await self.sleep(delay)
        return "stopped"

    async def stop(self) -> None:
        self._stopping = True
        if self._socket is not None:
            await self._socket.close()

    async def _subscribe(self, socket: ClientConnection) -> None:
        req_id = f"sub-{uuid.uuid4().hex}"
        await socket.send(json.dumps({"cmd": "aibot_subscribe", "headers": {"req_id": req_id},
                                      "body": {"bot_id": self.bot_id, "secret": self.secret}}))
        raw = await asyncio.wait_for(socket.recv(), ACK_SECONDS)
        ack = Frame.parse(raw)
        if ack is None or ack.req_id != req_id or ack.errcode != 0:
            code = ack.errcode if ack is not None else "unreadable"
            raise PermissionError(f"subscribe refused ({code}); check WECOM_AIBOT_ID and WECOM_AIBOT_SECRET")

    async def _serve(self, socket: ClientConnection) -> None:
        heartbeat = asyncio.create_task(self._heartbeat(socket))
        tasks: set[asyncio.Task[None]] = set()
        try:
            async for raw in socket:
                frame = Frame.parse(raw)
                if frame is None:
                    log.info("ignored a frame that is not JSON")
                    continue
                if not frame.cmd:
                    waiting = self._acks.pop(frame.req_id, None)
                    if waiting is not None and not waiting.done():
                        waiting.set_result(frame)
                    continue
                if frame.cmd == "aibot_event_callback" and \
                        (frame.body.get("event") or {}).get("eventtype") == "disconnected_event":
                    raise TakenOver
                task = asyncio.create_task(self._dispatch(frame))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat

    async def _dispatch(self, frame: Frame) -> None:
        try:
            await self.handler(frame)
        except Exception:
            log.exception("handling a %s frame failed", frame.cmd)

    async def _heartbeat(self, socket: ClientConnection) -> None:
        missed = 0
        while True:
            await asyncio.sleep(self.ping_seconds)
            req_id = f"ping-{uuid.uuid4().hex}"
            answer = asyncio.get_running_loop().create_future()
            self._acks[req_id] = answer
            await socket.send(json.dumps({"cmd": "ping", "headers": {"req_id": req_id}}))
            try:
                await asyncio.wait_for(answer, self.ping_seconds)
                missed = 0
            except TimeoutError:
                self._acks.pop(req_id, None)
                missed += 1
                if missed >= MISSED_PINGS:
                    log.warning("%s pings without an answer; reconnecting", missed)
                    await socket.close()
                    return

    async def send(self, cmd: str, req_id: str, body: dict[str, Any]) -> Frame:
        """Send a frame and wait for its ack (ACK_SECONDS); frames sharing a req_id go one at a
        time, in order. Raises ConnectionError when there is no connection or it was refused."""
        lock = self._locks.setdefault(req_id, asyncio.Lock())
        try:
            async with lock:
                return await self._send(cmd, req_id, body)
        finally:
            if not lock.locked():
                self._locks.pop(req_id, None)

    async def _send(self, cmd: str, req_id: str, body: dict[str, Any]) -> Frame:
        socket = self._socket
        if socket is None:
            raise ConnectionError("not connected")
        answer: asyncio.Future[Frame] = asyncio.get_running_loop().create_future()
        self._acks[req_id] = answer
        try:
            await socket.send(json.dumps({"cmd": cmd, "headers": {"req_id": req_id}, "body": body},
                                         ensure_ascii=False))
            ack = await asyncio.wait_for(answer, ACK_SECONDS)
        except (ConnectionClosed, TimeoutError, asyncio.CancelledError) as exc:
            raise ConnectionError(f"{cmd}: {type(exc).__name__}") from None
        finally:
            self._acks.pop(req_id, None)
        if ack.errcode != 0:
            raise ConnectionError(f"{cmd} refused: errcode {ack.errcode}")
        return ack
