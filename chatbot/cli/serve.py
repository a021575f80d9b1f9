"""`sellerguard serve`: the web process (Slack HTTP mode, WeCom callback, blocklist feed)."""

from __future__ import annotations

import argparse
import sys


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("serve", help="run the web process on $PORT")
    parser.add_argument("--port", type=int, default=None)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    print("sellerguard serve: the web process is not implemented yet.", file=sys.stderr)
    return 1
