"""`sellerguard serve` as an operator runs it, and manifest.yml against what the app handles."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

pytest.register_assert_rewrite("tests.slack_fake")  # it is also loaded as a plugin below

from chatbot import router  # noqa: E402
from chatbot.adapters.slack_views import REPORT_CALLBACK  # noqa: E402
from chatbot.cli.serve import mode  # noqa: E402
from chatbot.config import Settings  # noqa: E402
from tests.conftest import MODERATORS  # noqa: E402
from tests.slack_fake import SECRET, FakeSlack, command_body, sign  # noqa: E402

pytest_plugins = ["tests.slack_fake"]

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def serve(database_url: str, db: Any, tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """Start `sellerguard serve` in a subprocess on a free port; stopped after the test."""
    started: list[subprocess.Popen[bytes]] = []

    def start(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int]:
        port = _free_port()
        full = {k: v for k, v in os.environ.items() if not k.startswith(("SELLERGUARD_", "SLACK_"))}
        full.update({"DATABASE_URL": database_url, "PORT": str(port),
                     "SELLERGUARD_MODERATORS": ",".join(sorted(MODERATORS))}, **env)
        proc = subprocess.Popen([sys.executable, "-m", "chatbot", "serve", "--host", "127.0.0.1"],
                                env=full, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        started.append(proc)
        return proc, port

    yield start
    for proc in started:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_healthy(port: int, proc: subprocess.Popen[bytes]) -> httpx.Response:
    deadline = time.monotonic() + 30
    while True:
        if proc.poll() is not None:
            raise AssertionError(proc.stderr.read().decode() if proc.stderr else "serve exited")
        try:
            return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2, trust_env=False)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_serve_in_http_mode_answers_slack(serve: Callable[..., Any], fake_slack: FakeSlack) -> None:
    proc, port = serve({"SLACK_BOT_TOKEN": "xoxb-serve-test", "SLACK_SIGNING_SECRET": SECRET,
                        "SLACK_API_URL": fake_slack.api_url})
    health = _wait_healthy(port, proc)
    assert health.status_code == 200 and health.json() == {"ok": True}
    body = command_body("/sellerguard", "help", response_url=fake_slack.webhook_url("serve"))
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(SECRET, body)}
    answer = httpx.post(f"http://127.0.0.1:{port}/slack/events", content=body, headers=headers,
                        trust_env=False, timeout=10)
    assert answer.status_code == 200
    hook = fake_slack.wait_for("webhook")[0]
    assert hook.path == "/webhook/serve" and hook.params["blocks"]
    assert fake_slack.of("auth.test")[0].headers["Authorization"] == "Bearer xoxb-serve-test"
    feed = httpx.get(f"http://127.0.0.1:{port}/blocklist.txt", trust_env=False, timeout=10)
    assert feed.status_code == 200  # the blocklist feed is served by the same process
    forged = httpx.post(f"http://127.0.0.1:{port}/slack/events", content=body, trust_env=False, timeout=10,
                        headers={"Content-Type": "application/x-www-form-urlencoded",
                                 "X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=0"})
    assert forged.status_code == 401


def test_serve_without_signing_secret_says_what_is_missing(run_cli: Callable[..., Any]) -> None:
    result = run_cli("serve", env={"SLACK_BOT_TOKEN": "xoxb-x"})
    assert result.returncode == 2
    assert "SLACK_SIGNING_SECRET" in result.stderr
    result = run_cli("serve", env={"SLACK_APP_TOKEN": "xapp-1-x"})
    assert result.returncode == 2 and "SLACK_BOT_TOKEN" in result.stderr
    result = run_cli("serve", env={"SLACK_APP_TOKEN": "wrong"})
    assert result.returncode == 2 and "xapp-" in result.stderr


def test_serve_refuses_an_in_memory_database(run_cli: Callable[..., Any]) -> None:
    # Every thread would open an empty database of its own: jobs stored by the web threads would
    # never reach the worker threads.
    for url in ("sqlite://", "sqlite:///:memory:"):
        result = run_cli("serve", env={"DATABASE_URL": url})
        assert result.returncode == 2
        assert "in-memory" in result.stderr and "sqlite:///sellerguard.db" in result.stderr


def test_mode_choice() -> None:
    assert mode(Settings(slack_app_token="xapp-1", slack_bot_token="xoxb-1")) == "socket"
    assert mode(Settings(slack_bot_token="xoxb-1", slack_signing_secret="s")) == "http"
    assert mode(Settings()) == "none"


def test_manifest_matches_the_app() -> None:
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))
    features, settings = manifest["features"], manifest["settings"]
    commands = [c["command"] for c in features["slash_commands"]]
    assert set(commands) >= {"/checksite", "/report", "/blocklist", "/notice", "/sellerguard"}
    for command in commands:
        parsed = router.parse_command(_incoming(command))
        assert parsed is not None and parsed.name != "unknown", command
    assert [s["callback_id"] for s in features["shortcuts"]] == [REPORT_CALLBACK]
    assert features["app_home"]["home_tab_enabled"] is True
    assert set(settings["event_subscriptions"]["bot_events"]) >= {
        "app_home_opened", "app_mention", "message.channels", "message.im"}
    assert settings["interactivity"]["is_enabled"] is True
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert scopes >= {"commands", "chat:write", "files:write", "users:read", "usergroups:read",
                      "app_mentions:read", "im:history", "channels:history", "im:write"}
    urls = [c["url"] for c in features["slash_commands"]]
    urls += [settings["event_subscriptions"]["request_url"], settings["interactivity"]["request_url"]]
    assert all(u.endswith("/slack/events") for u in urls)


def _incoming(command: str) -> Any:
    from chatbot.conversation import Incoming

    return Incoming(platform="slack", user="U", command=command,
                    text="help" if command == "/sellerguard" else "")
