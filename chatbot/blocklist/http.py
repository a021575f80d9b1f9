"""The public feed: GET /blocklist.json, /blocklist.csv, /blocklist.txt under the web process.

Streamed (a million rows never sit in memory), with a strong ETag so subscribers polling with
If-None-Match get a 304 until something changes, and `?since=` (a date, a timestamp or `24h`/`7d`)
for the entries changed since then.
"""

from __future__ import annotations

import json

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from chatbot.blocklist.errors import BlocklistError
from chatbot.blocklist.export import FORMATS, MEDIA_TYPES, export, feed_version, parse_since
from chatbot.context import Context

CACHE_CONTROL = "public, max-age=300"


def _matches(header: str, etag: str) -> bool:
    if header.strip() == "*":
        return True
    candidates = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return etag in candidates


def routes(ctx: Context) -> list[Route]:
    def endpoint(fmt: str):  # type: ignore[no-untyped-def]
        async def serve(request: Request) -> Response:
            try:
                since = parse_since(request.query_params.get("since"), ctx.clock())
            except BlocklistError as exc:
                body = {"error": exc.code, "detail": "since must be a date (2026-11-01), an ISO "
                        "timestamp (2026-11-01T08:00:00Z) or a span such as 24h, 7d, 2w",
                        "value": exc.params.get("value", "")}
                return Response(json.dumps(body), status_code=400, media_type="application/json")
            etag = await run_in_threadpool(feed_version, ctx.db, fmt, since)
            headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
            if _matches(request.headers.get("if-none-match", ""), etag):
                return Response(status_code=304, headers=headers)
            if request.method == "HEAD":
                return Response(status_code=200, headers=headers, media_type=MEDIA_TYPES[fmt])
            chunks = (chunk.encode("utf-8") for chunk in export(ctx.db, fmt, since))
            return StreamingResponse(chunks, media_type=MEDIA_TYPES[fmt], headers=headers)

        return serve

    return [Route(f"/blocklist.{fmt}", endpoint(fmt), methods=["GET", "HEAD"]) for fmt in FORMATS]
