"""`sellerguard jobs list [--failed] [--json]`: what the queue holds, and why jobs failed."""

from __future__ import annotations

import argparse
import json

from chatbot.cli.common import fail, open_app
from chatbot.jobs import FAILED, JobQueue, JobView


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("jobs", help="look at the job queue")
    sub = parser.add_subparsers(dest="jobs_command", metavar="ACTION", required=True)
    listing = sub.add_parser("list", help="the newest jobs, with their state and last error")
    listing.add_argument("--failed", action="store_true", help="only jobs that failed for good")
    listing.add_argument("--state", choices=["queued", "running", "done", "failed"], default=None)
    listing.add_argument("--limit", type=int, default=50)
    listing.add_argument("--json", action="store_true", help="one JSON object per job")
    listing.set_defaults(run=run_list)


def as_dict(job: JobView) -> dict[str, object]:
    return {"id": job.id, "kind": job.kind, "state": job.state, "attempts": job.attempts,
            "error": job.error, "key": job.unique_key, "created_at": job.created_at.isoformat(),
            "updated_at": job.updated_at.isoformat(),
            "retry_at": job.run_after.isoformat() if job.run_after else None}


def run_list(args: argparse.Namespace) -> int:
    if not 1 <= args.limit <= 10_000:
        fail(f"--limit must be between 1 and 10000 (got {args.limit}).")
    guard = open_app()
    try:
        jobs = JobQueue(guard.db).recent(state=FAILED if args.failed else args.state,
                                         limit=args.limit)
    finally:
        guard.close()
    if args.json:
        for job in jobs:
            print(json.dumps(as_dict(job), ensure_ascii=False))
        return 0
    if not jobs:
        print("no jobs" + (" have failed" if args.failed else ""))
        return 0
    for job in jobs:
        when = job.updated_at.strftime("%Y-%m-%d %H:%M UTC")
        line = f"#{job.id:<6} {job.kind:<22} {job.state:<8} tries {job.attempts}  {when}"
        if job.run_after and job.state == "queued":
            line += f"  retry at {job.run_after.strftime('%H:%M:%S UTC')}"
        print(line)
        if job.error:
            print(f"        {job.error.splitlines()[0][:200]}")
    return 0
