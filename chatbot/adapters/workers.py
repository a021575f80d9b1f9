"""Everything after the ack, in worker processes (`sellerguard serve --processes N`).

Profiling the web process under a burst of /checksite showed the acknowledging thread holding the
interpreter lock only a quarter of the time: the rest went to lookups on threads of the same
process (timeline pictures with matplotlib, PDF, HTML parsing). So with workers, the web process
only checks the signature, parses, acks, stores the payload as a job row (chatbot/jobs.py) and
wakes a worker; a worker process (at idle priority) claims the row and runs the listener: the
idempotency row, the user's locale, "checking…", the lookup, the answer and the uploads.

Each worker has its own `SellerGuard` and Slack client on the same database and Web API, and runs
jobs on its own threads, so a quick answer never queues behind a slow lookup. The job lives in the
database, not in the pool: a job whose worker died is claimed again when its lease expires, and
jobs left by a restarted web process (or by another web process) are found by each worker's poll.
"""


from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

from chatbot.config import Settings
from chatbot.jobs import JobQueue

if TYPE_CHECKING:
    from chatbot.adapters.slack import SlackAdapter

log = logging.getLogger(__name__)

JOB_KIND = "slack"
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


POLL_SECONDS = 5.0  # a worker looks for jobs nobody woke it for (expired leases, other web processes)
PRUNE_EVERY = 720  # polls between prunes of finished jobs (about an hour)
PARENT_CHECK_SECONDS = 0.5

_adapter: SlackAdapter | None = None  # one per worker process
_threads: ThreadPoolExecutor | None = None
_queue: JobQueue | None = None
_stopping = threading.Event()


def _start(settings: Settings, threads: int) -> None:
    global _adapter, _threads, _queue
    logging.basicConfig(level=logging.WARNING)
    _lower_priority()
    from chatbot.adapters.slack import SlackAdapter
    from chatbot.app import SellerGuard

    _threads = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="slack-job")
    _adapter = SlackAdapter(SellerGuard(settings), workers=threads, token_verification=False)
    _queue = JobQueue(_adapter.guard.db)
    threading.Thread(target=_poll, args=(os.getppid(),), name="job-poll", daemon=True).start()


def _drain() -> None:
    """On a worker thread: run jobs until none is left."""
    assert _adapter is not None and _queue is not None, "the worker starts with _start"
    try:
        runners = {JOB_KIND: _adapter.run_job}
        while not _stopping.is_set() and _queue.run_next(runners, only=runners):
            pass
    except Exception:  # the database went away: the next wake or poll tries again
        log.exception("could not take jobs from the queue")


def _wake(_: object = None) -> None:
    """Runs in a worker: start draining on one of its threads and return at once."""
    assert _threads is not None, "the worker starts with _start"
    _threads.submit(_drain)


def _poll(parent: int) -> None:
    """Wake this worker every POLL_SECONDS and prune now and then. A worker whose web process is
    gone (killed without closing the pool) finishes the jobs it holds and exits: it would
    otherwise go on taking jobs for ever, beside the workers of the next web process."""
    assert _queue is not None and _threads is not None
    polls = 0
    ticks_per_poll = max(1, round(POLL_SECONDS / PARENT_CHECK_SECONDS))
    while True:
        for _ in range(ticks_per_poll):
            time.sleep(PARENT_CHECK_SECONDS)
            if os.getppid() != parent:
                _stopping.set()
                _threads.shutdown(wait=True, cancel_futures=True)
                os._exit(0)
        _wake()
        polls += 1
        if polls % PRUNE_EVERY == 1:
            with contextlib.suppress(Exception):
                _queue.prune()


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

    def wake(self) -> None:
        """Tell a worker there is a job, without waiting. If the pool broke (a worker was killed),
        start new workers; the job is in the database either way."""
        for _ in range(2):
            pool = self._pool
            try:
                future = pool.submit(_wake)
                future.add_done_callback(lambda done, pool=pool: self._check(done, pool))
                return
            except BrokenProcessPool:
                self._restart(pool)
        log.error("no worker process could be woken; the job waits in the database")

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
        processes = list((getattr(self._pool, "_processes", None) or {}).values())  # None once closed
        self._pool.shutdown(wait=wait, cancel_futures=not wait)
        if not wait:
            for process in processes:
                process.kill()
