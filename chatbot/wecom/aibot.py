"""The WeCom AI bot (智能机器人) in webhook mode: what each callback becomes, and the queued job
that answers a message.

A message is answered at once with a stream frame ("正在查询…" for a lookup, "…" otherwise) and
its job is queued (chatbot/jobs.py) in the same transaction as its delivery key
(`aibotid:msgid`), so a re-delivery makes no second job: it gets the same stream frame back.
WeCom then re-POSTs `msgtype: stream` about once a second for up to 6 minutes (developer docs
path 100719); each refresh is answered with the stream's current full content from the database
(any web process may get it), finished once the job wrote the result. Past `STREAM_SECONDS`
the stream is closed and the result goes through `response_url` instead (one call, valid 1 h,
path 101138). Exactly one of the two carries the result: whoever claims "decided:<stream>" first
(the finishing job or the closing refresh) decides which.

Moderator buttons in a single chat come as a template card (`template_card_event`, answered
within 5 s by updating the card); in a group the typed commands are shown.
"""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import Connection

from chatbot.adapters import lookups
from chatbot.adapters import wecom_render as render
from chatbot.app import SellerGuard
from chatbot.conversation import Action, Incoming, Lang
from chatbot.i18n import detect_lang, normalize_lang, t
from chatbot.jobs import JobQueue
from chatbot.wecom import chat, store
from chatbot.wecom.api import ApiError, post_json, same_origin
from chatbot.wecom.envelope import BotMessage

log = logging.getLogger(__name__)

JOB_KIND = "wecom.aibot"
STREAM_SECONDS = 300  # WeCom refreshes for 6 min; close a minute early and use response_url
STREAM_TTL_SECONDS = 24 * 3600
WORKING = "…"
MAX_LOST = 1000  # streams remembered as not stored (their refreshes are told to send again)


def stream_id(msg: BotMessage) -> str:
    """The stream for one delivery: the same for a re-delivery of that message."""
    return "sg" + hashlib.sha1(msg.delivery_key.encode()).hexdigest()[:22]


def stream_key(sid: str) -> str:
    """Where the stream `sid` is kept (chatbot/wecom/store.py)."""
    return f"stream:{sid}"


def stream_frame(sid: str, content: str, finish: bool) -> dict[str, Any]:
    return {"msgtype": "stream", "stream": {"id": sid, "finish": finish, "content": content}}


def to_incoming(msg: BotMessage) -> Incoming:
    return chat.incoming(chat.WECOM, msg.userid, msg.text, workspace=msg.aibotid,
                         channel=msg.conversation, message_id=msg.msgid)


def reply_lang(guard: SellerGuard, text: str) -> Lang:
    """The language to answer `text` in without the database (the ack's path, or when the
    database failed): the one it is written in, else the deployment's default."""
    return detect_lang(text) or normalize_lang(guard.settings.default_lang) or "en"


def placeholder(guard: SellerGuard, msg: Incoming) -> str:
    """The first frame's text, worked out without the database (it is on the ack's path)."""
    if not chat.is_slow(msg):
        return WORKING
    lang = reply_lang(guard, msg.text)
    words = msg.text.split()
    target = words[1][:200] if len(words) > 1 else ""
    return render.escape(t("wecom.checking", lang, target=target) if target
                         else t("wecom.checking_any", lang))


def answer(guard: SellerGuard, payload: dict[str, Any]) -> tuple[list[str], dict[str, Any] | None]:
    """A queued AI bot message answered (for either transport): its markdown messages
    (≤ 20480 bytes each) and the moderator card, if any."""
    fields = payload["incoming"]
    msg = chat.incoming(chat.WECOM, fields["user"], fields["text"], workspace=fields["workspace"],
                        channel=fields["channel"], message_id=fields["message_id"])
    replies = guard.handle(msg)
    lookups.remember(guard.ctx, chat.WECOM, msg.user, replies)
    task = f"{payload['stream_id']}-card"
    card = next((c for r in replies if (c := render.moderator_card(r, task)) is not None), None)
    return render.markdown(replies), card


class AiBot:
    """Answers AI bot callbacks (webhook mode) and runs their jobs."""

    def __init__(self, guard: SellerGuard, *, clock: Callable[[], datetime] | None = None,
                 http: httpx.Client | None = None, wake: Callable[[], None] = lambda: None) -> None:
        self.guard = guard
        self.db = guard.db
        self.clock = clock or guard.ctx.clock
        self.queue = JobQueue(guard.db, clock=self.clock)
        self.http = http or httpx.Client(timeout=10.0, trust_env=False)
        self.wake = wake
        self._lost: OrderedDict[str, str] = OrderedDict()  # streams it could not store: their text

    # -- callbacks ------------------------------------------------------------------------------
    def on_callback(self, msg: BotMessage) -> dict[str, Any] | None:
        """The JSON to encrypt and send back, or None for an empty answer."""
        if msg.kind == "text":
            return self.on_message(msg)
        if msg.kind == "stream":
            return self.on_refresh(msg.stream_id)
        if msg.kind == "card":
            return self.on_card(msg)
        if msg.kind == "other" and not msg.msgtype.startswith("event"):
            if not self.guard.first_delivery(msg.delivery_key):
                return None
            reply = chat.text_only(self.guard, to_incoming(msg))
            return stream_frame(stream_id(msg), render.markdown([reply])[0], True)
        if msg.kind == "enter":
            return self.welcome(msg)
        return None  # feedback and other events: nothing to say

    def welcome(self, msg: BotMessage) -> dict[str, Any] | None:
        """`enter_chat` (a member opens the single chat, once a day): the command list, once."""
        if not self.guard.first_delivery(msg.delivery_key):
            return None
        from handlers.help import overview

        lang = self.guard.resolve_lang(to_incoming(msg))
        return {"msgtype": "text", "text": {"content": render.plain([overview(lang)])[0]}}

    def on_message(self, msg: BotMessage) -> dict[str, Any]:
        """Queue the message's job and answer with its stream's first frame."""
        with self.db.engine.begin() as conn:
            first = self.accept(msg, conn)
        return self.after_accept(msg, first)

    def first_frame(self, msg: BotMessage, stream: dict[str, Any] | None) -> dict[str, Any] | None:
        """The answer to a message before anything is written (the webhook's fast path), given
        its stream's stored state (`stream_key`, read with the nonce): the stream's current frame
        when it was stored already (a re-delivery), else the first frame `accept` will store.
        None as in `frame_from`."""
        sid = stream_id(msg)
        if stream is not None:
            return self.frame_from(sid, stream)
        return stream_frame(sid, placeholder(self.guard, to_incoming(msg)), False)

    def store_message(self, msg: BotMessage, record: Callable[[Connection], bool],
                      first: str | None = None) -> None:
        """After the first frame went out: one transaction for the callback's nonce (`record`;
        False means a replay got there first, and nothing is stored), the job and the stream;
        then the runner is woken. If the database refuses, the user is told to send it again
        (WeCom was answered, so it will not retry)."""
        try:
            with self.db.engine.begin() as conn:
                first = self.accept(msg, conn, first) if record(conn) else None
        except Exception:
            log.exception("storing the AI bot message %s failed", msg.msgid)
            self._lost[stream_id(msg)] = msg.text
            while len(self._lost) > MAX_LOST:
                self._lost.popitem(last=False)
            self._tell_not_stored(msg)
            return
        if first is not None:
            self.wake()

    def _not_stored(self, text: str) -> str:
        return render.escape(t("wecom.not_stored", reply_lang(self.guard, text)))

    def _tell_not_stored(self, msg: BotMessage) -> None:
        text = self._not_stored(msg.text)
        # No job exists, so nothing else will use this response_url: no claim (the database
        # that just failed would be needed for it).
        if not msg.response_url or not same_origin(msg.response_url, self.guard.settings.wecom_api_url):
            log.error("could not tell %s that their message was lost: no usable response_url", msg.userid)
            return
        try:
            post_json(self.http, msg.response_url, {"msgtype": "markdown", "markdown": {"content": text}})
        except ApiError as exc:
            log.error("could not tell %s that their message was lost: %s", msg.userid, exc)

    def after_accept(self, msg: BotMessage, first: str | None) -> dict[str, Any]:
        """Once `accept`'s transaction committed: wake the runner and answer with the first
        frame (a re-delivery gets its stream's current frame)."""
        if first is None:
            return self.on_refresh(stream_id(msg))
        self.wake()
        return stream_frame(stream_id(msg), first, False)

    def accept(self, msg: BotMessage, conn: Connection, first: str | None = None) -> str | None:
        """Queue the message's job and open its stream with `first` (default: its placeholder),
        in the caller's transaction (which also holds the nonce: one commit per callback).
        Returns the first frame's text, or None for a re-delivery."""
        sid = stream_id(msg)
        now = self.clock()
        first = first if first is not None else placeholder(self.guard, to_incoming(msg))
        job = self.queue.enqueue_on(conn, JOB_KIND, {
            "incoming": {"user": msg.userid, "text": msg.text, "workspace": msg.aibotid,
                         "channel": msg.conversation, "message_id": msg.msgid},
            "stream_id": sid, "response_url": msg.response_url, "chattype": msg.chattype,
            "received": now.timestamp(), "placeholder": first,
        }, delivery_key=msg.delivery_key)
        if job is None:  # a re-delivery: the same stream, no second job
            return None
        store.claim_on(conn, stream_key(sid), now, STREAM_TTL_SECONDS,
                       value={"started": now.timestamp(), "content": first, "finish": False})
        return first

    def frame_from(self, sid: str, state: dict[str, Any] | None) -> dict[str, Any] | None:
        """A refresh's answer worked out from the stream's stored state alone (None: not stored
        yet); None when the stream's time is up, as closing it is a write (`on_refresh`). A
        stream this process could not store is closed with the "send it again" notice."""
        if state is None:
            if (text := self._lost.get(sid)) is not None:
                return stream_frame(sid, self._not_stored(text), True)
            return stream_frame(sid, WORKING, False)
        content = str(state.get("content", ""))
        if state.get("finish"):
            return stream_frame(sid, content, True)
        now = self.clock().timestamp()
        if now - float(state.get("started", now)) > STREAM_SECONDS:
            return None
        return stream_frame(sid, content, False)

    def on_refresh(self, sid: str) -> dict[str, Any]:
        """A refresh's answer: the stream's current content, and past `STREAM_SECONDS` the stream
        closed, the result going through response_url unless the job finished it first."""
        now = self.clock()
        state = store.get(self.db, stream_key(sid), now)
        if (frame := self.frame_from(sid, state)) is not None:
            return frame
        content = str((state or {}).get("content", ""))
        if not store.claim(self.db, f"decided:{sid}", now, STREAM_TTL_SECONDS, value={"via": "url"}):
            state = store.get(self.db, stream_key(sid), now) or state  # the job just finished it
            content = str((state or {}).get("content", ""))
        return stream_frame(sid, content, True)

    def on_card(self, msg: BotMessage) -> dict[str, Any] | None:
        """A template-card button (moderators): act, then replace the card with the result."""
        pressed = render.card_action(msg.event_key)
        if pressed is None or not self.guard.first_delivery(msg.delivery_key):
            return None
        incoming = chat.incoming(chat.WECOM, msg.userid, "", workspace=msg.aibotid,
                                 channel=msg.conversation, message_id=msg.msgid)
        incoming = incoming.with_(action=Action(*pressed))
        replies = self.guard.handle(incoming)
        lang = replies[0].lang if replies else "en"
        summary = replies[0].text if replies else ""
        return {"response_type": "update_template_card",
                "template_card": render.done_card(msg.task_id, lang, summary)}

    # -- the job --------------------------------------------------------------------------------
    def run_job(self, payload: dict[str, Any]) -> None:
        """Answer one queued message: finish its stream, or (past the stream's time) answer
        through response_url. Safe to run again after a crash: the stream write is idempotent
        and response_url is claimed before it is used."""
        sid = str(payload["stream_id"])
        pieces, card = answer(self.guard, payload)
        now = self.clock()
        key = stream_key(sid)
        state = store.get(self.db, key, now) or {"started": payload.get("received", now.timestamp())}
        store.put(self.db, key, {**state, "content": pieces[0], "finish": True}, now, STREAM_TTL_SECONDS)
        in_stream = store.claim(self.db, f"decided:{sid}", now, STREAM_TTL_SECONDS, value={"via": "stream"})
        rest = pieces[1:] if in_stream else pieces
        if rest:
            self.respond(payload, {"msgtype": "markdown", "markdown": {"content": rest[0]}})
        elif card is not None and payload.get("chattype") == "single":
            self.respond(payload, {"msgtype": "template_card", "template_card": card})

    def respond(self, payload: dict[str, Any], body: dict[str, Any]) -> bool:
        """The message's one response_url call (claimed first, so never twice). False when it
        could not be used: none, not WeCom's, expired (1 h) or refused; the failure is logged."""
        url = str(payload.get("response_url", ""))
        sid = str(payload["stream_id"])
        if not url or not same_origin(url, self.guard.settings.wecom_api_url):
            log.warning("stream %s: no usable response_url; the result stays in the stream", sid)
            return False
        now = self.clock()
        if not store.claim(self.db, f"sent:{sid}", now, STREAM_TTL_SECONDS):
            return False
        if now.timestamp() - float(payload.get("received", 0)) > 3600:
            log.warning("stream %s: response_url expired (1 h); the answer could not be delivered", sid)
            return False
        try:
            post_json(self.http, url, body)
        except ApiError as exc:
            log.warning("stream %s: response_url refused the answer: %s", sid, exc)
            return False
        return True

