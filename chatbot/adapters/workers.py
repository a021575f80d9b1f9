"""Slow handling in worker processes: a /checksite lookup parses pages and draws its report in
pure Python, and doing that on threads of the web process would take the interpreter lock from
the threads that must acknowledge Slack within 3 seconds. Workers have their own `SellerGuard`
on the same database; replies come back pickled (report files stay on disk, shared by path)."""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from chatbot.app import SellerGuard
from chatbot.config import Settings
from chatbot.conversation import Incoming, Reply

log = logging.getLogger(__name__)

_guard: SellerGuard | None = None  # one per worker process


NICENESS = 10  # lookups are batch work: the scheduler should prefer the process that acks


def _start(settings: Settings) -> None:
    global _guard
    logging.basicConfig(level=logging.WARNING)
    with contextlib.suppress(OSError, AttributeError):  # not on every platform
        os.nice(NICENESS)
    _guard = SellerGuard(settings)


def _handle(msg: Incoming, hint: str | None) -> list[Reply]:
    assert _guard is not None, "the worker starts with _start"
    return _guard.handle(msg, lang_hint=hint)


def _ready(_: object = None) -> bool:
    return _guard is not None


class WorkerPool:
    def __init__(self, settings: Settings, processes: int) -> None:
        self.settings = settings
        self.processes = processes
        self._lock = threading.Lock()
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        # spawn, not fork: the web process has threads and open database connections
        return ProcessPoolExecutor(max_workers=self.processes,
                                   mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_start, initargs=(self.settings,))

    def warm(self) -> None:
        """Start the workers now rather than on the first lookup."""
        list(self._pool.map(_ready, range(self.processes)))

    def handle(self, msg: Incoming, hint: str | None, fallback: SellerGuard) -> list[Reply]:
        """The replies from a worker; if the pool broke (a worker was killed), start a new one
        and answer this message in-process, so the user still gets an answer."""
        try:
            return self._pool.submit(_handle, msg, hint).result()
        except BrokenProcessPool:
            log.error("a worker process died; starting new ones")
            with self._lock:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = self._new_pool()
            return fallback.handle(msg, lang_hint=hint)

    def close(self, *, wait: bool = True) -> None:
        """Stop the workers; without `wait`, lookups still running are abandoned (killed)."""
        processes = list(getattr(self._pool, "_processes", {}).values())
        self._pool.shutdown(wait=wait, cancel_futures=True)
        if not wait:
            for process in processes:
                process.kill()
