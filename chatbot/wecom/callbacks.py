"""The XML entry points: the WeCom self-built app, 微信客服 (WeCom customer service for personal
WeChat users) and the WeChat Official Account; what each callback becomes, and the jobs that
answer later through the send APIs.

These platforms wait 5 s and retry 3 times (developer docs; WeChat "被动回复用户消息"). A callback
is answered at once: with nothing (an empty 200), or for a lookup with a passive "正在查询…"; its
job is queued in the same transaction as its delivery key (`MsgId`, else
`FromUserName+CreateTime`), so a retry makes no second job. The result goes out through
`message/send` (app), `kf/send_msg` (微信客服: 5 messages within 48 h of the customer's last one)
or `message/custom/send` (Official Account, same window, errcode 45015 once it closed).

微信客服 callbacks carry no message: they say "messages are waiting" (`kf_msg_or_event` with a
token); a job reads them with `kf/sync_msg` from the cursor stored in the database and queues one
job per customer message (key: its msgid).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx

from chatbot.adapters import lookups
from chatbot.adapters import wecom_render as render
from chatbot.app import SellerGuard
from chatbot.conversation import Reply
from chatbot.jobs import JobQueue
from chatbot.wecom import api, chat, store
from chatbot.wecom.envelope import KfMessage, XmlMessage, kf_messages

log = logging.getLogger(__name__)

JOB_APP = "wecom.app"
JOB_KF_SYNC = "wecom.kf_sync"
JOB_KF = "wecom.kf"
JOB_OA = "wechat.oa"
KINDS = (JOB_APP, JOB_KF_SYNC, JOB_KF, JOB_OA)
MAX_SYNC_PAGES = 20  # kf/sync_msg pages read per callback (1000 messages each)
CUSTOMER = 3  # kf message origin: sent by the WeChat user
SENT_TTL_SECONDS = 7 * 24 * 3600


class Classic:
    """Answers XML callbacks and runs their jobs; APIs are built on first use."""

    def __init__(self, guard: SellerGuard, *, clock: Callable[[], datetime] | None = None,
                 http: httpx.Client | None = None, wake: Callable[[], None] = lambda: None) -> None:
        self.guard = guard
        self.settings = guard.settings
        self.clock = clock or guard.ctx.clock
        self.queue = JobQueue(guard.db, clock=self.clock)
        self.http = http or httpx.Client(timeout=api.TIMEOUT_SECONDS, trust_env=False)
        self.wake = wake

    def wecom(self) -> api.Api:
        s = self.settings
        return api.wecom_api(s.wecom_api_url, s.wecom_corp_id, s.wecom_secret, self.guard.db,
                             self.clock, self.http)

    def wechat(self) -> api.Api:
        s = self.settings
        return api.wechat_api(s.wechat_api_url, s.wechat_app_id, s.wechat_app_secret, self.guard.db,
                              self.clock, self.http)

    # -- callbacks ------------------------------------------------------------------------------
    def on_wecom(self, message: XmlMessage) -> str | None:
        """A self-built app callback (also where 微信客服 events arrive). Returns the passive
        reply's text, or None for an empty answer."""
        if message.msg_type == "event" and message.event == "kf_msg_or_event":
            if self.queue.enqueue(JOB_KF_SYNC, {"token": message.kf_token, "open_kfid": message.open_kfid},
                                  delivery_key=f"wecom:kf-event:{message.delivery_key}") is not None:
                self.wake()
            return None
        return self._on_message(message, chat.WECOM, JOB_APP, "wecom:app")

    def on_official_account(self, message: XmlMessage) -> str | None:
        return self._on_message(message, chat.OFFICIAL_ACCOUNT, JOB_OA, "wechat:oa")

    def _on_message(self, message: XmlMessage, platform: str, kind: str, prefix: str) -> str | None:
        if message.msg_type == "event":
            return None  # subscribe, menu clicks, enter_agent: nothing to answer
        key = f"{prefix}:{message.delivery_key}"
        incoming = chat.incoming(platform, message.from_user, message.content, message_id=message.msg_id)
        if message.msg_type != "text" or not message.content.strip():
            if not self.guard.first_delivery(key):
                return None
            return chat.text_only(self.guard, incoming).text
        job = self.queue.enqueue(kind, {"user": message.from_user, "text": message.content,
                                        "message_id": message.msg_id or key,
                                        "agent_id": message.agent_id}, delivery_key=key)
        if job is None:
            return None
        self.wake()
        return chat.first_answer(self.guard, incoming)[1] if chat.is_slow(incoming) else None

    # -- jobs -----------------------------------------------------------------------------------
    def _answer(self, platform: str, user: str, text: str, message_id: str) -> list[Reply]:
        incoming = chat.incoming(platform, user, text, message_id=message_id)
        replies = self.guard.handle(incoming)
        lookups.remember(self.guard.ctx, platform, user, replies)
        return replies

    def _send_all(self, send: Callable[[str], None], replies: list[Reply], where: str) -> None:
        for piece in render.plain(replies):
            try:
                send(piece)
            except api.ApiError as exc:
                if exc.window_closed:
                    log.warning("%s: the 48 h reply window is closed (errcode %s); the answer "
                                "waits until the user writes again", where, exc.errcode)
                    return
                raise

    def run_app(self, payload: dict[str, Any]) -> None:
        user, agent = str(payload["user"]), str(payload.get("agent_id") or self.settings.wecom_agent_id)
        replies = self._answer(chat.WECOM, user, str(payload["text"]), str(payload["message_id"]))
        wecom = self.wecom()
        self._send_all(lambda text: api.app_send_text(wecom, agent, user, text), replies, f"app {user}")

    def run_official_account(self, payload: dict[str, Any]) -> None:
        user = str(payload["user"])
        replies = self._answer(chat.OFFICIAL_ACCOUNT, user, str(payload["text"]), str(payload["message_id"]))
        wechat = self.wechat()
        self._send_all(lambda text: api.oa_send_text(wechat, user, text), replies, f"official account {user}")

    def run_kf_sync(self, payload: dict[str, Any]) -> None:
        """Read the waiting 微信客服 messages and queue one job per customer message."""
        open_kfid = str(payload.get("open_kfid", ""))
        wecom = self.wecom()
        cursor_key = f"kf_cursor:{self.settings.wecom_corp_id}:{open_kfid}"
        for _ in range(MAX_SYNC_PAGES):
            now = self.clock()
            cursor = str((store.get(self.guard.db, cursor_key, now) or {}).get("cursor", ""))
            data = api.kf_sync(wecom, str(payload.get("token", "")), open_kfid, cursor)
            for item in kf_messages(data):
                if item.origin == CUSTOMER:
                    self._queue_kf(item)
            if data.get("next_cursor"):
                store.put(self.guard.db, cursor_key, {"cursor": str(data["next_cursor"])}, now)
            if not data.get("has_more"):
                return
        log.warning("微信客服 %s: more than %s pages waiting; the next callback reads on", open_kfid,
                    MAX_SYNC_PAGES)

    def _queue_kf(self, item: KfMessage) -> None:
        job = self.queue.enqueue(JOB_KF, {"msgid": item.msgid, "open_kfid": item.open_kfid,
                                          "user": item.external_userid, "msgtype": item.msgtype,
                                          "text": item.text}, delivery_key=f"wecom:kf:{item.msgid}")
        if job is not None:
            self.wake()

    def run_kf(self, payload: dict[str, Any]) -> None:
        """Answer one 微信客服 message: "正在查询…" first for a lookup (once), then the result."""
        user, open_kfid = str(payload["user"]), str(payload["open_kfid"])
        wecom = self.wecom()

        def send(text: str) -> None:
            api.kf_send_text(wecom, open_kfid, user, text)

        incoming = chat.incoming(chat.KF, user, str(payload.get("text", "")),
                                 message_id=str(payload["msgid"]))
        if payload.get("msgtype") != "text" or not incoming.text.strip():
            self._send_all(send, [chat.text_only(self.guard, incoming)], f"kf {user}")
            return
        if chat.is_slow(incoming) and store.claim(self.guard.db, f"sent:kf-first:{payload['msgid']}",
                                                  self.clock(), SENT_TTL_SECONDS):
            lang, first = chat.first_answer(self.guard, incoming)
            self._send_all(send, [Reply("checksite", lang, first)], f"kf {user}")
        replies = self._answer(chat.KF, user, incoming.text, incoming.message_id)
        self._send_all(send, replies, f"kf {user}")
