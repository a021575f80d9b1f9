"""`sellerguard serve`: the web process on $PORT.

HTTP mode (default): Slack posts to /slack/events, signed with SLACK_SIGNING_SECRET.
WeCom / WeChat callbacks (/wecom/aibot, /wecom/callback, /wechat/callback) are served when their
settings are present.
Socket Mode (when SLACK_APP_TOKEN is set): the bot dials out to Slack, no public URL needed; the
web server still runs for /healthz and the blocklist feed.

Either way the web process acknowledges, stores each request as a job and leaves the work to a
worker: threads of this process (the embedded default), or `sellerguard worker` processes when
SELLERGUARD_EMBEDDED_WORKER=0 (or --no-worker).
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from chatbot.cli.common import fail, open_app, settings
from chatbot.config import Settings
from chatbot.db.engine import in_memory

log = logging.getLogger(__name__)


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("serve", help="run the web process (Slack, health check, blocklist feed)")
    parser.add_argument("--port", type=int, default=None, help="port to listen on (default: $PORT or 8000)")
    parser.add_argument("--host", default="0.0.0.0", help="address to listen on (default: all)")
    parser.add_argument("--workers", type=int, default=16,
                        help="threads that answer Slack after the ack, in each process (default: 16)")
    parser.add_argument("--no-worker", action="store_true",
                        help="do not run queued jobs here: `sellerguard worker` processes do "
                             "(the same as SELLERGUARD_EMBEDDED_WORKER=0)")
    parser.set_defaults(run=run)


def mode(config: Settings) -> str:
    """"socket", "http", or "none" (no Slack credentials: health check and feed only)."""
    if config.slack_app_token:
        return "socket"
    if config.slack_bot_token:
        return "http"
    return "none"


def check(config: Settings) -> None:
    if in_memory(config.database_url):
        # Each connection would open a database of its own: the web threads and the worker
        # threads would not see each other's jobs.
        fail("serve needs a database file or PostgreSQL, not an in-memory SQLite database: "
             "set DATABASE_URL=sqlite:///sellerguard.db (the default) or postgresql://….")
    chosen = mode(config)
    if chosen == "socket" and not config.slack_bot_token:
        fail("Socket Mode needs SLACK_BOT_TOKEN (xoxb-…) as well as SLACK_APP_TOKEN.")
    if chosen == "http" and not config.slack_signing_secret:
        fail("HTTP mode needs SLACK_SIGNING_SECRET (Basic Information → App Credentials).")


def _wecom_routes(guard: Any, wake: Any) -> list[Any]:
    """The WeCom / WeChat callback routes whose settings are present; their jobs run where every
    other job runs (this process's worker threads, or `sellerguard worker` processes), and
    `wake` tells the embedded worker a job is waiting."""
    from chatbot.wecom.routes import routes

    return routes(guard, wake=wake or (lambda: None))


def run(args: argparse.Namespace) -> int:
    import uvicorn
    from slack_sdk.errors import SlackApiError

    from chatbot.adapters.slack import SlackAdapter
    from chatbot.web import create_app, settle
    from chatbot.worker import for_app

    config = settings()
    check(config)
    if args.workers < 1 or args.workers > 512:
        fail("--workers must be between 1 and 512.")
    port = args.port or config.port
    guard = open_app(config)
    chosen = mode(config)
    adapter = None
    worker = None
    clock = None
    if config.embedded_worker and not args.no_worker:
        # The embedded default: jobs run here, and the schedule too (if a `sellerguard clock`
        # runs as well, the lease lets only one of them enqueue).
        import threading

        from chatbot.schedule.clock import Clock

        worker = for_app(guard, threads=args.workers).start()
        clock = Clock(guard)
        threading.Thread(target=clock.run, name="clock", daemon=True).start()
    if chosen != "none":
        try:
            adapter = SlackAdapter(guard, workers=args.workers, queued=True,
                                   wake=worker.wake if worker is not None else None)
        except SlackApiError as exc:
            fail(f"Slack refused the bot token ({exc.response.get('error')}); check SLACK_BOT_TOKEN.")
        except Exception as exc:  # Bolt raises BoltError for unusable settings
            fail(f"could not start the Slack app: {exc}")
    if chosen == "socket" and adapter is not None:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        SocketModeHandler(adapter.bolt, config.slack_app_token).connect()
        print(f"sellerguard: Slack Socket Mode connected; health check on port {port}", file=sys.stderr)
    elif chosen == "http":
        print(f"sellerguard: Slack HTTP mode on port {port} (POST /slack/events)", file=sys.stderr)
    else:
        print(f"sellerguard: no Slack credentials set; serving /healthz and the feed on port {port}",
              file=sys.stderr)
    extra = _wecom_routes(guard, worker.wake if worker is not None else None)
    for route in extra:
        print(f"sellerguard: WeCom/WeChat callbacks at {getattr(route, 'path', route)}", file=sys.stderr)
    app = create_app(guard.ctx, adapter.bolt if chosen == "http" and adapter is not None else None, extra)
    settle()
    uvicorn.run(app, host=args.host, port=port, log_level="warning", access_log=False)
    if adapter is not None:
        adapter.close()
    if clock is not None:
        clock.stop()
    if worker is not None:
        worker.stop(wait=True)
    guard.close()
    return 0
