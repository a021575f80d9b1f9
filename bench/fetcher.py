"""Throughput through SafeFetcher against a plain httpx client, on one local keep-alive server.

Prints requests per second for each client and their ratio: the cost of the checks (URL parsing,
address lookup and check per fetch, pinned connections, bounded decoding, limits).
"""

from __future__ import annotations

import asyncio
import gzip
import multiprocessing
import statistics
import time
from collections.abc import Awaitable, Callable
from multiprocessing.connection import Connection

import httpx

from chatbot.config import Settings
from chatbot.net import SafeFetcher

REQUESTS = 500
ROUNDS = 5
CONCURRENCY = 4
PAGE = (b"<!doctype html><html><head><meta charset='utf-8'><title>Shop</title></head><body>"
        + b"<p>Hand-made tea cups, glazed by hand.</p>" * 500 + b"</body></html>")  # about 21 KB
PAGE_GZIP = gzip.compress(PAGE)


async def _serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            wants_gzip = b"gzip" in head.lower()
            body = PAGE_GZIP if wants_gzip and b"/gzip" in head.split(b"\r\n", 1)[0] else PAGE
            extra = b"Content-Encoding: gzip\r\n" if body is PAGE_GZIP else b""
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n" + extra
                         + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


def _server_process(port_out: Connection) -> None:
    async def run() -> None:
        server = await asyncio.start_server(_serve, "127.0.0.1", 0)
        port_out.send(server.sockets[0].getsockname()[1])
        await server.serve_forever()

    asyncio.run(run())


def _start_server() -> tuple[int, Callable[[], None]]:
    """The server runs in its own process, so it does not share the interpreter with the clients."""
    receive, send = multiprocessing.Pipe(duplex=False)
    process = multiprocessing.get_context("spawn").Process(target=_server_process, args=(send,), daemon=True)
    process.start()
    port = receive.recv()

    def stop() -> None:
        process.terminate()
        process.join(5)

    return int(port), stop


async def _rate(get: Callable[[str], Awaitable[int]], url: str) -> float:
    queue = iter(range(REQUESTS))

    async def worker() -> None:
        for _ in queue:
            assert await get(url) == 200

    for _ in range(20):  # warm up connections
        await get(url)
    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return REQUESTS / (time.perf_counter() - started)


async def _compare(port: int, host: str, path: str, cache: float) -> tuple[float, float]:
    url = f"http://{host}:{port}{path}"
    settings = Settings(allow_private_networks=True, allowed_ports=frozenset({80, 443, port}),
                        per_host_concurrency=CONCURRENCY)
    fetcher = SafeFetcher(settings, max_concurrency=CONCURRENCY, dns_cache_seconds=cache)
    plain = httpx.AsyncClient(trust_env=False, limits=httpx.Limits(max_connections=CONCURRENCY))

    async def safe_get(target: str) -> int:
        result = await fetcher.fetch(target)
        return result.status

    async def plain_get(target: str) -> int:
        response = await plain.get(target)
        await response.aread()
        return response.status_code

    try:
        plain_rate = await _rate(plain_get, url)
        safe_rate = await _rate(safe_get, url)
    finally:
        await fetcher.aclose()
        await plain.aclose()
    return safe_rate, plain_rate


def main() -> None:
    port, stop = _start_server()
    try:
        print(f"{REQUESTS} GETs of a {len(PAGE) // 1024} KB page, {CONCURRENCY} at a time, "
              f"local keep-alive server in another process; median of {ROUNDS} rounds")
        print(f"{'case':<34}{'SafeFetcher req/s':>18}{'plain httpx req/s':>19}{'ratio':>8}")
        for label, host, path, cache in (("IP literal, identity", "127.0.0.1", "/", 30),
                                         ("IP literal, gzip", "127.0.0.1", "/gzip", 30),
                                         ("name, answers cached 30 s", "localhost", "/", 30),
                                         ("name, lookup on every fetch", "localhost", "/", 0)):
            # Rounds alternate the two clients; medians damp the noise of a shared machine.
            runs = [asyncio.run(_compare(port, host, path, cache)) for _ in range(ROUNDS)]
            safe_rate = statistics.median(r[0] for r in runs)
            plain_rate = statistics.median(r[1] for r in runs)
            ratio = statistics.median(r[0] / r[1] for r in runs)
            print(f"{label:<34}{safe_rate:>18.0f}{plain_rate:>19.0f}{ratio:>8.2f}")
    finally:
        stop()
