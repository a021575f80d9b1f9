"""The `sellerguard` command."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys

from chatbot import __version__
from chatbot.cli import (
    blocklist,
    chat,
    checksite,
    clock,
    compare,
    db,
    evidence,
    jobs,
    letter,
    reminders,
    serve,
    wecom,
    worker,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sellerguard",
        description="SellerGuard: answer fake IP infringement complaints with evidence.",
    )
    parser.add_argument("--version", action="version", version=f"sellerguard {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in (chat, checksite, compare, blocklist, letter, reminders, evidence, db, serve, worker, clock,
                   jobs, wecom):
        module.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=os.environ.get("SELLERGUARD_LOG_LEVEL", "WARNING").upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(encoding="utf-8", errors="replace")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    try:
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `sellerguard jobs list | head`: the reader has all it wanted
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
