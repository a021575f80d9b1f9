"""The AI bot over its long connection, against a local WebSocket stand-in on 127.0.0.1: it
subscribes, pings, answers a callback with a stream (same req_id, finish false then true),
resubscribes after the socket drops, and stops for good on `disconnected_event`."""

from __future__ import annotations

import asyncio
import json
import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection
from websockets.asyncio.server import serve as ws_serve

from chatbot.app import SellerGuard
from chatbot.jobs import JobQueue
from chatbot.wecom.work import JobLoop
from chatbot.wecom.ws_bot import JOB_KIND, WsBot
from tests.fixtures.sites.server import Web, serve
from tests.wecom_fake import with_local_web

WAIT = 60.0  # generous: only a broken client ever waits this long


class FakeWebSocket:
    """The platform's side: records every frame (with its connection number) and acks them."""

    def __init__(self) -> None:
        self.frames: queue.Queue[tuple[int, dict[str, Any]]] = queue.Queue()
        self.connections = 0
        self.current: ServerConnection | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.port = 0
        self.ready = threading.Event()

    async def handler(self, socket: ServerConnection) -> None:
        self.connections += 1
        number = self.connections
        first = json.loads(await socket.recv())
        ok = first.get("cmd") == "aibot_subscribe" and first["body"] == {"bot_id": "aib-ws",
                                                                          "secret": "s3cret"}
        await socket.send(json.dumps({"headers": first["headers"], "errcode": 0 if ok else 40058,
                                      "errmsg": "ok"}))
        if ok:
            self.current = socket
        self.frames.put((number, first))  # after `current` is set: the test may push at once
        if not ok:
            return
        async for raw in socket:
            frame = json.loads(raw)
            self.frames.put((number, frame))
            await socket.send(json.dumps({"headers": frame["headers"], "errcode": 0, "errmsg": "ok"}))

    def push(self, frame: dict[str, Any]) -> None:
        assert self.loop is not None and self.current is not None
        asyncio.run_coroutine_threadsafe(self.current.send(json.dumps(frame, ensure_ascii=False)),
                                         self.loop).result(WAIT)

    def drop(self) -> None:
        assert self.loop is not None and self.current is not None
        asyncio.run_coroutine_threadsafe(self.current.close(), self.loop).result(WAIT)

    def next(self, cmd: str) -> tuple[int, dict[str, Any]]:
        """The next frame with this command (pings and others in between are skipped)."""
        while True:
            number, frame = self.frames.get(timeout=WAIT)
            if frame.get("cmd") == cmd:
                return number, frame

    def run(self) -> None:
        async def main() -> None:
            self.loop = asyncio.get_running_loop()
            async with ws_serve(self.handler, "127.0.0.1", 0) as server:
                self.port = server.sockets[0].getsockname()[1]
                self.ready.set()
                await asyncio.Future()

        asyncio.run(main())


@pytest.fixture
def platform() -> FakeWebSocket:
    fake = FakeWebSocket()
    threading.Thread(target=fake.run, daemon=True, name="fake-ws").start()
    assert fake.ready.wait(WAIT)
    return fake


@pytest.fixture
def web() -> Iterator[Web]:
    with serve() as running:
        yield running


@pytest.fixture
def bot(app: SellerGuard, web: Web, with_settings: Callable[..., SellerGuard]) -> SellerGuard:
    return with_local_web(app, web, with_settings, wecom_aibot_id="aib-ws", wecom_aibot_secret="s3cret")


def callback(req_id: str, text: str, msgid: str) -> dict[str, Any]:
    return {"cmd": "aibot_msg_callback", "headers": {"req_id": req_id},
            "body": {"msgid": msgid, "aibotid": "aib-ws", "chatid": "grp-ws", "chattype": "group",
                     "from": {"userid": "zhang.wei"}, "msgtype": "text",
                     "text": {"content": f"@SellerGuard {text}"}}}


def test_long_connection_end_to_end(bot: SellerGuard, platform: FakeWebSocket, web: Web) -> None:
    # A job left by a process that stopped mid-lookup: its connection is gone, so it is pushed.
    JobQueue(bot.db).enqueue(JOB_KIND, {
        "incoming": {"user": "li.na", "text": "help", "workspace": "aib-ws", "channel": "li.na",
                     "message_id": "old"},
        "stream_id": "sg-old", "req_id": "R-old", "connection": "gone:1", "chatid": "li.na",
        "chattype": "single"}, delivery_key="wecom:aibot:aib-ws:old")
    delays: list[float] = []
    result: dict[str, Any] = {}

    async def no_wait(seconds: float) -> None:
        delays.append(seconds)
        await asyncio.sleep(0)

    def client() -> None:
        async def main() -> None:
            ws_bot = WsBot(bot, asyncio.get_running_loop(), url=f"ws://127.0.0.1:{platform.port}",
                           ping_seconds=0.2)
            ws_bot.connection.sleep = no_wait
            jobs = JobLoop(bot, (JOB_KIND,), threads=2, runners={JOB_KIND: ws_bot.run_job}, poll_seconds=0.5)
            ws_bot.wake = jobs.wake
            try:
                result["end"] = await ws_bot.connection.run()
            finally:
                await asyncio.to_thread(jobs.close)

        asyncio.run(main())

    thread = threading.Thread(target=client, daemon=True, name="ws-client")
    thread.start()
    number, subscribe = platform.next("aibot_subscribe")
    assert number == 1 and subscribe["body"]["bot_id"] == "aib-ws"
    _, pushed = platform.next("aibot_send_msg")  # the restarted job, answered once
    assert pushed["body"]["chatid"] == "li.na" and pushed["body"]["msgtype"] == "markdown"
    platform.next("ping")

    url = web.shop("glowpeak-shop.com", "/products/aurora-lamp")
    platform.push(callback("R1", f"查站 {url}", "w1"))
    _, first = platform.next("aibot_respond_msg")
    assert first["headers"]["req_id"] == "R1"
    assert first["body"]["stream"]["finish"] is False
    assert first["body"]["stream"]["content"].startswith("正在查询")
    platform.push(callback("R1-again", f"查站 {url}", "w1"))  # re-delivered: no second job
    _, done = platform.next("aibot_respond_msg")
    assert done["headers"]["req_id"] == "R1"
    assert done["body"]["stream"]["id"] == first["body"]["stream"]["id"]
    assert done["body"]["stream"]["finish"] is True and "Shopify" in done["body"]["stream"]["content"]

    platform.drop()
    number, _ = platform.next("aibot_subscribe")
    assert number == 2 and delays and delays[0] == 1.0
    platform.push({"cmd": "aibot_event_callback", "headers": {"req_id": "E1"},
                   "body": {"msgid": "e1", "aibotid": "aib-ws", "msgtype": "event",
                            "event": {"eventtype": "disconnected_event"}}})
    thread.join(WAIT)
    assert not thread.is_alive() and result["end"] == "taken over"
    assert platform.connections == 2
    responds = [f for _, f in list(platform.frames.queue) if f.get("cmd") == "aibot_respond_msg"]
    assert responds == []  # nothing more was sent for the re-delivery
    with bot.db.session() as session:
        from sqlalchemy import func, select

        from chatbot.jobs import Job

        assert session.scalar(select(func.count()).select_from(Job)) == 2


def test_a_refused_subscribe_is_retried_with_backoff(bot: SellerGuard, platform: FakeWebSocket,
                                                     with_settings: Callable[..., SellerGuard]) -> None:
    wrong = with_settings(wecom_aibot_secret="wrong")
    delays: list[float] = []

    def client() -> None:
        async def main() -> None:
            ws_bot = WsBot(wrong, asyncio.get_running_loop(), url=f"ws://127.0.0.1:{platform.port}")

            async def count(seconds: float) -> None:
                delays.append(seconds)
                if len(delays) >= 8:
                    await ws_bot.connection.stop()

            ws_bot.connection.sleep = count
            await ws_bot.connection.run()

        asyncio.run(main())

    thread = threading.Thread(target=client, daemon=True)
    thread.start()
    thread.join(WAIT)
    assert delays == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]
