"""Slack ack latency under a burst of /checksite requests, beside a bare Bolt app that only acks.

Each app runs in its own process behind uvicorn, with a local stand-in for Slack's Web API; the
full app also gets a local storefront, so every /checksite really looks a page up (a different
URL each time: no cache hits) and writes its report while later requests are being acked.
The client fires N signed slash commands, C at a time, and times each HTTP answer.

    .venv/bin/python -m bench slack_ack            # N=300, C=30
    SLACK_ACK_N=1000 SLACK_ACK_C=50 .venv/bin/python -m bench slack_ack
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import statistics
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

SECRET = "bench-signing-secret"
WARMUP = 20


def _serve(variant: str, conn: Connection) -> None:
    """Child process: start the fake Web API (and storefront), then the app; report the port."""
    import logging
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from slack_bolt import App
    from slack_sdk import WebClient

    from chatbot.web import create_app, slack_endpoint
    from tests.slack_fake import FakeSlack, LocalServer

    logging.disable(logging.WARNING)
    fake = FakeSlack().start()
    page = (Path(__file__).resolve().parent.parent / "tests/fixtures/slack/brass-lamp.html").read_bytes()

    class Shop(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found = self.path.startswith("/products/")
            body = page if found else b"not found"
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    shop = ThreadingHTTPServer(("127.0.0.1", 0), Shop)
    shop.daemon_threads = True
    threading.Thread(target=shop.serve_forever, daemon=True).start()
    client = WebClient(token="xoxb-bench", base_url=fake.api_url)
    if variant == "bare":
        bolt = App(client=client, signing_secret=SECRET)
        bolt.command("/checksite")(lambda ack: ack())
        from starlette.applications import Starlette
        from starlette.routing import Route

        asgi = Starlette(routes=[Route("/slack/events", slack_endpoint(bolt), methods=["POST"])])
        adapter = None
    else:
        from chatbot.adapters.slack import SlackAdapter
        from chatbot.app import SellerGuard
        from chatbot.config import Settings

        work = Path(tempfile.mkdtemp(prefix="slack-ack-"))
        settings = Settings(database_url=f"sqlite:///{work / 'bench.db'}", allow_private_networks=True,
                            allowed_ports=frozenset({shop.server_address[1]}),
                            wayback_url=f"http://127.0.0.1:{shop.server_address[1]}",
                            rdap_url=f"http://127.0.0.1:{shop.server_address[1]}",
                            report_dir=str(work / "reports"), slack_bot_token="xoxb-bench",
                            slack_signing_secret=SECRET, slack_api_url=fake.api_url)
        guard = SellerGuard(settings, migrate=True)
        processes = int(variant.partition(":")[2] or 0)
        adapter = SlackAdapter(guard, client=client, processes=processes)
        if adapter.workers is not None:
            adapter.workers.warm()
        asgi = create_app(guard.ctx, adapter.bolt)
    with LocalServer(asgi) as server:
        conn.send({"port": server.port, "shop": shop.server_address[1], "api": fake.url})
        conn.recv()  # "stop"
        conn.send({"updates": len(fake.of("chat.update")), "uploads": len(fake.of("files.completeUploadExternal")),
                   "placeholders": len(fake.of("chat.postMessage"))})
    if adapter is not None:
        adapter.executor.shutdown(wait=False, cancel_futures=True)
    os._exit(0)  # background lookups still running are abandoned on purpose


async def _fire(port: int, shop_port: int, count: int, concurrency: int, offset: int) -> list[float]:
    import httpx

    from tests.slack_fake import command_body, sign

    command = os.environ.get("SLACK_ACK_DEBUG_COMMAND", "/checksite")
    bodies = [command_body(command, f"http://127.0.0.1:{shop_port}/products/lamp-{offset + i}",
                           response_url="http://127.0.0.1:9/unused", trigger_id=f"trig.{offset + i}")
              for i in range(count)]
    latencies: list[float] = []
    queue: asyncio.Queue[str] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, trust_env=False,
                                 timeout=30) as client:

        async def worker() -> None:
            while not queue.empty():
                body = queue.get_nowait()
                headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(SECRET, body)}
                started = time.perf_counter()
                response = await client.post("/slack/events", content=body, headers=headers)
                latencies.append(time.perf_counter() - started)
                if response.status_code != 200:
                    raise RuntimeError(f"ack failed: {response.status_code} {response.text[:200]}")

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies


def _measure(variant: str, count: int, concurrency: int) -> tuple[list[float], dict[str, int], float]:
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=_serve, args=(variant, child))
    process.start()
    if not parent.poll(120):
        process.kill()
        raise RuntimeError(f"the {variant} app did not start within 120 s")
    info = parent.recv()
    asyncio.run(_fire(info["port"], info["shop"], WARMUP, min(concurrency, WARMUP), 10_000_000))
    started = time.perf_counter()
    latencies = asyncio.run(_fire(info["port"], info["shop"], count, concurrency, 0))
    elapsed = time.perf_counter() - started
    parent.send("stop")
    stats = parent.recv()
    process.join(timeout=30)
    if process.is_alive():
        process.kill()
    return latencies, stats, elapsed


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    count = int(os.environ.get("SLACK_ACK_N", "300"))
    concurrency = int(os.environ.get("SLACK_ACK_C", "30"))
    print(f"{count} signed /checksite requests, {concurrency} at a time (after {WARMUP} warm-up requests)")
    rows = []
    for variant in ("bare", "full"):
        latencies, stats, elapsed = _measure(variant, count, concurrency)
        rows.append((variant, latencies, stats, elapsed))
    bare_p99 = _p(rows[0][1], 0.99)
    print(f"{'app':<34} {'median ms':>10} {'p99 ms':>8} {'max ms':>8} {'req/s':>7}")
    for variant, latencies, stats, elapsed in rows:
        name = "bare Bolt app (ack only)" if variant == "bare" else "SellerGuard (ack + lazy lookup)"
        print(f"{name:<34} {statistics.median(latencies) * 1000:>10.1f} {_p(latencies, 0.99) * 1000:>8.1f} "
              f"{max(latencies) * 1000:>8.1f} {len(latencies) / elapsed:>7.0f}")
    full_stats = rows[1][2]
    ratio = _p(rows[1][1], 0.99) / bare_p99 if bare_p99 else float("inf")
    print(f"p99 ratio SellerGuard / bare: {ratio:.2f} (aim: at most 1.25; Slack's limit is 3000 ms)")
    print(f"background work while acking: {full_stats['placeholders']} 'checking…' posted, "
          f"{full_stats['updates']} lookups finished, {full_stats['uploads']} files uploaded")
