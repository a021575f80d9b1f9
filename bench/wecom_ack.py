"""WeCom AI bot webhook: time to the encrypted first reply under a fixed rate of signed callbacks,
beside a bare endpoint that only decrypts the callback and encrypts a stream frame, in one run.

Each app runs in its own process behind uvicorn on a fresh SQLite file. SellerGuard's route does
everything a real callback gets: the query and timestamp checks, the constant-time signature,
decryption, the nonce and the message's stream looked up in the database, the stream frame
encrypted; after the answer, the nonce, the job with its delivery key and the stream are stored
in one commit on the web process's threads. SellerGuard is measured twice:

- "elsewhere": the web process alone, as `sellerguard serve --no-worker` with its
  `sellerguard worker` on another machine (on Heroku, the Procfile's worker dyno): the jobs wait
  in the queue;
- "on this machine": the same, beside WECOM_ACK_PROCESSES `sellerguard worker` processes at idle
  priority (default one per core beyond the first) answering every message (help texts), or
  with WECOM_ACK_PROCESSES=0 worker threads inside the web process (`sellerguard serve` alone).

Each phase starts its apps once; the client encrypts each block of callbacks before its clock
starts and sends them on a fixed schedule (open loop), the apps taking turns block by block on
connections that stay open, so a busy moment of the machine falls on every app alike. The first
phase measures the bare endpoint and the web process alone, the second the bare endpoint and
SellerGuard beside its workers (their work would otherwise slow the first phase's bare
endpoint too).

    .venv/bin/python -m bench wecom_ack            # 600 callbacks per app at 50/s (about 1 min)
    .venv/bin/python -m bench.wecom_ack --full     # 3000 callbacks per app at 100/s (about 3 min)
    WECOM_ACK_PROCESSES=0 .venv/bin/python -m bench wecom_ack   # answers on threads of the web process
    WECOM_ACK_DATABASE_URL=postgresql://… .venv/bin/python -m bench wecom_ack  # default: a new SQLite file
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import signal
import statistics
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from typing import Any

from bench.slack_ack import default_processes, worker_process

TOKEN = "bench-token"
AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
WARMUP = 20
CONCURRENCY = 20
PAUSE = 0.25  # s between blocks


def _serve(variant: str, folder: str, conn: Connection, processes: int) -> None:
    """Child process: the app under test; reports its port, runs until killed."""
    import logging
    import socket

    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    from chatbot.wecom.crypto import MsgCrypt, signature

    logging.disable(logging.WARNING)
    crypt = MsgCrypt(TOKEN, AES_KEY, "")
    workers: list[multiprocessing.process.BaseProcess] = []
    if variant == "bare":
        async def bare(request: Request) -> Response:
            body = json.loads(await request.body())
            plain = json.loads(crypt.decrypt(body["encrypt"]))
            frame = {"msgtype": "stream", "stream": {"id": plain["msgid"], "finish": False, "content": "…"}}
            sealed = crypt.encrypt(json.dumps(frame).encode())
            now = str(int(time.time()))
            nonce = request.query_params["nonce"]
            return JSONResponse({"encrypt": sealed, "msgsignature": signature(TOKEN, now, nonce, sealed),
                                 "timestamp": int(now), "nonce": nonce})

        app = Starlette(routes=[Route("/wecom/aibot", bare, methods=["POST"])])
    else:
        from chatbot.app import SellerGuard
        from chatbot.config import Settings, _database_url
        from chatbot.web import create_app, settle
        from chatbot.wecom.routes import routes
        from chatbot.worker import for_app

        url = os.environ.get("WECOM_ACK_DATABASE_URL", "") or f"sqlite:///{folder}/bench.db"
        settings = Settings(database_url=_database_url(url), wecom_aibot_token=TOKEN,
                            wecom_aibot_aes_key=AES_KEY)
        guard = SellerGuard(settings, migrate=True)
        wake = None
        if variant == "web":  # `sellerguard serve --no-worker`; `sellerguard worker` runs elsewhere
            pass
        elif processes:  # … beside `sellerguard worker` processes on this machine
            spawn = multiprocessing.get_context("spawn")
            workers += [spawn.Process(target=worker_process, args=(settings,), daemon=True)
                        for _ in range(processes)]
            for worker in workers:
                worker.start()
        else:  # `sellerguard serve` alone: worker threads in the web process
            wake = for_app(guard, threads=16).start().wake
        app = create_app(guard.ctx, None, extra=routes(guard, wake=wake or (lambda: None)))
        settle()
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    def stop(*_: object) -> None:  # uvicorn re-raises the SIGTERM it caught once it has stopped
        for worker in workers:
            worker.kill()
        os._exit(0)  # messages still being answered are abandoned on purpose

    signal.signal(signal.SIGTERM, stop)
    conn.send(port)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="error", access_log=False)
    stop()


def _callbacks(count: int, offset: int) -> list[tuple[str, bytes]]:
    from urllib.parse import urlencode

    from chatbot.wecom.crypto import MsgCrypt, signature

    crypt = MsgCrypt(TOKEN, AES_KEY, "")
    now = str(int(time.time()))
    made = []
    for n in range(offset, offset + count):
        body = {"msgid": f"bench-{os.getpid()}-{n}", "aibotid": "aib-bench", "chatid": "grp",
                "chattype": "group", "from": {"userid": f"user{n % 50}"}, "msgtype": "text",
                "text": {"content": "@SellerGuard help"}}
        encrypt = crypt.encrypt(json.dumps(body).encode())
        nonce = f"n{os.getpid()}x{n}"
        query = urlencode({"msg_signature": signature(TOKEN, now, nonce, encrypt), "timestamp": now,
                           "nonce": nonce})
        made.append((query, json.dumps({"encrypt": encrypt}).encode()))
    return made


async def _fire(client: Any, callbacks: list[tuple[str, bytes]], rate: float) -> list[float]:
    """Send `callbacks` at `rate` per second on `client`'s open connections; the latencies (s)."""
    latencies: list[float] = []
    loop = asyncio.get_running_loop()
    start = loop.time()

    async def scheduled(index: int, query: str, body: bytes) -> None:
        await asyncio.sleep(max(0.0, start + index / rate - loop.time()))
        began = time.perf_counter()
        response = await client.post(f"/wecom/aibot?{query}", content=body)
        latencies.append(time.perf_counter() - began)
        if response.status_code != 200 or "encrypt" not in response.json():
            raise RuntimeError(f"unexpected answer {response.status_code}: {response.text[:200]}")

    await asyncio.gather(*(scheduled(i, q, b) for i, (q, b) in enumerate(callbacks)))
    return latencies


async def _alternate(ports: dict[str, int], count: int, rate: float, block: int,
                     offset: int) -> dict[str, list[float]]:
    """`count` callbacks per app, in blocks of `block` taking turns (the order flips every
    block), each app on its own client whose connections stay open: a moment when the machine
    is busy falls on every app alike, and no sample pays for a new connection."""
    import httpx

    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    clients = {variant: httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits,
                                          trust_env=False, timeout=30) for variant, port in ports.items()}
    found: dict[str, list[float]] = {variant: [] for variant in ports}
    try:
        for client in clients.values():  # open the connections, warm every path
            await _fire(client, _callbacks(max(WARMUP, CONCURRENCY * 2), offset), rate)
        order = list(ports)
        for number in range(count // block):
            for variant in order if number % 2 == 0 else reversed(order):
                await asyncio.sleep(PAUSE)  # what the last block left behind is done
                first = offset + 1_000 + number * block
                found[variant] += await _fire(clients[variant], _callbacks(block, first), rate)
    finally:
        for client in clients.values():
            await client.aclose()
    return found


def _start(variant: str, scratch: str, processes: int) -> tuple[multiprocessing.process.BaseProcess, int]:
    context = multiprocessing.get_context("spawn")
    folder = tempfile.mkdtemp(dir=scratch)  # removed with `scratch`, after every process is gone
    parent, child = context.Pipe()
    process = context.Process(target=_serve, args=(variant, folder, child, processes))  # it has children
    process.start()
    if not parent.poll(120):
        raise RuntimeError(f"the {variant} app did not start")
    port = parent.recv()
    import httpx

    for _ in range(200):  # wait until it listens
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1, trust_env=False)
            return process, port
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError(f"the {variant} app does not answer")


def _stop(process: multiprocessing.process.BaseProcess) -> None:
    process.terminate()  # uvicorn stops, and its worker processes with it
    process.join(120)
    if process.is_alive():
        process.kill()
        process.join()


def _phase(variants: tuple[str, ...], count: int, rate: float, block: int, offset: int, scratch: str,
           processes: int) -> dict[str, list[float]]:
    started: dict[str, tuple[multiprocessing.process.BaseProcess, int]] = {}
    try:
        for variant in variants:
            started[variant] = _start(variant, scratch, processes)
        ports = {variant: port for variant, (_, port) in started.items()}
        return asyncio.run(_alternate(ports, count, rate, block, offset))
    finally:
        for process, _ in started.values():
            _stop(process)


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _row(name: str, values: list[float]) -> str:
    return (f"{name:<52} {statistics.median(values) * 1000:>9.1f} {_p(values, 0.99) * 1000:>8.1f} "
            f"{max(values) * 1000:>8.1f}")


def main(argv: list[str] | None = None) -> None:
    full = "--full" in (argv if argv is not None else sys.argv[1:])
    count, rate, block = (3000, 100.0, 100) if full else (600, 50.0, 50)
    processes = int(os.environ.get("WECOM_ACK_PROCESSES", str(default_processes())))
    here = (f"{processes} `sellerguard worker` process(es) at idle priority" if processes
            else "worker threads in the web process (`sellerguard serve` alone)")
    print(f"{count} signed AI bot callbacks per app at {rate:g}/s over at most {CONCURRENCY} connections, "
          f"in blocks of {block} taking turns; each app in its own process")
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as scratch:
        alone = _phase(("bare", "web"), count, rate, block, 0, scratch, processes)
        beside = _phase(("bare", "box"), count, rate, block, 1_000_000, scratch, processes)
    print(f"{'endpoint':<52} {'median ms':>9} {'p99 ms':>8} {'max ms':>8}")
    print(_row("bare (decrypt + encrypt only)", alone["bare"]))
    print(_row("SellerGuard, answers worked out elsewhere", alone["web"]))
    print(_row("bare, in the second phase", beside["bare"]))
    print(_row("SellerGuard, answers on this machine", beside["box"]))
    web = _p(alone["web"], 0.99) / _p(alone["bare"], 0.99)
    box = _p(beside["box"], 0.99) / _p(beside["bare"], 0.99)
    print(f"p99 ratio, answers worked out elsewhere (web process alone): {web:.2f} "
          "(aim: at most 1.25; always far inside 1000 ms)")
    print(f"p99 ratio, answers worked out on this machine by {here}: {box:.2f}")


if __name__ == "__main__":
    main()
