"""The web process (`sellerguard serve`): Slack's HTTP mode at /slack/events, /healthz, and the
blocklist feed. Every route sits behind `BodyLimit`: no request body over MAX_BODY_BYTES is read.

Bolt's own Starlette adapter calls the synchronous `App.dispatch` on the event loop whatever the
listener does; here only instant acks are dispatched there and anything that may block runs in
the thread pool. The signature is verified here, before the body is parsed at all: an unsigned,
stale or forged request is refused with 401 whatever its body holds, and so is a signed body that
is not a Slack payload (not UTF-8, not JSON or a form, a list, a number, `payload=null`), which
Bolt would otherwise answer with 500.
"""

from __future__ import annotations

import gc
import importlib
import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk.signature import SignatureVerifier
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from chatbot.body_limit import MAX_BODY_BYTES, BodyLimit
from chatbot.context import Context
from chatbot.db import DatabaseError

log = logging.getLogger(__name__)

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


def slack_endpoint(bolt: App, signing_secret: str) -> Callable[[Request], Any]:
    """POST /slack/events. With `process_before_response`, Bolt runs the ack listener in the
    calling thread and hands slow work to its lazy-listener executor; SellerGuard's ack listeners
    only call ack(), so dispatching on the event loop costs well under a millisecond and saves
    two thread hand-offs per request, which under load is what an ack waits longest for.
    Otherwise Bolt waits for the ack by polling, so dispatch must run on a thread. (Jobs for worker
    processes are stored after the ack, on a thread: the loop never waits for the database.)"""
    inline = bolt.process_before_response
    verifier = SignatureVerifier(signing_secret)

    async def events(request: Request) -> Response:
        timestamp = request.headers.get(TIMESTAMP_HEADER, "")
        if not timestamp.isascii() or not timestamp.isdigit():
            return _refuse("missing or non-numeric timestamp")
        if not request.headers.get(SIGNATURE_HEADER, "").startswith("v0="):
            return _refuse("missing signature")
        raw = await request.body()  # at most MAX_BODY_BYTES: BodyLimit refused anything larger
        try:
            body = raw.decode("utf-8")  # Slack signs UTF-8 text; anything else is forged
        except UnicodeDecodeError:
            return _refuse("body is not UTF-8")
        # Bolt parses the body before it checks the signature: check it first (constant-time
        # compare, 5-minute window), so nothing unsigned is ever parsed.
        if not verifier.is_valid(body, timestamp, request.headers.get(SIGNATURE_HEADER, "")):
            return _refuse("bad signature or stale timestamp")
        try:
            bolt_request = BoltRequest(body=body, query=request.url.query,
                                       headers={k: [v] for k, v in request.headers.items()})
        except (ValueError, TypeError, AttributeError):
            return _refuse("body is not a Slack payload")
        if not isinstance(bolt_request.body, dict):
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


def page_routes(ctx: Context) -> list[BaseRoute]:
    """Report pages (/r/<token>) and the public blocklist page (/blocklist): chatbot/pages."""
    from chatbot.pages import routes

    return routes(ctx)


SWITCH_SECONDS = 0.0002
YOUNG = 700  # Python's own threshold for a collection of the youngest objects
AUTOMATIC = 20 * YOUNG  # the threshold left to Python, where `tidy` is not called often enough


def settle() -> None:
    """Call once the app is built: what exists at start-up lives for the whole process, so
    freezing it keeps the collector's full passes (pauses in the middle of an ack) short; young
    collections are left to `tidy`, called where no answer waits, with Python's own trigger
    kept further off as a safety net. And threads busy after an acknowledgement (storing a job,
    a worker's lookup) hand the interpreter to a request that arrives meanwhile within
    SWITCH_SECONDS, not Python's default 5 ms: a short time slice trades a little throughput
    for the acknowledgement's tail."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(AUTOMATIC, *gc.get_threshold()[1:])
    sys.setswitchinterval(SWITCH_SECONDS)


def tidy() -> None:
    """Collect the young objects if Python's own threshold has passed: called by the threads
    that work after an answer, so a collection's pause (up to a few ms) falls between requests
    instead of inside one."""
    if gc.get_count()[0] > YOUNG:
        gc.collect(1)


def create_app(ctx: Context, bolt: App | None, extra: Sequence[BaseRoute] = ()) -> Starlette:
    """The ASGI app. `bolt` is None in Socket Mode (Slack then talks over the socket); `extra`:
    other platforms' endpoints (WeCom / WeChat callbacks, chatbot/wecom/routes.py)."""
    routes: list[BaseRoute] = [Route("/healthz", healthz(ctx), methods=["GET"]), *extra]
    if bolt is not None:
        routes.append(Route("/slack/events", slack_endpoint(bolt, ctx.settings.slack_signing_secret),
                            methods=["POST"]))
    routes += blocklist_routes(ctx)
    routes += page_routes(ctx)
    # The body cap wraps the whole app, so every route (and any added later) gets it.
    return Starlette(routes=routes, middleware=[Middleware(BodyLimit, max_bytes=MAX_BODY_BYTES)])
