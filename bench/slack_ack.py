"""Slack ack latency under a burst of /checksite requests, beside a bare Bolt app that only acks.

Each app runs in its own process behind uvicorn, with a local stand-in for Slack's Web API; the
full app also gets a local storefront, so every /checksite really looks a page up (a different
URL each time: no cache hits) and writes its report while later requests are being acked.

The client sends N signed slash commands at a fixed rate (open loop, SLACK_ACK_RATE per second
over at most C connections), the same schedule for both apps, and times each HTTP answer. With
SLACK_ACK_RATE=0 it sends each request as soon as a connection is free (closed loop): then the
faster app is simply sent more, and on a small box the client's own CPU use dominates the tail.

    .venv/bin/python -m bench slack_ack            # N=400, C=10, 200/s, 3 rounds
    SLACK_ACK_PROCESSES=0 .venv/bin/python -m bench slack_ack   # lookups on threads of the web process
    (default: one `sellerguard worker`-like process per core beyond the first, at idle priority)
    SLACK_ACK_DATABASE_URL=postgresql://… .venv/bin/python -m bench slack_ack  # default: a new SQLite file
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


def default_processes() -> int:
    """One worker per core beyond the first (at least one): the first core is the web process's."""
    return max(1, min(8, (os.cpu_count() or 2) - 1))


def worker_process(settings: Any) -> None:
    """Child process: what `sellerguard worker` does, at idle priority."""
    from chatbot.app import SellerGuard
    from chatbot.worker import for_app, lower_priority

    lower_priority()
    for_app(SellerGuard(settings), threads=16, poll_seconds=0.2).serve()

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
    workers: list[Any] = []
    if variant == "bare":
        from starlette.applications import Starlette
        from starlette.routing import Route

        bolt = App(client=client, signing_secret=SECRET)
        bolt.command("/checksite")(lambda ack: ack())
        asgi = Starlette(routes=[Route("/slack/events", slack_endpoint(bolt, SECRET), methods=["POST"])])
    else:
        from chatbot.adapters.slack import SlackAdapter
        from chatbot.app import SellerGuard
        from chatbot.config import Settings

        work = Path(tempfile.mkdtemp(prefix="slack-ack-"))
        database_url = os.environ.get("SLACK_ACK_DATABASE_URL") or f"sqlite:///{work / 'bench.db'}"
        settings = Settings(database_url=database_url, allow_private_networks=True,
                            allowed_ports=frozenset({shop_port}), wayback_url=f"http://127.0.0.1:{shop_port}",
                            rdap_url=f"http://127.0.0.1:{shop_port}", report_dir=str(work / "reports"),
                            slack_bot_token="xoxb-bench", slack_signing_secret=SECRET, slack_api_url=api)
        guard = SellerGuard(settings, migrate=True)
        processes = int(variant.partition(":")[2] or 0)
        adapter = SlackAdapter(guard, client=client, queued=processes > 0)
        spawn = multiprocessing.get_context("spawn")
        workers = [spawn.Process(target=worker_process, args=(settings,), daemon=True)
                   for _ in range(processes)]
        for worker in workers:
            worker.start()
        asgi = create_app(guard.ctx, adapter.bolt)
    settle()  # as `sellerguard serve` does
    with LocalServer(asgi) as server:
        conn.send({"port": server.port})
        conn.recv()  # "stop"
    if adapter is not None:
        adapter.executor.shutdown(wait=False, cancel_futures=True)
        for worker in workers:
            worker.kill()
    os._exit(0)  # background lookups still running are abandoned on purpose


async def _fire(port: int, shop_port: int, count: int, concurrency: int, offset: int,
                rate: float = 0.0) -> list[float]:
    """Fire `count` requests over at most `concurrency` connections: each as soon as a connection
    is free (closed loop, rate 0), or on a fixed schedule of `rate` per second (open loop)."""
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

        async def send(body: str) -> None:
            headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(SECRET, body)}
            started = time.perf_counter()
            response = await client.post("/slack/events", content=body, headers=headers)
            latencies.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise RuntimeError(f"ack failed: {response.status_code} {response.text[:200]}")

        if rate > 0:  # open loop: request i leaves at i / rate seconds, whatever the app's speed
            loop = asyncio.get_running_loop()
            start = loop.time()

            async def scheduled(index: int, body: str) -> None:
                await asyncio.sleep(max(0.0, start + index / rate - loop.time()))
                await send(body)

            await asyncio.gather(*(scheduled(i, body) for i, body in enumerate(bodies)))
            return latencies

        async def worker() -> None:
            while not queue.empty():
                await send(queue.get_nowait())

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies


def _measure(variant: str, count: int, concurrency: int, rate: float,
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
        latencies = asyncio.run(_fire(port, support["shop"], count, concurrency, 0, rate))
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
    rounds = int(os.environ.get("SLACK_ACK_ROUNDS", "3"))
    rate = float(os.environ.get("SLACK_ACK_RATE", "200"))
    processes = int(os.environ.get("SLACK_ACK_PROCESSES", str(default_processes())))
    full = f"full:{processes}"
    load = f"at {rate:g}/s over at most {concurrency} connections" if rate > 0 else \
        f"{concurrency} at a time, each as soon as the last was answered"
    print(f"{rounds} rounds of {count} signed /checksite requests {load}; each app in its own "
          f"process (after {WARMUP} warm-up requests); answers in "
          + (f"{processes} worker process(es)" if processes else "threads of the web process"))
    pooled: dict[str, list[float]] = {"bare": [], full: []}
    per_round: dict[str, list[tuple[float, float]]] = {"bare": [], full: []}  # (median, p99) ms
    spent: dict[str, float] = {"bare": 0.0, full: 0.0}
    background = {"placeholders": 0, "updates": 0, "uploads": 0}
    support, process = start_support()
    try:
        for _ in range(rounds):
            for variant in ("bare", full):  # alternate, so drift in the machine's load hits both
                latencies, stats, elapsed = _measure(variant, count, concurrency, rate, support)
                pooled[variant] += latencies
                per_round[variant].append((statistics.median(latencies) * 1000, _p(latencies, 0.99) * 1000))
                spent[variant] += elapsed
                if variant == full:
                    background = {k: background[k] + stats[k] for k in background}
    finally:
        support["conn"].send("stop")
        process.join(timeout=10)
    print(f"{'app':<34} {'median ms':>10} {'p99 ms':>8} {'max ms':>8} {'req/s':>7}  median/p99 per round")
    for variant, name in (("bare", "bare Bolt app (ack only)"), (full, "SellerGuard (ack, answer after)")):
        values = pooled[variant]
        rounds_text = ", ".join(f"{m:.1f}/{p:.0f}" for m, p in per_round[variant])
        print(f"{name:<34} {statistics.median(values) * 1000:>10.1f} {_p(values, 0.99) * 1000:>8.1f} "
              f"{max(values) * 1000:>8.1f} {len(values) / spent[variant]:>7.0f}  {rounds_text}")
    bare_p99 = _p(pooled["bare"], 0.99)
    ratio = _p(pooled[full], 0.99) / bare_p99 if bare_p99 else float("inf")
    print(f"p99 ratio SellerGuard / bare: {ratio:.2f} (aim: at most 1.25; Slack's limit is 3000 ms)")
    print(f"background work while acking: {background['placeholders']} 'checking…' posted, "
          f"{background['updates']} lookups finished, {background['uploads']} files uploaded")
