"""`sellerguard clock`: APScheduler 3.x decides when; the durable queue does the work.

The schedule is defined here in code (APScheduler 3.x cannot share a job store between
processes, so there is none to share). A tick only *enqueues* a `scheduled.<name>` job, with the
unique key `<name>@<scheduled local time>`, so two clocks, or a clock and an operator's
`--once`, never enqueue the same run twice. Exactly one clock enqueues: it holds the "clock"
lease in the database and renews it every third of its length; a second clock started by
mistake waits, and takes over only when the first stops renewing. A database that goes away
makes the clock lose the lease and log, not crash: it takes the lease again when it can.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from chatbot.app import SellerGuard
from chatbot.config import Settings
from chatbot.jobs import JobQueue
from chatbot.schedule import times
from chatbot.schedule.lease import Lease

log = logging.getLogger(__name__)

LEASE_NAME = "clock"


@dataclass(frozen=True)
class Scheduled:
    """One entry of the schedule: cron fields in the deployment's time zone."""

    name: str
    cron: Callable[[Settings], dict[str, str]]
    description: str
    wanted: Callable[[Settings], bool] = lambda settings: True  # off: never scheduled
    needs: str = ""  # the setting that turns it on, when `wanted` can say no


def _daily(hhmm: Callable[[Settings], str]) -> Callable[[Settings], dict[str, str]]:
    def fields(settings: Settings) -> dict[str, str]:
        at = times.local_time(hhmm(settings))
        return {"hour": str(at.hour), "minute": str(at.minute)}

    return fields


SCHEDULE: tuple[Scheduled, ...] = (
    Scheduled("reminders", lambda s: {"minute": "*/5"}, "case deadlines and nudges, every 5 minutes"),
    Scheduled("recheck", _daily(lambda s: "03:00"), "liveness of listed and disputed sites, daily"),
    Scheduled("expiry", _daily(lambda s: "04:00"), "listings not re-confirmed go back to review, daily"),
    Scheduled("digest", _daily(lambda s: s.digest_at), "the moderators' digest at SELLERGUARD_DIGEST_AT"),
    Scheduled("retention", _daily(lambda s: "05:00"), "prune old jobs, deliveries, dialogs, page words"),
    Scheduled("notices", lambda s: {"minute": "*"},
              "new reports and appeals to the WeCom moderators' group, every minute",
              wanted=lambda s: bool(s.wecom_robot_webhook), needs="WECOM_ROBOT_WEBHOOK"),
)
NAMES = tuple(entry.name for entry in SCHEDULE)


def run_key(name: str, at: datetime, settings: Settings) -> str:
    """`name@<local time, to the minute, with offset>`: the same for every clock at that run."""
    local = at.astimezone(times.zone(settings)).replace(second=0, microsecond=0)
    return f"{name}@{local.isoformat()}"


def enqueue_run(guard: SellerGuard, name: str, at: datetime) -> int | None:
    """Enqueue the scheduled job `name` as if run at `at` (aware); None if that run was already
    enqueued. Unknown names raise ValueError."""
    if name not in NAMES:
        raise ValueError(f"unknown scheduled job {name!r}; one of: {', '.join(NAMES)}")
    minute = at.replace(second=0, microsecond=0)
    return JobQueue(guard.db, clock=lambda: at).enqueue(
        f"scheduled.{name}", {"at": minute.isoformat()}, unique_key=run_key(name, at, guard.settings))


class Clock:
    """The scheduler of one `sellerguard clock` process."""

    def __init__(self, guard: SellerGuard, *, lease_seconds: float | None = None,
                 now: Callable[[], datetime] | None = None) -> None:
        self.guard = guard
        self.now = now or guard.ctx.clock
        seconds = lease_seconds or guard.settings.clock_lease_seconds
        holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.lease = Lease(guard.db, LEASE_NAME, holder, seconds=seconds, clock=self.now)
        self.held = False
        self.stopping = threading.Event()
        self._scheduler = None

    def beat(self) -> bool:
        """Take or renew the lease; on taking it, enqueue a reminders run at once (work that came
        due while no clock ran). Never raises."""
        try:
            had, self.held = self.held, self.lease.acquire()
        except Exception as exc:
            if self.held:
                log.error("lost the clock lease: the database is unreachable (%s)", type(exc).__name__)
            self.held = False
            return False
        if self.held and not had:
            log.warning("this clock now enqueues scheduled work (%s)", self.lease.holder)
            self.fire("reminders")
        return self.held

    def fire(self, name: str) -> None:
        """A tick of `name`: enqueue its run if this clock holds the lease. Never raises."""
        if not self.held:
            return
        try:
            enqueue_run(self.guard, name, self.now())
        except Exception:
            log.exception("could not enqueue the %s run", name)

    def run(self) -> None:
        """Block until `stop()`: renew the lease, and fire the schedule through APScheduler."""
        from apscheduler.schedulers.background import BackgroundScheduler
        from apscheduler.triggers.cron import CronTrigger

        zone = times.zone(self.guard.settings)
        scheduler = BackgroundScheduler(timezone=zone)
        for entry in (e for e in SCHEDULE if e.wanted(self.guard.settings)):
            scheduler.add_job(self.fire, CronTrigger(timezone=zone, **entry.cron(self.guard.settings)),
                              args=(entry.name,), id=entry.name, name=entry.description,
                              coalesce=True, misfire_grace_time=3600, max_instances=1)
        scheduler.start()
        self._scheduler = scheduler
        every = self.lease.ttl.total_seconds() / 3
        try:
            while not self.stopping.is_set():
                self.beat()
                self.stopping.wait(every)
        finally:
            scheduler.shutdown(wait=False)
            if self.held:
                try:
                    self.lease.release()
                except Exception:
                    log.warning("could not release the clock lease; it expires by itself")

    def stop(self) -> None:
        self.stopping.set()


def next_runs(settings: Settings, after: datetime) -> list[tuple[str, datetime]]:
    """When each scheduled job runs next after `after` (for `sellerguard clock --list`)."""
    from apscheduler.triggers.cron import CronTrigger

    zone = times.zone(settings)
    runs = []
    for entry in (e for e in SCHEDULE if e.wanted(settings)):
        trigger = CronTrigger(timezone=zone, **entry.cron(settings))
        upcoming = trigger.get_next_fire_time(None, after.astimezone(zone) + timedelta(seconds=1))
        if upcoming is not None:
            runs.append((entry.name, upcoming))
    return runs
