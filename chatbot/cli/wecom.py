"""`sellerguard wecom`: the WeCom AI bot's long connection (one process per bot).

WeCom allows one connection per bot: a second `sellerguard wecom` with the same WECOM_AIBOT_ID
takes over and the first one stops (exit status 3) rather than fighting back. Lost connections
are retried with a backoff of 1 s up to 30 s, for ever.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import threading
from typing import TYPE_CHECKING

from chatbot.cli.common import fail, open_app, settings

if TYPE_CHECKING:
    from chatbot.app import SellerGuard

EXIT_TAKEN_OVER = 3


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("wecom", help="run the WeCom AI bot over its long connection")
    parser.add_argument("--threads", type=int, default=4,
                        help="threads that answer messages after the first frame (default: 4)")
    parser.set_defaults(run=run)


async def serve(guard: SellerGuard, threads: int) -> str:
    """Run the connection and this process's job threads until it ends; why it ended."""
    from chatbot.wecom.work import JobLoop
    from chatbot.wecom.ws_bot import JOB_KIND, WsBot

    loop = asyncio.get_running_loop()
    bot = WsBot(guard, loop)
    jobs = JobLoop(guard, (JOB_KIND,), threads=threads, runners={JOB_KIND: bot.run_job})
    bot.wake = jobs.wake
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: asyncio.ensure_future(bot.connection.stop()))
    try:
        return await bot.connection.run()
    finally:
        await asyncio.to_thread(jobs.close)


def idle_until_stopped() -> None:
    """Block until SIGTERM or SIGINT."""
    stopped = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda _signum, _frame: stopped.set())
    while not stopped.wait(3600):
        pass


def run(args: argparse.Namespace) -> int:
    config = settings()
    if not config.wecom_aibot_id or not config.wecom_aibot_secret:
        # A Procfile runner starts every line and stops them all when one exits: without a bot
        # configured this process says so once and idles until it is stopped, never crash-loops.
        print("sellerguard: WeCom AI bot not configured (set WECOM_AIBOT_ID and WECOM_AIBOT_SECRET: "
              "WeCom admin console → 智能机器人 → API mode → long connection); idle until stopped.",
              file=sys.stderr)
        idle_until_stopped()
        return 0
    if not 1 <= args.threads <= 64:
        fail("--threads must be between 1 and 64.")
    guard = open_app(config)
    print(f"sellerguard: WeCom AI bot {config.wecom_aibot_id} connecting to {config.wecom_ws_url}",
          file=sys.stderr)
    try:
        reason = asyncio.run(serve(guard, args.threads))
    finally:
        guard.close()
    if reason == "taken over":
        print("sellerguard: another connection subscribed for this bot; stopping.", file=sys.stderr)
        return EXIT_TAKEN_OVER
    return 0
