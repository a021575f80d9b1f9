"""The AI bot over its long connection (`sellerguard wecom`): callbacks in, replies out on the
same socket.

A message is answered at once with a stream frame (`aibot_respond_msg`, finish false, "正在查询…"
for a lookup) and its job is queued with its delivery key (`aibotid:msgid`, so a re-delivery
makes no second job). The job, run by this process's `JobLoop`, finishes the stream (same
`req_id` and `stream.id`, finish true) while the connection that received the message is up;
after a reconnect or a restart that req_id belongs to a dead connection, so the answer is pushed
instead (`aibot_send_msg` to the chat; allowed within 24 h of the user's message). Moderator
card presses are answered with `aibot_respond_update_msg` (within 5 s).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

from chatbot.adapters import wecom_render as render
from chatbot.app import SellerGuard
from chatbot.jobs import JobQueue
from chatbot.wecom import aibot, chat
from chatbot.wecom.envelope import EnvelopeError, bot_message
from chatbot.wecom.longconn import Frame, LongConnection

log = logging.getLogger(__name__)

JOB_KIND = "wecom.ws"
SEND_SECONDS = 15.0
WAIT_FOR_CONNECTION_SECONDS = 120.0


class WsBot:
    """Owns the long connection; `run_job` is the runner for `JOB_KIND` (in this process)."""

    def __init__(self, guard: SellerGuard, loop: asyncio.AbstractEventLoop, *, url: str = "",
                 ping_seconds: float | None = None) -> None:
        s = guard.settings
        self.guard = guard
        self.loop = loop
        self.queue = JobQueue(guard.db)
        self.process = uuid.uuid4().hex[:12]
        self.connection = LongConnection(url or s.wecom_ws_url, s.wecom_aibot_id, s.wecom_aibot_secret,
                                         self.on_frame)
        if ping_seconds is not None:
            self.connection.ping_seconds = ping_seconds
        self.cards = aibot.AiBot(guard)  # answers card presses and enter_chat
        self.wake = lambda: None

    @property
    def connection_id(self) -> str:
        return f"{self.process}:{self.connection.generation}"

    # -- on the event loop ---------------------------------------------------------------------
    async def on_frame(self, frame: Frame) -> None:
        if frame.cmd not in ("aibot_msg_callback", "aibot_event_callback"):
            return
        try:
            msg = bot_message(frame.body)
        except EnvelopeError:
            return
        answer = await asyncio.to_thread(self._answer_now, msg, self.connection_id, frame.req_id)
        if answer is not None:
            cmd, body = answer
            await self.connection.send(cmd, frame.req_id, body)

    def _answer_now(self, msg: Any, connection: str, req_id: str) -> tuple[str, dict[str, Any]] | None:
        """What to send at once for a callback (on a thread: it uses the database)."""
        if msg.kind == "text":
            incoming = aibot.to_incoming(msg)
            sid = aibot.stream_id(msg)
            first = aibot.placeholder(self.guard, incoming)
            job = self.queue.enqueue(JOB_KIND, {
                "incoming": {"user": msg.userid, "text": msg.text, "workspace": msg.aibotid,
                             "channel": msg.conversation, "message_id": msg.msgid},
                "stream_id": sid, "req_id": req_id, "connection": connection,
                "chatid": msg.conversation, "chattype": msg.chattype,
            }, delivery_key=msg.delivery_key)
            if job is None:
                return None  # a re-delivery: the first one is being answered
            self.wake()
            return "aibot_respond_msg", aibot.stream_frame(sid, first, False)
        if msg.kind == "card":
            reply = self.cards.on_card(msg)
            return ("aibot_respond_update_msg", reply) if reply is not None else None
        if msg.kind == "enter":
            welcome = self.cards.welcome(msg)
            return ("aibot_respond_welcome_msg", welcome) if welcome is not None else None
        if msg.kind == "other" and not msg.msgtype.startswith("event"):
            if not self.guard.first_delivery(msg.delivery_key):
                return None
            text = render.markdown([chat.text_only(self.guard, aibot.to_incoming(msg))])[0]
            return "aibot_respond_msg", aibot.stream_frame(aibot.stream_id(msg), text, True)
        return None

    # -- on a job thread ------------------------------------------------------------------------
    def _send(self, cmd: str, req_id: str, body: dict[str, Any]) -> None:
        future = asyncio.run_coroutine_threadsafe(self.connection.send(cmd, req_id, body), self.loop)
        future.result(timeout=SEND_SECONDS)

    def _wait_for_connection(self) -> None:
        async def wait() -> None:
            await asyncio.wait_for(self.connection.connected.wait(), WAIT_FOR_CONNECTION_SECONDS)

        asyncio.run_coroutine_threadsafe(wait(), self.loop).result(WAIT_FOR_CONNECTION_SECONDS + 5)

    def run_job(self, payload: dict[str, Any]) -> None:
        """Answer one message received over the long connection."""
        pieces, card = aibot.answer(self.guard, payload)
        self._wait_for_connection()
        sid, req_id = str(payload["stream_id"]), str(payload["req_id"])
        if payload.get("connection") == self.connection_id:
            self._send("aibot_respond_msg", req_id, aibot.stream_frame(sid, pieces[0], True))
            rest = pieces[1:]
            if card is not None:
                self._send("aibot_respond_msg", req_id, {"msgtype": "template_card", "template_card": card})
        else:  # the connection that took the message is gone: push to the chat instead
            rest = pieces
        chatid = str(payload.get("chatid", ""))
        for piece in rest:
            self._send("aibot_send_msg", f"push-{uuid.uuid4().hex}",
                       {"chatid": chatid, "msgtype": "markdown", "markdown": {"content": piece}})
