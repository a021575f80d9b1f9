"""The WeCom / WeChat job kinds, registered with the job queue (chatbot/jobs.py), and the small
loop `sellerguard wecom` runs its own kind with.

Any worker runs the webhook kinds (chatbot/jobkinds.py lists this module): the threads of
`sellerguard serve` by default, or `sellerguard worker` processes. The long connection's own
kind is dedicated to `sellerguard wecom`, whose `JobLoop` drains it on a few threads when woken
and polls now and then for jobs left by a process that stopped (their lease expired).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection

from chatbot import jobkinds, jobs
from chatbot.app import SellerGuard
from chatbot.jobs import JobQueue
from chatbot.wecom import aibot, callbacks, robot
from chatbot.wecom.ws_bot import JOB_KIND as WS_JOB_KIND

log = logging.getLogger(__name__)

POLL_SECONDS = 5.0
THREADS = 4

jobkinds.register(aibot.JOB_KIND)(lambda app: aibot.AiBot(app).run_job)
jobkinds.register(callbacks.JOB_APP)(lambda app: callbacks.Classic(app).run_app)
jobkinds.register(callbacks.JOB_KF_SYNC)(lambda app: callbacks.Classic(app).run_kf_sync)
jobkinds.register(callbacks.JOB_KF)(lambda app: callbacks.Classic(app).run_kf)
jobkinds.register(callbacks.JOB_OA)(lambda app: callbacks.Classic(app).run_official_account)
jobkinds.register(robot.JOB_KIND)(lambda app: robot.RobotSender(app).run_job)
jobkinds.register(robot.CHANNEL_KIND)(robot.channel_runner)
jobkinds.register_channel(robot.CHANNEL_KIND, lambda settings: bool(settings.wecom_robot_webhook))
jobkinds.dedicate(WS_JOB_KIND)  # answered on the long connection by `sellerguard wecom` only

WEBHOOK_KINDS = (aibot.JOB_KIND, *callbacks.KINDS, robot.JOB_KIND)


def registered_runners(guard: SellerGuard, kinds: Collection[str]) -> dict[str, jobs.Runner]:
    """The runners of `kinds` (each registered with chatbot.jobkinds), built for `guard`."""
    runners = jobkinds.Runners(guard)
    return {kind: runners[kind] for kind in kinds}


class JobLoop:
    """Runs queued jobs of `kinds` on `threads` threads until `close`."""

    def __init__(self, guard: SellerGuard, kinds: Collection[str], *, threads: int = THREADS,
                 poll_seconds: float = POLL_SECONDS, runners: dict[str, jobs.Runner] | None = None) -> None:
        self.queue = JobQueue(guard.db)
        self.kinds = tuple(kinds)
        self.runners = runners if runners is not None else registered_runners(guard, self.kinds)
        self.poll_seconds = poll_seconds
        self._wakeup = threading.Semaphore(0)
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._loop, name=f"wecom-job-{n}",
                                          daemon=True)
                         for n in range(threads)]
        for thread in self._threads:
            thread.start()

    def wake(self) -> None:
        """A job was queued: let a thread look now."""
        self._wakeup.release()

    def drain(self) -> int:
        """Run jobs on this thread until none is left; how many ran."""
        count = 0
        while not self._stop.is_set() and self.queue.run_next(self.runners, only=self.kinds):
            count += 1
        return count

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wakeup.acquire(timeout=self.poll_seconds)
            try:
                self.drain()
            except Exception:  # the database went away: the next wake or poll tries again
                log.exception("could not take WeCom jobs from the queue")

    def close(self) -> None:
        self._stop.set()
        for _ in self._threads:
            self._wakeup.release()
        for thread in self._threads:
            thread.join(timeout=30)
