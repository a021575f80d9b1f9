"""A cap on request bodies for every route of the web process, applied before anything else.

An ASGI middleware: a declared `Content-Length` over the cap is refused before one byte of the
body is read; a body without one (chunked, or a lying client) is read chunk by chunk only up to
the cap, then refused with 413 and the connection is left unread. The application below sees
the body, at most `max_bytes`, replayed as one message. Every route added to the app (Slack
events, the blocklist feed, the WeCom/WeChat callbacks) is covered without doing anything.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Slack's payloads are a few KB, a modal with long notes under 100 KB; WeCom/WeChat callbacks
# are smaller still. Nothing the web process serves takes more.
MAX_BODY_BYTES = 1_000_000


class BodyLimit:
    """`BodyLimit(app, max_bytes=MAX_BODY_BYTES)`: refuse (413) any HTTP request whose body is
    over `max_bytes`, reading at most `max_bytes` plus one chunk of it; 400 for a
    `Content-Length` that is not a number."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None:
            if not declared.isdigit():
                await _answer(send, 400, b"invalid Content-Length")
                return
            if int(declared) > self.max_bytes:
                await _answer(send, 413, b"request body too large")
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client left; nothing to answer
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await _answer(send, 413, b"request body too large")
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # later calls wait for a disconnect, as before

        await self.app(scope, replay, send)


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).strip()
    return None


async def _answer(send: Send, status: int, text: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(text)).encode()), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": text})
