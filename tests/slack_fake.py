"""A local stand-in for Slack: its Web API (recording every call and answering the way Slack
does), `response_url` webhooks and file upload URLs; plus helpers to sign requests the way Slack
signs them and to serve an ASGI app on a free local port.

Used by the Slack tests and by bench/slack_ack.py. Nothing here talks to the internet.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import socket
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

BOT_USER = "UBOT"
BOT_ID = "BBOT"
TEAM = "T0001"
_JSON_FIELDS = ("blocks", "view", "files", "attachments")



# What files.slack.com answers a download without the files:read scope: its sign-in page.
SIGN_IN_PAGE = b"<!DOCTYPE html><html><head><title>Sign in | Slack</title></head><body>Sign in</body></html>"

@dataclass
class Call:
    method: str  # "chat.postMessage", or "webhook" / "upload" for the non-API URLs
    params: dict[str, Any]
    headers: dict[str, str]
    path: str
    raw: bytes = b""
    response: dict[str, Any] = field(default_factory=dict)  # what the fake answered (API calls)


@dataclass
class FakeSlack:
    """Run with `start()`; point `WebClient(base_url=fake.api_url)` at it."""

    locales: dict[str, str] = field(default_factory=dict)  # user → Slack locale
    usergroups: dict[str, list[str]] = field(default_factory=dict)  # group id → user ids
    errors: dict[tuple[str, str], str] = field(default_factory=dict)  # (method, channel) → error
    rate_limited: dict[str, int] = field(default_factory=dict)  # method → 429s still to answer
    down: bool = False  # every Web API call answers 503 (Slack having an outage)
    socket_url: str = ""  # what apps.connections.open hands out (tests/socket_fake.py)
    calls: list[Call] = field(default_factory=list)
    private_files: dict[str, bytes] = field(default_factory=dict)  # path → bytes, as files.slack.com
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ts: itertools.count = field(default_factory=lambda: itertools.count(1))  # type: ignore[type-arg]
    _server: ThreadingHTTPServer | None = None

    # -- running --------------------------------------------------------------------------------
    def start(self) -> FakeSlack:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake._serve(self)

            def do_POST(self) -> None:
                fake._serve(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def webhook_url(self, name: str = "") -> str:
        return f"{self.url}/webhook/{name or uuid.uuid4().hex}"

    # -- assertions -----------------------------------------------------------------------------
    def of(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()

    def wait_for(self, method: str, count: int = 1, *, timeout: float = 15.0,
                 where: Callable[[Call], bool] | None = None) -> list[Call]:
        """Poll until `count` calls of `method` (matching `where`) arrived; fail after `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            found = [c for c in self.of(method) if where is None or where(c)]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                seen = [c.method for c in self.calls]
                raise AssertionError(f"expected {count} {method} call(s), got {len(found)}; "
                                     f"all calls: {seen}")
            time.sleep(0.02)

    # -- answering ------------------------------------------------------------------------------
    def _serve(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        parsed = urllib.parse.urlsplit(request.path)
        params: dict[str, Any] = dict(urllib.parse.parse_qsl(parsed.query))
        content_type = request.headers.get("Content-Type", "")
        if parsed.path.startswith("/upload/"):
            pass  # file bytes, whatever the client calls them
        elif raw and "json" in content_type:
            params.update(json.loads(raw))
        elif raw and "x-www-form-urlencoded" in content_type:
            params.update(urllib.parse.parse_qsl(raw.decode("utf-8")))
        for key in _JSON_FIELDS:
            if isinstance(params.get(key), str) and params[key][:1] in "[{":
                params[key] = json.loads(params[key])
        path = parsed.path
        if path.startswith("/api/"):
            method = path[len("/api/"):]
        elif path.startswith("/webhook/"):
            method = "webhook"
        elif path.startswith("/upload/"):
            method = "upload"
        else:
            method = "file_download" if path in self.private_files else path
        call = Call(method, params, dict(request.headers.items()), path, raw)
        with self._lock:
            limited = self.rate_limited.get(method, 0) > 0
            if limited:
                self.rate_limited[method] -= 1
        if (limited or self.down) and path.startswith("/api/"):
            request.send_response(429 if limited else 503)
            if limited:
                request.send_header("Retry-After", "0")
            request.send_header("Content-Length", "0")
            request.end_headers()
            return
        if method == "file_download":  # a member's uploaded file; the bot token is required
            authorized = request.headers.get("Authorization") == "Bearer xoxb-test"
            body = self.private_files[path] if authorized else SIGN_IN_PAGE
            saved_page = path.endswith((".html", ".htm"))
            kind = ("text/html" if saved_page else "image/jpeg") if authorized else "text/html"
        elif method in ("webhook", "upload"):
            body = b"ok" if method == "webhook" else f"OK - {len(raw)}".encode()
            kind = "text/plain"
        else:
            call.response = self._api(method, params)
            body, kind = json.dumps(call.response).encode(), "application/json; charset=utf-8"
        with self._lock:
            self.calls.append(call)
        request.send_response(200)
        request.send_header("Content-Type", kind)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    def _api(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel") or params.get("channel_id") or "")
        error = self.errors.get((method, channel)) or self.errors.get((method, "*"))
        if error:
            return {"ok": False, "error": error}
        ts = f"{1_700_000_000 + next(self._ts)}.000100"
        if method == "auth.test":
            return {"ok": True, "url": "https://example.slack.com/", "team": "Sellers", "user": "sellerguard",
                    "team_id": TEAM, "user_id": BOT_USER, "bot_id": BOT_ID, "is_enterprise_install": False}
        if method == "chat.postMessage":
            return {"ok": True, "channel": channel, "ts": ts,
                    "message": {"text": params.get("text", ""), "ts": ts, "bot_id": BOT_ID}}
        if method == "chat.update":
            return {"ok": True, "channel": channel, "ts": params.get("ts"), "text": params.get("text", "")}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": ts}
        if method == "chat.delete":
            return {"ok": True, "channel": channel, "ts": params.get("ts")}
        if method in ("views.open", "views.publish", "views.update", "views.push"):
            view_id = f"V{uuid.uuid4().hex[:8].upper()}"
            return {"ok": True, "view": {"id": view_id, **(params.get("view") or {})}}
        if method == "usergroups.users.list":
            group = str(params.get("usergroup", ""))
            if group not in self.usergroups:
                return {"ok": False, "error": "no_such_subteam"}
            return {"ok": True, "users": self.usergroups[group]}
        if method == "users.info":
            user = str(params.get("user", ""))
            return {"ok": True, "user": {"id": user, "name": user.lower(), "tz": "Asia/Shanghai",
                                         "locale": self.locales.get(user, "en-US")}}
        if method == "apps.connections.open":
            return {"ok": True, "url": self.socket_url} if self.socket_url else \
                {"ok": False, "error": "not_allowed_token_type"}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(params.get("users", "")).split(",")[0]}}
        if method == "files.getUploadURLExternal":
            file_id = f"F{uuid.uuid4().hex[:10].upper()}"
            return {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            files = params.get("files") or []
            return {"ok": True, "files": [{"id": f.get("id"), "title": f.get("title", "")} for f in files]}
        return {"ok": True}


# -- signing ---------------------------------------------------------------------------------------
def sign(secret: str, body: str, timestamp: int | str | None = None) -> dict[str, str]:
    """The headers Slack sends: `v0=` HMAC-SHA256 over `v0:{timestamp}:{body}`."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


def command_body(command: str, text: str, *, user: str = "UALICE", channel: str = "C0GENERAL",
                 response_url: str = "", trigger_id: str = "") -> str:
    return urllib.parse.urlencode({
        "token": "legacy", "team_id": TEAM, "team_domain": "sellers", "channel_id": channel,
        "channel_name": "directmessage" if channel.startswith("D") else "general",
        "user_id": user, "user_name": user.lower(), "command": command, "text": text,
        "api_app_id": "A0SG", "response_url": response_url,
        "trigger_id": trigger_id or f"trig.{uuid.uuid4().hex}",
    })


def event_body(event: dict[str, Any], *, event_id: str = "") -> str:
    return json.dumps({
        "token": "legacy", "team_id": TEAM, "api_app_id": "A0SG", "type": "event_callback",
        "event_id": event_id or f"Ev{uuid.uuid4().hex[:12].upper()}", "event_time": int(time.time()),
        "event": event,
        "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
    })


def interaction_body(payload: dict[str, Any]) -> str:
    payload = {"team": {"id": TEAM}, "api_app_id": "A0SG", "token": "legacy",
               "trigger_id": f"trig.{uuid.uuid4().hex}", **payload}
    return urllib.parse.urlencode({"payload": json.dumps(payload)})


def button_payload(action_id: str, value: str = "", *, user: str = "UALICE", channel: str = "C0GENERAL",
                   message_ts: str = "1700000001.000100", response_url: str = "",
                   ephemeral: bool = False, in_home: bool = False) -> dict[str, Any]:
    action = {"type": "button", "action_id": action_id, "block_id": "b1", "value": value,
              "action_ts": f"{time.time():.6f}"}
    if in_home:
        return {"type": "block_actions", "user": {"id": user},
                "container": {"type": "view", "view_id": "VHOME"},
                "view": {"id": "VHOME", "type": "home"}, "actions": [action]}
    return {
        "type": "block_actions", "user": {"id": user}, "channel": {"id": channel},
        "container": {"type": "message", "message_ts": message_ts, "channel_id": channel,
                      "is_ephemeral": ephemeral},
        "message": {"ts": message_ts, "text": "earlier reply", "type": "message"},
        "response_url": response_url, "actions": [action],
    }


# -- serving an ASGI app -----------------------------------------------------------------------------
class LocalServer:
    """An ASGI app under uvicorn on a free 127.0.0.1 port, in a background thread."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False,
                                                    lifespan="off"))
        self._thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self._socket]},
                                        daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LocalServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the local server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()


# -- the app under test ------------------------------------------------------------------------------
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


class SlackRig:
    """Sends signed requests to the running app, the way Slack would."""

    def __init__(self, fake: FakeSlack, base_url: str, secret: str = SECRET, adapter: Any = None) -> None:
        import httpx

        self.fake = fake
        self.base_url = base_url
        self.secret = secret
        self.adapter = adapter
        self.worker: Any = None  # the embedded worker, when queued
        self.http = httpx.Client(base_url=base_url, timeout=10.0, trust_env=False)

    def post(self, body: str | bytes, content_type: str, *, headers: dict[str, str] | None = None,
             timestamp: int | str | None = None, signed: bool = True) -> Any:
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        sent = {"Content-Type": content_type}
        if signed:
            sent.update(sign(self.secret, text, timestamp))
        sent.update(headers or {})
        content = body if isinstance(body, bytes) else body.encode("utf-8")
        return self.http.post("/slack/events", content=content, headers=sent)

    def command(self, command: str, text: str = "", *, user: str = "UALICE", channel: str = "C0GENERAL",
                trigger_id: str = "", **kwargs: Any) -> Any:
        body = command_body(command, text, user=user, channel=channel,
                            response_url=self.fake.webhook_url(), trigger_id=trigger_id)
        return self.post(body, "application/x-www-form-urlencoded", **kwargs)

    def event(self, event: dict[str, Any], *, event_id: str = "", retry: int | None = None,
              **kwargs: Any) -> Any:
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} \
            if retry is not None else {}
        return self.post(event_body(event, event_id=event_id), "application/json", headers=headers,
                         **kwargs)

    def interaction(self, payload: dict[str, Any], **kwargs: Any) -> Any:
        return self.post(interaction_body(payload), "application/x-www-form-urlencoded", **kwargs)

    def close(self) -> None:
        self.http.close()


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture
def start_slack(settings: Any, db: Any, fake_slack: FakeSlack) -> Iterator[Callable[..., SlackRig]]:
    """`start_slack(queued=False, **setting_changes)`: the real app in HTTP mode on a local port, talking to
    `fake_slack`; queued, requests become jobs that an embedded worker (threads, as in `serve`)
    runs, or, with embedded_worker=False, a `sellerguard worker` process the test starts. Stopped
    (and its background work drained) after the test."""
    from dataclasses import replace

    from chatbot.adapters.slack import SlackAdapter
    from chatbot.app import SellerGuard
    from chatbot.web import create_app
    from chatbot.worker import for_app

    running: list[tuple[LocalServer, Any, SlackRig, Any]] = []

    def start(queued: bool = False, embedded_worker: bool = True, **changes: Any) -> SlackRig:
        config = replace(settings, slack_bot_token="xoxb-test", slack_signing_secret=SECRET,
                         slack_api_url=fake_slack.api_url, **changes)
        guard = SellerGuard(config, db=db)
        worker = for_app(guard, threads=2, poll_seconds=0.2).start() \
            if queued and embedded_worker else None
        adapter = SlackAdapter(guard, workers=4, queued=queued,
                               wake=worker.wake if worker is not None else None)
        server = LocalServer(create_app(guard.ctx, adapter.bolt)).__enter__()
        rig = SlackRig(fake_slack, server.url, adapter=adapter)
        rig.worker = worker
        running.append((server, adapter, rig, worker))
        return rig

    yield start
    for server, adapter, rig, worker in running:
        rig.close()
        server.__exit__(None, None, None)
        adapter.close()
        if worker is not None:
            worker.stop(wait=True)


@pytest.fixture
def slack(start_slack: Callable[..., SlackRig]) -> SlackRig:
    return start_slack()
