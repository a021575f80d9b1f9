"""The web process (`sellerguard serve`): Slack's HTTP mode at /slack/events, /healthz, and the
blocklist feed.

Bolt's own Starlette adapter calls the synchronous `App.dispatch` on the event loop, so one slow
request would stall every other; here dispatch runs in the thread pool. Requests Bolt would answer
with 500 (a timestamp that is not a number, a body that is not UTF-8 or not JSON) are refused with
401 before they reach it.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
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


def slack_endpoint(bolt: App) -> Callable[[Request], Any]:
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
        bolt_response: BoltResponse = await run_in_threadpool(bolt.dispatch, bolt_request)
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


def create_app(ctx: Context, bolt: App | None) -> Starlette:
    """The ASGI app. `bolt` is None in Socket Mode (Slack then talks over the socket)."""
    routes: list[BaseRoute] = [Route("/healthz", healthz(ctx), methods=["GET"])]
    if bolt is not None:
        routes.append(Route("/slack/events", slack_endpoint(bolt), methods=["POST"]))
    routes += blocklist_routes(ctx)
    return Starlette(routes=routes)
