"""`sellerguard clock`: the scheduler process (exactly one per deployment)."""

from __future__ import annotations

import argparse
import sys


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("clock", help="run the scheduler (reminders, re-checks)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    print("sellerguard clock: the scheduler is not implemented yet; nothing to run.",
          file=sys.stderr)
    return 1
