"""Runs queued jobs: `sellerguard worker`, or threads inside `serve` and `chat` (the embedded default).

Each thread claims one job at a time from the durable queue (chatbot/jobs.py) and runs it with the
runner its kind registered (chatbot/jobkinds.py); while it runs, the worker's heartbeat thread
renews the job's lease, so only a worker that died (SIGKILL, lost host) lets the job be claimed again. On
PostgreSQL any number of workers share the queue (SKIP LOCKED); on SQLite run one. When the
database goes away the threads log it, wait (1 s, doubling to 30 s) and carry on: a database
restart never turns into a crash loop.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable, Collection, Mapping

from chatbot.app import SellerGuard
from chatbot.jobs import Claimed, JobQueue, Runner

log = logging.getLogger(__name__)

POLL_SECONDS = 2.0  # a worker looks for jobs nobody woke it for (retries, other processes' jobs)
DB_RETRY_SECONDS = (1.0, 30.0)  # first and longest pause after a database error
NICENESS = 10  # where SCHED_IDLE is not available


def lower_priority() -> None:
    """Make this process batch work: on Linux it gets the CPU only when nothing else wants it
    (SCHED_IDLE), so a worker on the web process's box never slows acknowledgements (see
    bench/slack_ack.py); elsewhere, nice 10."""
    with contextlib.suppress(OSError, AttributeError):  # not on every platform
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
        return
    with contextlib.suppress(OSError, AttributeError):
        os.nice(NICENESS)


class Worker:
    """`threads` threads running jobs from `queue` with `runners` (kind -> runner)."""

    def __init__(self, queue: JobQueue, runners: Mapping[str, Runner], *, threads: int = 1,
                 poll_seconds: float = POLL_SECONDS,
                 on_idle: Callable[[], None] | None = None,
                 kinds: Collection[str] | None = None) -> None:
        self.queue = queue
        self.kinds = kinds  # only these kinds (None: all)
        self.runners = runners
        self.threads = max(1, threads)
        self.poll_seconds = poll_seconds
        self.on_idle = on_idle
        self.stopping = threading.Event()
        self._wake = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._running: dict[int, Claimed] = {}
        self._beating = False

    def run_one(self) -> bool:
        """Claim and run one job, its lease renewed meanwhile by the heartbeat; False when none
        was runnable. Database errors propagate."""
        job = self.queue.claim(self.kinds)
        if job is None:
            return False
        error, retry = self._attempt(job)
        self.queue.finish(job, error, retry=retry)
        return True

    def _attempt(self, job: Claimed) -> tuple[str, bool]:
        self._ensure_heartbeat()
        with self._lock:
            self._running[job.id] = job
        try:
            return self.queue.attempt(job, self.runners)
        finally:
            with self._lock:
                self._running.pop(job.id, None)

    def _ensure_heartbeat(self) -> None:
        with self._lock:
            if self._beating:
                return
            self._beating = True
        threading.Thread(target=self._heartbeat, name="job-leases", daemon=True).start()

    def _heartbeat(self) -> None:
        """One thread per worker: every third of the lease, renew the leases of the jobs running."""
        every = max(0.05, self.queue.lease.total_seconds() / 3)
        while not self.stopping.wait(every):
            with self._lock:
                running = list(self._running.values())
            for job in running:
                try:
                    self.queue.renew(job)
                except Exception as exc:  # the next beat tries again; the lease still has time
                    log.warning("could not renew the lease of job %s: %s", job.id, exc)

    def drain(self) -> int:
        """Run jobs until none is runnable now (or `stop`); the number run. Each job's outcome
        and the claim of the next one share a transaction. Database errors propagate."""
        count = 0
        job = None if self.stopping.is_set() else self.queue.claim(self.kinds)
        while job is not None:
            error, retry = self._attempt(job)
            count += 1
            if self.stopping.is_set():
                self.queue.finish(job, error, retry=retry)
                break
            job = self.queue.finish_and_claim(job, error, retry=retry, kinds=self.kinds)
        return count

    def serve(self) -> None:
        """Run jobs until `stop()`: drain, then wait for `wake()` or the next poll."""
        pause = DB_RETRY_SECONDS[0]
        while not self.stopping.is_set():
            try:
                self.drain()
                if self.on_idle is not None:
                    self.on_idle()
                pause = DB_RETRY_SECONDS[0]
            except Exception as exc:
                log.error("the job queue is unreachable (%s: %s); trying again in %.0f s",
                          type(exc).__name__, str(exc).splitlines()[0] if str(exc) else "", pause)
                self.stopping.wait(pause)
                pause = min(DB_RETRY_SECONDS[1], pause * 2)
                continue
            self._wake.wait(self.poll_seconds)
            self._wake.clear()

    def wake(self) -> None:
        """Tell the threads there is a job now (without waiting for the next poll)."""
        self._wake.set()

    def start(self) -> Worker:
        """Run `serve` on background threads (the embedded worker of `serve` and `chat`)."""
        for number in range(self.threads):
            thread = threading.Thread(target=self.serve, name=f"job-worker-{number}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self, *, wait: bool = True) -> None:
        """Stop taking jobs; with `wait`, let the running ones finish."""
        self.stopping.set()
        self._wake.set()
        if wait:
            for thread in self._threads:
                thread.join()


def queue_for(guard: SellerGuard) -> JobQueue:
    """The job queue on `guard`'s database, with its settings' lease, attempts and retry pause."""
    settings = guard.settings
    return JobQueue(guard.db, clock=guard.ctx.clock, lease_seconds=settings.job_lease_seconds,
                    max_attempts=settings.job_max_attempts, backoff_seconds=settings.job_retry_seconds)


def for_app(guard: SellerGuard, *, threads: int = 1, poll_seconds: float = POLL_SECONDS,
            kinds: Collection[str] | None = None) -> Worker:
    """A worker on `guard`'s database running every registered job kind (or only `kinds`)."""
    from chatbot.jobkinds import Runners, dedicated
    from chatbot.jobs import AllBut

    runners = Runners(guard)
    if kinds is None and (reserved := dedicated(guard.settings)):
        kinds = AllBut(reserved)
    return Worker(queue_for(guard), runners, threads=threads, poll_seconds=poll_seconds, kinds=kinds)
