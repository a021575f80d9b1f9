"""Everything after the ack, in worker processes (`sellerguard serve --processes N`).

Profiling the web process under a burst of /checksite showed the acknowledging thread holding the
interpreter lock only a quarter of the time: the rest went to lookups on threads of the same
process (timeline pictures with matplotlib, PDF, HTML parsing). So with workers, the web process
only checks the signature, parses, acks and hands the payload over; a worker process (at idle
priority) runs the listener: the idempotency row, the user's locale, "checking…", the lookup,
the answer and the uploads.

Each worker has its own `SellerGuard` and Slack client on the same database and Web API, and runs
jobs on its own threads, so a quick answer never queues behind a slow lookup. A job is handed
over with no reply expected: replies go straight to Slack from the worker. A job a worker had
taken when it died is lost (as it would be with the web process); a pool that broke is restarted.
"""


from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any

from chatbot.config import Settings

if TYPE_CHECKING:
    from chatbot.adapters.slack import SlackAdapter

log = logging.getLogger(__name__)

NICENESS = 10  # where SCHED_IDLE is not available


def default_processes() -> int:
    """One worker per core beyond the first (at least one): the first core is the web process's."""
    return max(1, min(8, (os.cpu_count() or 2) - 1))


def _lower_priority() -> None:
    """Answering is batch work next to acknowledging: on Linux the workers get the CPU only when
    nothing else wants it (SCHED_IDLE); nice 10 measured markedly worse once the box was busy
    (see bench/slack_ack.py). Elsewhere, nice."""
    with contextlib.suppress(OSError, AttributeError):  # not on every platform
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
        return
    with contextlib.suppress(OSError, AttributeError):
        os.nice(NICENESS)


_adapter: SlackAdapter | None = None  # one per worker process
_threads: ThreadPoolExecutor | None = None


def _start(settings: Settings, threads: int) -> None:
    global _adapter, _threads
    logging.basicConfig(level=logging.WARNING)
    _lower_priority()
    from chatbot.adapters.slack import SlackAdapter
    from chatbot.app import SellerGuard

    _threads = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="slack-job")
    _adapter = SlackAdapter(SellerGuard(settings), workers=threads, token_verification=False)


def _accept(listener: str, body: dict[str, Any], context: dict[str, Any]) -> None:
    """Runs in a worker: start the listener on one of its threads and return at once."""
    assert _adapter is not None and _threads is not None, "the worker starts with _start"
    _threads.submit(_adapter.run_listener, listener, body, context)


def _ready(_: object = None) -> bool:
    return _adapter is not None


class WorkerPool:
    def __init__(self, settings: Settings, processes: int, threads: int) -> None:
        self.settings = settings
        self.processes = processes
        self.threads = threads
        self._lock = threading.Lock()
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        # spawn, not fork: the web process has threads and open database connections
        return ProcessPoolExecutor(max_workers=self.processes,
                                   mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_start, initargs=(self.settings, self.threads))

    def warm(self) -> None:
        """Start the workers now rather than on the first request."""
        list(self._pool.map(_ready, range(self.processes)))

    def submit(self, listener: str, body: dict[str, Any], context: dict[str, Any]) -> None:
        """Hand a request to a worker without waiting. If the pool broke (a worker was killed),
        start new workers and hand it to them."""
        for _ in range(2):
            pool = self._pool
            try:
                future = pool.submit(_accept, listener, body, context)
                future.add_done_callback(lambda done, pool=pool: self._check(done, pool))
                return
            except BrokenProcessPool:
                self._restart(pool)
        log.error("no worker process would take a %s request", listener)

    def _check(self, future: Future[None], pool: ProcessPoolExecutor) -> None:
        if not future.cancelled() and isinstance(future.exception(), BrokenProcessPool):
            self._restart(pool)

    def _restart(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if broken is not self._pool:
                return  # another thread already restarted it
            log.error("a worker process died; starting new ones")
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._new_pool()

    def close(self, *, wait: bool = True) -> None:
        """Stop the workers (each finishes the jobs it took); without `wait`, work still running
        is abandoned (killed)."""
        processes = list(getattr(self._pool, "_processes", {}).values())
        self._pool.shutdown(wait=wait, cancel_futures=not wait)
        if not wait:
            for process in processes:
                process.kill()
