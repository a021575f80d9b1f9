"""A local stand-in for the WeCom and WeChat HTTP APIs, and helpers that sign and encrypt
callbacks the way the platforms do. Nothing here reaches the internet.

The stand-in answers gettoken / token, kf/sync_msg (pages queued by the test), kf/send_msg,
message/send, message/custom/send, webhook/send and aibot/response, records every call, and
can be told to answer a path with error codes (45015: the 48 h window is closed; 45009: rate).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from chatbot.wecom.crypto import MsgCrypt, signature

AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"  # any 43 characters of base64 will do
AIBOT = MsgCrypt("aibot-token", AES_KEY, "")
CORP_ID = "ww-test-corp"
WECOM = MsgCrypt("wecom-token", "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt", CORP_ID)
APP_ID = "wx-test-account"
WECHAT = MsgCrypt("wechat-token", AES_KEY, APP_ID)


@dataclass
class Call:
    path: str
    query: dict[str, str]
    body: dict[str, Any]


@dataclass
class FakeWeCom:
    port: int = 0
    calls: list[Call] = field(default_factory=list)
    kf_pages: list[dict[str, Any]] = field(default_factory=list)
    errors: dict[str, list[int]] = field(default_factory=dict)  # path → errcodes to answer first
    tokens_issued: int = 0
    lock: threading.Condition = field(default_factory=threading.Condition)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def response_url(self, code: str = "rc1") -> str:
        return f"{self.base}/cgi-bin/aibot/response?response_code={code}"

    def sent(self, path: str) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.path == path]

    def texts(self, path: str) -> list[str]:
        return [c.body.get("text", {}).get("content", "") for c in self.sent(path)]

    def answer(self, method: str, path: str, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self.calls.append(Call(path, query, body))
            self.lock.notify_all()
            queued = self.errors.get(path)
            if queued:
                return {"errcode": queued.pop(0), "errmsg": "scripted"}
            if path in ("/cgi-bin/gettoken", "/cgi-bin/token"):
                self.tokens_issued += 1
                return {"errcode": 0, "access_token": f"TOKEN-{self.tokens_issued}", "expires_in": 7200}
            if path == "/cgi-bin/kf/sync_msg":
                page = self.kf_pages.pop(0) if self.kf_pages else {"next_cursor": "", "has_more": 0,
                                                                   "msg_list": []}
                return {"errcode": 0, "errmsg": "ok", **page}
        return {"errcode": 0, "errmsg": "ok"}


def _handler(fake: FakeWeCom) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _reply(self, method: str) -> None:
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else {}
            data = json.dumps(fake.answer(method, parts.path, query, body)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._reply("GET")

        def do_POST(self) -> None:
            self._reply("POST")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def fake_wecom() -> Iterator[FakeWeCom]:
    fake = FakeWeCom()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    fake.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, name="fake-wecom", daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()


_counter = iter(range(10_000_000, 99_999_999))


def signed_query(crypt: MsgCrypt, encrypt: str, timestamp: int, *, nonce: str = "",
                 extra: dict[str, str] | None = None) -> str:
    """The query string a platform puts on a callback carrying `encrypt`."""
    nonce = nonce or str(next(_counter))
    params = {"msg_signature": signature(crypt.token, str(timestamp), nonce, encrypt),
              "timestamp": str(timestamp), "nonce": nonce, **(extra or {})}
    return urlencode(params)


def aibot_callback(body: dict[str, Any], timestamp: int, *, nonce: str = "") -> tuple[str, bytes]:
    """(query, body) of an AI bot callback carrying `body`, encrypted with a fixed prefix."""
    encrypt = AIBOT.encrypt(json.dumps(body, ensure_ascii=False).encode(), prefix=b"sellerguard-test")
    return signed_query(AIBOT, encrypt, timestamp, nonce=nonce), json.dumps({"encrypt": encrypt}).encode()


def open_aibot_reply(data: dict[str, Any]) -> dict[str, Any]:
    """Check the signature of an encrypted AI bot reply and return what it carries."""
    assert data["msgsignature"] == signature(AIBOT.token, str(data["timestamp"]), data["nonce"],
                                             data["encrypt"])
    return json.loads(AIBOT.decrypt(data["encrypt"]))


def xml_callback(crypt: MsgCrypt, plain: str, timestamp: int, *, nonce: str = "",
                 extra: dict[str, str] | None = None) -> tuple[str, bytes]:
    encrypt = crypt.encrypt(plain.encode())
    body = (f"<xml><ToUserName><![CDATA[{crypt.receive_id}]]></ToUserName>"
            f"<Encrypt><![CDATA[{encrypt}]]></Encrypt><AgentID><![CDATA[1000002]]></AgentID></xml>")
    return signed_query(crypt, encrypt, timestamp, nonce=nonce, extra=extra), body.encode()


def with_local_web(app: Any, web: Any, with_settings: Any, **changes: Any) -> Any:
    """The bot with lookups pointed at the local web fixture (tests/fixtures/sites), its shop
    names resolving to 127.0.0.1, and `changes` applied to its settings."""
    from chatbot.evidence.engine import EvidenceEngine
    from tests.fixtures.sites.server import resolver, settings_for

    local = settings_for(web, app.settings)
    keys = ("allow_private_networks", "allowed_ports", "wayback_url", "rdap_url", "amazon_url",
            "fetch_timeout", "lookup_timeout")
    bot = with_settings(**{key: getattr(local, key) for key in keys}, **changes)
    bot.ctx._services[EvidenceEngine] = EvidenceEngine(bot.ctx, resolver=resolver)
    return bot


def open_xml_reply(crypt: MsgCrypt, raw: bytes) -> str:
    """The plaintext of an encrypted passive reply, its signature checked."""
    from chatbot.wecom.envelope import _fields, _xml

    fields = _fields(_xml(raw))
    assert fields["MsgSignature"] == signature(crypt.token, fields["TimeStamp"], fields["Nonce"],
                                               fields["Encrypt"])
    return crypt.decrypt(fields["Encrypt"]).decode()


def text_xml(to: str, sender: str, text: str, msg_id: str, create_time: int) -> str:
    return (f"<xml><ToUserName><![CDATA[{to}]]></ToUserName><FromUserName><![CDATA[{sender}]]>"
            f"</FromUserName><CreateTime>{create_time}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{text}]]></Content><MsgId>{msg_id}</MsgId><AgentID>1000002</AgentID></xml>")
