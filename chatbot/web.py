"""The web process (`sellerguard serve`): Slack's HTTP mode at /slack/events, /healthz, and the
blocklist feed.

Bolt's own Starlette adapter calls the synchronous `App.dispatch` on the event loop whatever the
listener does; here only instant acks are dispatched there and anything that may block runs in
the thread pool. Requests Bolt would answer
with 500 (a timestamp that is not a number, a body that is not UTF-8 or not JSON) are refused with
401 before they reach it.
"""

from __future__ import annotations

import gc
import importlib
import logging
from collections.abc import Callable, Sequence
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from chatbot.context import Context
from chatbot.db import DatabaseError

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1_000_000  # Slack's payloads are a few KB; a view state with long notes < 100 KB
TIMESTAMP_HEADER = "x-slack-request-timestamp"
SIGNATURE_HEADER = "x-slack-signature"


def _refuse(reason: str) -> Response:
    log.info("refused a Slack request: %s", reason)
    return Response("invalid request", status_code=401, media_type="text/plain")


def _may_block(request: BoltRequest) -> bool:
    """A modal submission is answered from inside its listener (field errors must be in the
    ack), which reads and writes the database: that one runs on a thread."""
    body = request.body if isinstance(request.body, dict) else {}
    return body.get("type") == "view_submission"


def slack_endpoint(bolt: App) -> Callable[[Request], Any]:
    """POST /slack/events. With `process_before_response`, Bolt runs the ack listener in the
    calling thread and hands slow work to its lazy-listener executor; SellerGuard's ack listeners
    only call ack(), so dispatching on the event loop costs well under a millisecond and saves
    two thread hand-offs per request, which under load is what an ack waits longest for.
    Otherwise Bolt waits for the ack by polling, so dispatch must run on a thread. (Jobs for worker
    processes are stored after the ack, on a thread: the loop never waits for the database.)"""
    inline = bolt.process_before_response

    async def events(request: Request) -> Response:
        timestamp = request.headers.get(TIMESTAMP_HEADER, "")
        if not timestamp.isascii() or not timestamp.isdigit():
            return _refuse("missing or non-numeric timestamp")
        if not request.headers.get(SIGNATURE_HEADER, "").startswith("v0="):
            return _refuse("missing signature")
        declared = request.headers.get("content-length", "0")
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            return _refuse("body too large")
        raw = await request.body()
        if len(raw) > MAX_BODY_BYTES:
            return _refuse("body too large")
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError:
            return _refuse("body is not UTF-8")
        try:  # Bolt parses the body before it checks the signature: garbage must not become a 500
            bolt_request = BoltRequest(body=body, query=request.url.query,
                                       headers={k: [v] for k, v in request.headers.items()})
        except ValueError:
            return _refuse("body is not a Slack payload")
        if inline and not _may_block(bolt_request):
            bolt_response: BoltResponse = bolt.dispatch(bolt_request)
        else:
            bolt_response = await run_in_threadpool(bolt.dispatch, bolt_request)
        return Response(status_code=bolt_response.status, content=bolt_response.body,
                        headers=bolt_response.first_headers_without_set_cookie())

    return events


def healthz(ctx: Context) -> Callable[[Request], Any]:
    async def check(request: Request) -> Response:
        try:
            await run_in_threadpool(ctx.db.check)
        except DatabaseError as exc:
            return JSONResponse({"ok": False, "database": str(exc)}, status_code=503)
        return JSONResponse({"ok": True})

    return check


def blocklist_routes(ctx: Context) -> list[BaseRoute]:
    """The blocklist feed (GET /blocklist.json|.csv|.txt), when that feature is installed."""
    try:
        module = importlib.import_module("chatbot.blocklist.http")
    except ModuleNotFoundError as exc:
        if exc.name not in ("chatbot.blocklist.http", "chatbot.blocklist"):
            raise
        return []
    return list(module.routes(ctx))


def settle() -> None:
    """Call once the app is built: what exists at start-up lives for the whole process, so
    freezing it keeps the collector's full passes (pauses in the middle of an ack) short."""
    gc.collect()
    gc.freeze()


def create_app(ctx: Context, bolt: App | None, extra: Sequence[BaseRoute] = ()) -> Starlette:
    """The ASGI app. `bolt` is None in Socket Mode (Slack then talks over the socket); `extra`:
    other platforms' endpoints (WeCom / WeChat callbacks, chatbot/wecom/routes.py)."""
    routes: list[BaseRoute] = [Route("/healthz", healthz(ctx), methods=["GET"]), *extra]
    if bolt is not None:
        routes.append(Route("/slack/events", slack_endpoint(bolt), methods=["POST"]))
    routes += blocklist_routes(ctx)
    return Starlette(routes=routes)
