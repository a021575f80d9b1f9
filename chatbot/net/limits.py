"""Concurrency limits shared by every event loop in the process.

A handler may run each lookup on its own event loop (one `asyncio.run` per message, several
threads at once), so `asyncio.Semaphore` — bound to one loop — would limit each lookup alone.
These limits are plain counters under a thread lock; a waiter polls with a short back-off, which
costs nothing when a slot is free and makes cancellation trivially safe (nothing is held until
the counter was actually taken).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

_FIRST_WAIT = 0.002
_LONGEST_WAIT = 0.05


class SharedLimit:
    """At most `size` holders at once, across threads and event loops."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError("a limit must allow at least one holder")
        self.size = size
        self._held = 0
        self._lock = threading.Lock()

    @property
    def held(self) -> int:
        return self._held

    def _take(self) -> bool:
        with self._lock:
            if self._held >= self.size:
                return False
            self._held += 1
            return True

    def _give_back(self) -> None:
        with self._lock:
            self._held -= 1

    @asynccontextmanager
    async def hold(self) -> AsyncIterator[None]:
        wait = _FIRST_WAIT
        while not self._take():
            await asyncio.sleep(wait)
            wait = min(wait * 2, _LONGEST_WAIT)
        try:
            yield
        finally:
            self._give_back()


class PerKeyLimit:
    """A `SharedLimit` per key (destination host), forgotten when nobody holds or awaits it."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._limits: dict[str, tuple[SharedLimit, list[int]]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._limits)

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        with self._lock:
            limit, users = self._limits.setdefault(key, (SharedLimit(self.size), [0]))
            users[0] += 1
        try:
            async with limit.hold():
                yield
        finally:
            with self._lock:
                users[0] -= 1
                if users[0] == 0:
                    del self._limits[key]
