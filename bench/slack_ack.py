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


def _support(conn: Connection) -> None:
    """Child process: the stand-in for Slack's Web API and a storefront, away from the app's
    interpreter so serving them does not count against the app."""
    import logging
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from tests.slack_fake import FakeSlack

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
    conn.send({"api": fake.api_url, "shop": shop.server_address[1]})
    while conn.recv() == "stats":
        conn.send({"updates": len(fake.of("chat.update")),
                   "uploads": len(fake.of("files.completeUploadExternal")),
                   "placeholders": len(fake.of("chat.postMessage"))})
        fake.clear()
    os._exit(0)


def _serve(variant: str, api: str, shop_port: int, conn: Connection) -> None:
    """Child process: the app under test behind uvicorn; reports its port, runs until told."""
    import logging

    from slack_bolt import App
    from slack_sdk import WebClient

    from chatbot.web import create_app, settle, slack_endpoint
    from tests.slack_fake import LocalServer

    logging.disable(logging.WARNING)
    client = WebClient(token="xoxb-bench", base_url=api)
    adapter = None
    if variant == "bare":
        from starlette.applications import Starlette
        from starlette.routing import Route

        bolt = App(client=client, signing_secret=SECRET)
        bolt.command("/checksite")(lambda ack: ack())
        asgi = Starlette(routes=[Route("/slack/events", slack_endpoint(bolt), methods=["POST"])])
    else:
        from chatbot.adapters.slack import SlackAdapter
        from chatbot.app import SellerGuard
        from chatbot.config import Settings

        work = Path(tempfile.mkdtemp(prefix="slack-ack-"))
        settings = Settings(database_url=f"sqlite:///{work / 'bench.db'}", allow_private_networks=True,
                            allowed_ports=frozenset({shop_port}), wayback_url=f"http://127.0.0.1:{shop_port}",
                            rdap_url=f"http://127.0.0.1:{shop_port}", report_dir=str(work / "reports"),
                            slack_bot_token="xoxb-bench", slack_signing_secret=SECRET, slack_api_url=api)
        guard = SellerGuard(settings, migrate=True)
        processes = int(variant.partition(":")[2] or 0)
        adapter = SlackAdapter(guard, client=client, processes=processes)
        if adapter.workers is not None:
            adapter.workers.warm()
        asgi = create_app(guard.ctx, adapter.bolt)
    settle()  # as `sellerguard serve` does
    with LocalServer(asgi) as server:
        conn.send({"port": server.port})
        conn.recv()  # "stop"
    if adapter is not None:
        adapter.executor.shutdown(wait=False, cancel_futures=True)
        if adapter.workers is not None:
            adapter.workers.close(wait=False)
    os._exit(0)  # background lookups still running are abandoned on purpose


async def _fire(port: int, shop_port: int, count: int, concurrency: int, offset: int) -> list[float]:
    import httpx

    from tests.slack_fake import command_body, sign

    bodies = [command_body("/checksite", f"http://127.0.0.1:{shop_port}/products/lamp-{offset + i}",
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


def _measure(variant: str, count: int, concurrency: int,
             support: Any) -> tuple[list[float], dict[str, int], float]:
    spawn = multiprocessing.get_context("spawn")
    parent, child = spawn.Pipe()
    process = spawn.Process(target=_serve, args=(variant, support["api"], support["shop"], child))
    process.start()
    if not parent.poll(120):
        process.kill()
        raise RuntimeError(f"the {variant} app did not start within 120 s")
    port = parent.recv()["port"]
    try:
        asyncio.run(_fire(port, support["shop"], WARMUP, min(concurrency, WARMUP), 10_000_000))
        support["conn"].send("stats")  # forget the warm-up's calls
        support["conn"].recv()
        started = time.perf_counter()
        latencies = asyncio.run(_fire(port, support["shop"], count, concurrency, 0))
        elapsed = time.perf_counter() - started
        support["conn"].send("stats")
        stats = support["conn"].recv()
    finally:
        parent.send("stop")
        process.join(timeout=30)
        if process.is_alive():
            process.kill()
    return latencies, stats, elapsed


def start_support() -> tuple[Any, Any]:
    spawn = multiprocessing.get_context("spawn")
    parent, child = spawn.Pipe()
    process = spawn.Process(target=_support, args=(child,), daemon=True)
    process.start()
    info = parent.recv()
    return {**info, "conn": parent}, process


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    count = int(os.environ.get("SLACK_ACK_N", "400"))
    concurrency = int(os.environ.get("SLACK_ACK_C", "10"))
    rounds = int(os.environ.get("SLACK_ACK_ROUNDS", "2"))
    processes = int(os.environ.get("SLACK_ACK_PROCESSES", "0"))
    full = f"full:{processes}"
    print(f"{rounds} rounds of {count} signed /checksite requests, {concurrency} at a time, each app "
          f"in its own process (after {WARMUP} warm-up requests); lookups in "
          + (f"{processes} worker process(es)" if processes else "threads"))
    pooled: dict[str, list[float]] = {"bare": [], full: []}
    per_round: dict[str, list[float]] = {"bare": [], full: []}
    spent: dict[str, float] = {"bare": 0.0, full: 0.0}
    background = {"placeholders": 0, "updates": 0, "uploads": 0}
    support, process = start_support()
    try:
        for _ in range(rounds):
            for variant in ("bare", full):  # alternate, so drift in the machine's load hits both
                latencies, stats, elapsed = _measure(variant, count, concurrency, support)
                pooled[variant] += latencies
                per_round[variant].append(_p(latencies, 0.99) * 1000)
                spent[variant] += elapsed
                if variant == full:
                    background = {k: background[k] + stats[k] for k in background}
    finally:
        support["conn"].send("stop")
        process.join(timeout=10)
    print(f"{'app':<34} {'median ms':>10} {'p99 ms':>8} {'max ms':>8} {'req/s':>7}  p99 per round")
    for variant, name in (("bare", "bare Bolt app (ack only)"), (full, "SellerGuard (ack + lazy lookup)")):
        values = pooled[variant]
        rounds_text = ", ".join(f"{v:.0f}" for v in per_round[variant])
        print(f"{name:<34} {statistics.median(values) * 1000:>10.1f} {_p(values, 0.99) * 1000:>8.1f} "
              f"{max(values) * 1000:>8.1f} {len(values) / spent[variant]:>7.0f}  {rounds_text}")
    bare_p99 = _p(pooled["bare"], 0.99)
    ratio = _p(pooled[full], 0.99) / bare_p99 if bare_p99 else float("inf")
    print(f"p99 ratio SellerGuard / bare: {ratio:.2f} (aim: at most 1.25; Slack's limit is 3000 ms)")
    print(f"background work while acking: {background['placeholders']} 'checking…' posted, "
          f"{background['updates']} lookups finished, {background['uploads']} files uploaded")
