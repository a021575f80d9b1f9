"""Request bodies and unsigned garbage against the web app: the body cap holds on every route
before anything reads the body, and nothing unsigned is parsed (401, never 500)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import pytest

pytest.register_assert_rewrite("tests.slack_fake")

from chatbot.body_limit import MAX_BODY_BYTES, BodyLimit  # noqa: E402
from chatbot.context import Context  # noqa: E402
from chatbot.web import create_app  # noqa: E402
from tests.slack_fake import SlackRig, sign  # noqa: E402

pytest_plugins = ["tests.slack_fake"]
CHUNK = 64 * 1024


def call(app: Any, path: str, chunks: Callable[[], bytes | None], headers: list[tuple[bytes, bytes]],
         method: str = "POST") -> tuple[int, bytes, int]:
    """One request straight into the ASGI app: (status, body, chunks the app pulled)."""
    pulled = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        chunk = chunks()
        if chunk is None:
            await asyncio.sleep(3600)  # a client that never finishes
        pulled += 1
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "raw_path": path.encode(), "query_string": b"",
             "headers": headers, "scheme": "http", "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 1),
             "http_version": "1.1", "root_path": ""}
    asyncio.run(asyncio.wait_for(app(scope, receive, send), 30))
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, body, pulled


def endless() -> bytes:
    return b"x" * CHUNK


@pytest.fixture
def web_app(settings, db):  # type: ignore[no-untyped-def]
    return create_app(Context(settings, db), None)


@pytest.mark.parametrize("path", ["/slack/events", "/healthz", "/blocklist.json", "/wecom/callback"])
def test_chunked_body_stops_at_the_cap_on_every_route(web_app, path):
    """The issue's instance: a chunked POST without Content-Length was read whole (1.5 GB) first."""
    status, _, pulled = call(web_app, path, endless, [(b"transfer-encoding", b"chunked")])
    assert status == 413
    assert pulled * CHUNK <= MAX_BODY_BYTES + CHUNK


def test_declared_length_over_the_cap_reads_nothing(web_app):
    status, body, pulled = call(web_app, "/slack/events", endless,
                                [(b"content-length", str(MAX_BODY_BYTES + 1).encode())])
    assert (status, pulled) == (413, 0) and b"too large" in body
    status, _, pulled = call(web_app, "/slack/events", endless, [(b"content-length", b"12abc")])
    assert (status, pulled) == (400, 0)


def test_a_body_under_the_cap_reaches_the_route():
    seen: list[bytes] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append((await receive())["body"])
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    parts = iter([b"ab", b"cd", None])
    limited = BodyLimit(app, max_bytes=10)

    async def receive() -> dict[str, Any]:
        chunk = next(parts)
        return {"type": "http.request", "body": chunk or b"", "more_body": chunk is not None}

    async def send(message: Any) -> None:
        pass

    asyncio.run(limited({"type": "http", "headers": []}, receive, send))
    assert seen == [b"abcd"]


@pytest.mark.parametrize(("body", "kind"), [
    ("[1, 2, 3]", "application/json"),
    ("42", "application/json"),
    ("payload=null", "application/x-www-form-urlencoded"),
    ("payload=%5B%5D", "application/x-www-form-urlencoded"),
    ('{"type": "event_callback", "event": {"type": "message", "text": "hi"}}', "application/json"),
])
def test_unsigned_garbage_is_401_and_never_parsed(slack: SlackRig, body, kind, caplog):
    """The issue's instance: an unsigned list, number or payload=null got a 500 and a traceback."""
    headers = {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=" + "0" * 64}
    response = slack.post(body, kind, signed=False, headers=headers)
    assert response.status_code == 401
    assert "Traceback" not in caplog.text


@pytest.mark.parametrize(("body", "kind"), [
    ("[1, 2, 3]", "application/json"),
    ("42", "application/json"),
    ("payload=null", "application/x-www-form-urlencoded"),
    ("payload=3", "application/x-www-form-urlencoded"),
])
def test_signed_garbage_is_401_too(slack: SlackRig, body, kind):
    response = slack.post(body, kind, signed=False, headers=sign(slack.secret, body))
    assert response.status_code == 401


def test_a_big_signed_body_is_refused_over_http(slack: SlackRig):
    body = json.dumps({"type": "event_callback", "pad": "x" * (MAX_BODY_BYTES + 10)})
    response = slack.post(body, "application/json", signed=False, headers=sign(slack.secret, body))
    assert response.status_code == 413
