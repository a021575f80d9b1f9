"""`sellerguard worker`: run queued jobs (Slack answers, reminders, re-checks, digests…)."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from chatbot.cli.common import fail, open_app, settings, wait_for_database


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("worker", help="run queued jobs (any number on PostgreSQL, one on SQLite)")
    parser.add_argument("--once", action="store_true", help="run every job that is due now, then exit")
    parser.add_argument("--threads", type=int, default=4,
                        help="jobs run at once in this process (default: 4)")
    parser.add_argument("--idle-priority", action="store_true",
                        help="run at idle CPU priority (beside a web process on the same machine)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from chatbot.worker import for_app, lower_priority

    if not 1 <= args.threads <= 256:
        fail("--threads must be between 1 and 256.")
    config = settings()
    if not args.once:
        wait_for_database(config)
    guard = open_app(config)
    if args.idle_priority:
        lower_priority()
    try:
        worker = for_app(guard, threads=args.threads)
    except ImportError as exc:
        fail(f"SELLERGUARD_JOB_MODULES names a module that cannot be imported: {exc}")
    if args.once:
        count = worker.drain()
        print(f"sellerguard worker: ran {count} job(s)", file=sys.stderr)
        guard.close()
        return 0
    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    print(f"sellerguard worker: running jobs on {guard.db.describe()} with {args.threads} thread(s)",
          file=sys.stderr)
    worker.start()
    stop.wait()
    print("sellerguard worker: stopping after the jobs in hand", file=sys.stderr)
    worker.stop(wait=True)
    guard.close()
    return 0
