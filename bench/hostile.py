"""Hostile input beside benign input of the same size, in the same run: time and peak memory of
our own path for each family, at 1x, 4x and 16x sizes.

Families: one long word in a chat message (the typo matcher), repeated Shopify asset URLs and many
date tags in a copycat page (page extraction), and big request bodies (the web app's body cap,
chunked with no Content-Length). Goal: hostile ≤ 3x benign at every size, and linear growth
(16x the input costs at most about 16x the time; capped paths stay flat).

Run: `.venv/bin/python -m bench hostile` (about 20 s); add `--full` (or set `HOSTILE_FULL=1`) for
the issue's own sizes (a 3,000-letter word and a 192 KB asset-URL page at 1x; about a minute).
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import string
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import date
from typing import Any

from chatbot import intents
from chatbot.body_limit import MAX_BODY_BYTES, BodyLimit
from chatbot.evidence import page

FULL = os.environ.get("HOSTILE_FULL", "") not in ("", "0") or "--full" in sys.argv
SCALES = (1, 4, 16)
RUNS = 3 if FULL else 2
TODAY = date(2026, 1, 1)
WORDS = ("i", "got", "an", "infringement", "notice", "from", "amazon", "about", "my", "listing",
         "rights", "owner", "says", "lamp", "copies", "their", "design", "please", "help", "counter")


def chat_long_word(size: int) -> str:
    return "".join(random.Random(size).choice(string.ascii_lowercase) for _ in range(size))


def chat_benign(size: int) -> str:
    words = random.Random(size)
    text = ""
    while len(text) < size:
        text += words.choice(WORDS) + " "
    return text[:size]


def classify(text: str) -> Any:
    intents.canonical.cache_clear()  # every message is new to the typo cache
    return intents.classify(text)


def asset_urls(size: int) -> bytes:
    repeats = max(1, (size - 40) // 6)
    return b"<html><body><img src='cdn.shopify.com/" + b"x.jpg?" * repeats + b"'></body></html>"


def product_page(size: int) -> bytes:
    """An ordinary storefront page: a gallery of Shopify images and product text."""
    rows, n = [], 0
    while sum(len(r) for r in rows) < size:
        rows.append(f"<div class='media'><img alt='lamp view {n}' src='https://cdn.shopify.com/s/files/1/0/"
                    f"{n}/lamp_{n}.jpg?v={1_650_000_000 + n}&width=800'><p>Solid brass desk lamp, "
                    f"warm light, dimmable.</p></div>")
        n += 1
    return f"<html><head><title>Lamp</title></head><body>{''.join(rows)}</body></html>".encode()


def date_tags(size: int) -> bytes:
    rows, n = [], 0
    while sum(len(r) for r in rows) < size:
        rows.append(f"<time datetime='20{10 + n % 15}-0{1 + n % 9}-1{n % 9}'>20{10 + n % 15}-0{1 + n % 9}-"
                    f"1{n % 9}</time><meta name='date' content='2019-01-0{1 + n % 9}'> ")
        n += 1
    return f"<html><body>{''.join(rows)}</body></html>".encode()


def plain_text_page(size: int) -> bytes:
    line = "<p>Solid brass desk lamp with warm light and a dimmer. Ships in two days. </p>"
    body = line * (size // len(line) + 1)
    return f"<html><body>{body[:size]}</body></html>".encode()


def extract(body: bytes) -> Any:
    return page.extract(body, {}, "https://copycat.example/products/lamp", TODAY)


def post(body_size: int, *, chunked: bool) -> int:
    """One POST into the body-capped app; returns the bytes the app pulled from the client."""
    chunk = b"x" * 65_536
    pulled = 0

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        piece = chunk[:max(0, min(len(chunk), body_size - pulled))]
        pulled += len(piece)
        return {"type": "http.request", "body": piece, "more_body": pulled < body_size}

    async def send(message: Any) -> None:
        pass

    headers = [] if chunked else [(b"content-length", str(body_size).encode())]
    asyncio.run(BodyLimit(app)({"type": "http", "headers": headers}, receive, send))
    return pulled


def measure(work: Callable[[Any], Any], given: Any) -> tuple[float, float]:
    """(median CPU seconds of this process, peak MB of Python allocations) of `work(given)`; CPU
    time, not wall time, so other programs on a busy machine do not move the figures."""
    times = []
    for _ in range(RUNS):
        started = time.process_time()
        work(given)
        times.append(time.process_time() - started)
    tracemalloc.start()
    work(given)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return statistics.median(times), peak / 1e6


Maker = Callable[[int], Any]
# (family, 1x size, hostile input, benign input of the same size, our path)
FAMILIES: list[tuple[str, int, Maker, Maker, Callable[[Any], Any]]] = [
    ("long word in a message", 3_000 if FULL else 1_000, chat_long_word, chat_benign, classify),
    ("repeated asset URLs", 192_000 if FULL else 48_000, asset_urls, product_page, extract),
    ("many date tags", 192_000 if FULL else 48_000, date_tags, plain_text_page, extract),
    ("big body, chunked", 2 * MAX_BODY_BYTES, lambda n: (n, True),
     lambda n: (MAX_BODY_BYTES // 2, False), lambda given: post(given[0], chunked=given[1])),
]


def main() -> None:
    classify("warm up the vocabulary")
    extract(b"<html><body>warm up lxml and htmldate</body></html>")
    print(f"{'family':26}{'size':>10}{'hostile ms':>12}{'benign ms':>11}{'ratio':>7}"
          f"{'hostile MB':>12}{'benign MB':>11}{'growth':>8}")
    for name, base, hostile, benign, work in FAMILIES:
        first = None
        for scale in SCALES:
            size = base * scale
            h_time, h_mem = measure(work, hostile(size))
            b_time, b_mem = measure(work, benign(size))
            first = first or h_time
            label = f"{size // 1000:,} K" if size >= 1000 else str(size)
            print(f"{name if scale == 1 else '':26}{label:>10}{h_time * 1000:>12.1f}{b_time * 1000:>11.1f}"
                  f"{h_time / b_time:>7.2f}{h_mem:>12.1f}{b_mem:>11.1f}{h_time / first:>7.1f}x")
    print("ms = median CPU time; ratio = hostile / benign at the same size (benign big body: a 0.5 MB "
          "body read whole); growth = hostile time / its 1x time (linear: about the scale or less)")
    print(f"big body: bytes pulled from a 16x chunked body = {post(32 * MAX_BODY_BYTES, chunked=True):,} "
          f"(cap {MAX_BODY_BYTES:,})")


if __name__ == "__main__":
    main()
