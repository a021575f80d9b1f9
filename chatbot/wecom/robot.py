"""The WeCom group robot (群机器人 / 消息推送): send-only notices to a moderators' group.

Facts (WeCom developer docs path 91770): POST JSON to the robot's webhook URL
(`WECOM_ROBOT_WEBHOOK`, `…/cgi-bin/webhook/send?key=…`); `markdown` content is at most 4096
bytes; a robot may send 20 messages a minute (errcode 45009 past that).

Notices are durable jobs (`JOB_KIND`, chatbot/jobs.py), one per ≤ 4096-byte piece, split between
blocks: nothing is dropped when the group is busy. The runner keeps to 20 sends in any 60 s
window, shared by every process through the database, and waits (rather than fails) when the
window is full or the platform says "too fast".

`send_group_notice(app, markdown)` is what other features call (new reports and appeals here;
the daily digest). `watch_moderation(app)` turns new blocklist reports and appeals, from any
platform, into notices; the web process calls it on each job poll.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import func, select

from chatbot.adapters import wecom_render as render
from chatbot.app import SellerGuard
from chatbot.blocklist.models import AuditRow, Entry
from chatbot.i18n import normalize_lang, t
from chatbot.jobs import JobQueue
from chatbot.wecom import store
from chatbot.wecom.api import RATE_LIMITED, ApiError, post_json

log = logging.getLogger(__name__)

JOB_KIND = "wecom.robot"
PER_MINUTE = 20
WINDOW_SECONDS = 60.0
MARKDOWN_BYTES = render.ROBOT_MARKDOWN_BYTES
MAX_WAITS = 30  # a full window is waited out this many times before the job gives up (≈ 30 min)
NOTIFY_ACTIONS = {"create": "report", "report": "report", "appeal": "appeal"}
MAX_NOTICES_PER_POLL = 100
CHANNEL_KIND = "channel.wecom_robot"  # the digest's channel kind (chatbot/jobkinds.py): {"text"}
WINDOW_KEY = "robot:window"
CURSOR_KEY = "robot:audit_cursor"


def send_group_notice(app: SellerGuard, markdown: str, *, queue: JobQueue | None = None) -> int:
    """Queue `markdown` for the moderators' group, split into ≤ 4096-byte messages between
    blocks (paragraphs). Returns how many messages were queued (0 without WECOM_ROBOT_WEBHOOK)."""
    if not app.settings.wecom_robot_webhook:
        return 0
    jobs = queue or JobQueue(app.db)
    pieces = render.pack(markdown.split("\n\n"), MARKDOWN_BYTES)
    for piece in pieces:
        jobs.enqueue(JOB_KIND, {"markdown": piece})
    return len(pieces)


class RobotSender:
    """Runs `JOB_KIND` jobs: one markdown message each, within the rate limit."""

    def __init__(self, app: SellerGuard, *, http: httpx.Client | None = None,
                 clock: Callable[[], datetime] | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.app = app
        self.url = app.settings.wecom_robot_webhook
        self.http = http or httpx.Client(timeout=10.0, trust_env=False)
        self.clock = clock or app.ctx.clock
        self.sleep = sleep

    def _slot(self) -> float:
        """Seconds to wait before the next send may go (0: take the slot now)."""
        now = self.clock().timestamp()
        window = store.get(self.app.db, WINDOW_KEY, self.clock()) or {}
        recent = [s for s in window.get("sent", [])
                  if isinstance(s, int | float) and now - s < WINDOW_SECONDS]
        if len(recent) >= PER_MINUTE:
            return min(recent) + WINDOW_SECONDS - now
        store.put(self.app.db, WINDOW_KEY, {"sent": [*recent, now]}, self.clock(), ttl=WINDOW_SECONDS * 2)
        return 0.0

    def run_job(self, payload: dict[str, Any]) -> None:
        if not self.url:
            raise ApiError(-1, "WECOM_ROBOT_WEBHOOK is not set")
        body = {"msgtype": "markdown", "markdown": {"content": str(payload["markdown"])}}
        for _ in range(MAX_WAITS):
            wait = self._slot()
            if wait > 0:
                self.sleep(wait)
                continue
            try:
                post_json(self.http, self.url, body)
                return
            except ApiError as exc:
                if exc.errcode not in RATE_LIMITED:
                    raise
                log.info("the group robot is rate-limited (%s); waiting a minute", exc.errcode)
                self.sleep(WINDOW_SECONDS)
        raise ApiError(45009, "still rate-limited after waiting; the notice was not sent")


def channel_runner(app: SellerGuard) -> Callable[[dict[str, Any]], None]:
    """Runs `CHANNEL_KIND` jobs ({"text": str}, e.g. the moderators' digest): the text as
    markdown messages of at most MARKDOWN_BYTES, split between paragraphs, within the rate limit."""
    sender = RobotSender(app)

    def run(payload: dict[str, Any]) -> None:
        for piece in render.pack(str(payload["text"]).split("\n\n"), MARKDOWN_BYTES):
            sender.run_job({"markdown": piece})

    return run


def watch_moderation(app: SellerGuard, *, queue: JobQueue | None = None) -> int:
    """Queue a group notice for each blocklist report and appeal recorded since the last call
    (the position is kept in the database; the first call starts from now). Returns how many."""
    if not app.settings.wecom_robot_webhook:
        return 0
    now = app.ctx.clock()
    cursor = store.get(app.db, CURSOR_KEY, now)
    with app.db.read() as session:
        last = session.scalar(select(func.max(AuditRow.id))) or 0
        rows = [] if cursor is None else session.execute(
            select(AuditRow.id, AuditRow.action, AuditRow.entry_id, Entry.unicode_unit)
            .join(Entry, Entry.id == AuditRow.entry_id)
            .where(AuditRow.id > int(cursor.get("id", 0)), AuditRow.id <= last,
                   AuditRow.action.in_(list(NOTIFY_ACTIONS)))
            .order_by(AuditRow.id).limit(MAX_NOTICES_PER_POLL)).all()
    if len(rows) == MAX_NOTICES_PER_POLL:
        last = rows[-1][0]
    lang = normalize_lang(app.settings.default_lang) or "en"
    lines = [render.escape(t(f"wecom.notify.{NOTIFY_ACTIONS[action]}", lang, site=site, entry=entry))
             for _, action, entry, site in rows]
    if lines:
        send_group_notice(app, "\n\n".join(lines), queue=queue)
    store.put(app.db, CURSOR_KEY, {"id": int(last)}, now)
    return len(lines)
