"""`sellerguard clock`: the scheduler process (exactly one per deployment; a second one waits)."""

from __future__ import annotations

import argparse
import signal
import sys
from datetime import UTC, datetime

from chatbot.cli.common import fail, open_app, settings, wait_for_database


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from chatbot.schedule.clock import NAMES

    parser = commands.add_parser("clock", help="run the scheduler: it enqueues reminders, re-checks, "
                                               "expiry, the digest and retention for the workers")
    parser.add_argument("--once", metavar="JOB", choices=NAMES, default=None,
                        help=f"enqueue one run of JOB now and exit ({', '.join(NAMES)})")
    parser.add_argument("--now", metavar="ISO-8601", default=None,
                        help="with --once: as if at this time, e.g. 2026-12-01T09:00:00+08:00")
    parser.add_argument("--list", action="store_true", help="show the schedule and the next runs")
    parser.set_defaults(run=run)


def _moment(raw: str | None) -> datetime:
    if raw is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        fail(f"--now {raw!r} is not an ISO-8601 time like 2026-12-01T09:00:00+08:00.")
    if moment.tzinfo is None:
        fail(f"--now {raw!r} needs a UTC offset (…+08:00 or …Z).")
    return moment.astimezone(UTC)


def run(args: argparse.Namespace) -> int:
    from chatbot.schedule.clock import SCHEDULE, Clock, enqueue_run, next_runs, run_key

    config = settings()
    if args.now and not args.once:
        fail("--now goes with --once JOB.")
    if args.list:
        upcoming = dict(next_runs(config, datetime.now(UTC)))
        for entry in SCHEDULE:
            when = upcoming.get(entry.name)
            off = f"off (set {entry.needs})"
            shown = when.isoformat() if when else ("-" if entry.wanted(config) else off)
            print(f"{entry.name:<10} next {shown:<26} {entry.description}")
        return 0
    if not args.once:
        wait_for_database(config)
    guard = open_app(config)
    if args.once:
        entry = next(e for e in SCHEDULE if e.name == args.once)
        if not entry.wanted(config):
            fail(f"the {entry.name} job is off: set {entry.needs} to turn it on (see `clock --list`).")
        moment = _moment(args.now)
        job = enqueue_run(guard, args.once, moment)
        key = run_key(args.once, moment, config)
        print(f"enqueued {key} as job {job}" if job is not None else f"{key} was already enqueued")
        guard.close()
        return 0
    clock = Clock(guard)
    signal.signal(signal.SIGTERM, lambda *_: clock.stop())
    signal.signal(signal.SIGINT, lambda *_: clock.stop())
    print(f"sellerguard clock: scheduling in {config.timezone} on {guard.db.describe()} "
          f"(lease {config.clock_lease_seconds:g} s)", file=sys.stderr)
    clock.run()
    guard.close()
    return 0
