"""Name lookups for the fetcher: getaddrinfo off the event loop, and a short answer cache.

The cache holds raw answers only; the fetcher checks every answer on every use, so a cached
answer can never skip the address policy. Holding an answer for a short while also means a
hostile DNS server cannot flip it between two fetches of one lookup.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor

from chatbot.net.addresses import IPAddress

ResolverResult = Iterable[str | IPAddress]
Resolver = Callable[[str], ResolverResult | Awaitable[ResolverResult]]

# Lookups get their own few threads: a burst of names that never answer then queues here
# (each fetch still ends at its deadline) instead of filling the loop's default executor.
_LOOKUP_THREADS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="sellerguard-dns")


async def system_resolver(host: str) -> list[str]:
    """getaddrinfo in a worker thread (it blocks); every A and AAAA answer."""
    loop = asyncio.get_running_loop()
    infos = await loop.run_in_executor(
        _LOOKUP_THREADS, functools.partial(socket.getaddrinfo, host, None, type=socket.SOCK_STREAM))
    return [str(info[4][0]) for info in infos]


async def ask(resolver: Resolver, host: str) -> list[str]:
    """Call any resolver; a blocking one runs in a worker thread so deadlines still apply."""
    if inspect.iscoroutinefunction(resolver) or inspect.iscoroutinefunction(type(resolver).__call__):
        raw = await resolver(host)  # type: ignore[misc]
    else:
        raw = await asyncio.get_running_loop().run_in_executor(_LOOKUP_THREADS, resolver, host)
        if inspect.isawaitable(raw):
            raw = await raw
    return [str(answer) for answer in raw]  # type: ignore[union-attr]


class AnswerCache:
    """Successful answers per host for `seconds` (0 turns caching off), at most `size` hosts."""

    def __init__(self, seconds: float, size: int = 1024) -> None:
        self.seconds = seconds
        self.size = size
        self._answers: dict[str, tuple[float, tuple[str, ...]]] = {}
        self._lock = threading.Lock()

    def get(self, host: str) -> tuple[str, ...] | None:
        with self._lock:
            entry = self._answers.get(host)
            if entry is None:
                return None
            if entry[0] <= time.monotonic():
                del self._answers[host]
                return None
            return entry[1]

    def put(self, host: str, answers: tuple[str, ...]) -> None:
        if self.seconds <= 0 or not answers:
            return
        with self._lock:
            self._answers.pop(host, None)
            while len(self._answers) >= self.size:
                del self._answers[next(iter(self._answers))]  # the oldest entry
            self._answers[host] = (time.monotonic() + self.seconds, answers)
