"""`sellerguard serve`: the web process on $PORT.

HTTP mode (default): Slack posts to /slack/events, signed with SLACK_SIGNING_SECRET.
WeCom / WeChat callbacks (/wecom/aibot, /wecom/callback, /wechat/callback) are served when their
settings are present, and their jobs run on threads of this process (chatbot/wecom/work.py).
Socket Mode (when SLACK_APP_TOKEN is set): the bot dials out to Slack, no public URL needed; the
web server still runs for /healthz and the blocklist feed.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from chatbot.cli.common import fail, open_app, settings
from chatbot.config import Settings

log = logging.getLogger(__name__)


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("serve", help="run the web process (Slack, health check, blocklist feed)")
    parser.add_argument("--port", type=int, default=None, help="port to listen on (default: $PORT or 8000)")
    parser.add_argument("--host", default="0.0.0.0", help="address to listen on (default: all)")
    parser.add_argument("--workers", type=int, default=16,
                        help="threads that answer Slack after the ack, in each process (default: 16)")
    parser.add_argument("--processes", type=int, default=None,
                        help="worker processes that answer Slack after the ack, at idle priority, so "
                             "lookups never compete with acks for the interpreter (default: one per "
                             "core beyond the first, at least 1; 0 answers on threads of this process)")
    parser.set_defaults(run=run)


def mode(config: Settings) -> str:
    """"socket", "http", or "none" (no Slack credentials: health check and feed only)."""
    if config.slack_app_token:
        return "socket"
    if config.slack_bot_token:
        return "http"
    return "none"


def check(config: Settings) -> None:
    chosen = mode(config)
    if chosen == "socket" and not config.slack_bot_token:
        fail("Socket Mode needs SLACK_BOT_TOKEN (xoxb-…) as well as SLACK_APP_TOKEN.")
    if chosen == "http" and not config.slack_signing_secret:
        fail("HTTP mode needs SLACK_SIGNING_SECRET (Basic Information → App Credentials).")


def _wecom_jobs(guard: Any, processes: int) -> Any:
    """What answers WeCom / WeChat callbacks, when any is configured: a job process at idle
    priority (threads of this process with --processes 0)."""
    s = guard.settings
    if not ((s.wecom_aibot_token and s.wecom_aibot_aes_key) or (s.wecom_token and s.wecom_aes_key)
            or (s.wechat_token and s.wechat_aes_key) or s.wecom_robot_webhook):
        return None
    from chatbot.wecom.work import WEBHOOK_KINDS, JobLoop, JobProcess, housekeeping

    if processes > 0:
        return JobProcess(s, WEBHOOK_KINDS)
    return JobLoop(guard, WEBHOOK_KINDS, on_poll=housekeeping(guard))


def _wecom_routes(guard: Any, jobs: Any) -> list[Any]:
    if jobs is None:
        return []
    from chatbot.wecom.routes import routes

    return routes(guard, wake=jobs.wake)


def run(args: argparse.Namespace) -> int:
    import uvicorn
    from slack_sdk.errors import SlackApiError

    from chatbot.adapters.slack import SlackAdapter
    from chatbot.adapters.workers import default_processes
    from chatbot.web import create_app, settle

    config = settings()
    check(config)
    if args.workers < 1 or args.workers > 512:
        fail("--workers must be between 1 and 512.")
    if args.processes is None:
        args.processes = default_processes()
    if args.processes < 0 or args.processes > 64:
        fail("--processes must be between 0 and 64.")
    port = args.port or config.port
    guard = open_app(config)
    chosen = mode(config)
    adapter = None
    if chosen != "none":
        try:
            adapter = SlackAdapter(guard, workers=args.workers, processes=args.processes)
            if adapter.workers is not None:
                adapter.workers.warm()
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
    wecom_jobs = _wecom_jobs(guard, args.processes)
    extra = _wecom_routes(guard, wecom_jobs)
    for route in extra:
        print(f"sellerguard: WeCom/WeChat callbacks at {getattr(route, 'path', route)}", file=sys.stderr)
    app = create_app(guard.ctx, adapter.bolt if chosen == "http" and adapter is not None else None, extra)
    settle()
    uvicorn.run(app, host=args.host, port=port, log_level="warning", access_log=False)
    if wecom_jobs is not None:
        wecom_jobs.close()
    if adapter is not None:
        adapter.close()
    guard.close()
    return 0
