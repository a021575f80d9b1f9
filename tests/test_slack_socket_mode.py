"""Socket Mode (the manifest's default) end to end: `sellerguard serve` with SLACK_APP_TOKEN in a
real process dials the local WebSocket stand-in, acks each envelope over the socket, and its
embedded worker answers through the fake Web API; a redelivered envelope is answered once."""

from __future__ import annotations

import socket
import urllib.parse
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select

from chatbot.config import Settings
from chatbot.db import Database
from chatbot.jobs import Job

pytest.register_assert_rewrite("tests.slack_fake", "tests.processes")

from tests.slack_fake import FakeSlack, command_body  # noqa: E402

pytest_plugins = ["tests.slack_fake", "tests.processes", "tests.socket_fake"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_slash_command_over_socket_mode_is_acked_and_answered_once(
        settings: Settings, db: Database, fake_slack: FakeSlack, socket_slack: Any,
        start_process: Callable[..., Any]) -> None:
    fake_slack.socket_url = socket_slack.url
    config = replace(settings, slack_bot_token="xoxb-test", slack_api_url=fake_slack.api_url)
    start_process("serve", "--port", str(_free_port()), "--workers", "2", settings=config,
                  env={"SLACK_APP_TOKEN": "xapp-1-test", "PORT": ""})
    socket_slack.wait_connected()
    assert fake_slack.of("apps.connections.open"), "the app asked the Web API for the socket URL"
    body = dict(urllib.parse.parse_qsl(command_body("/sellerguard", "help",
                                                    response_url=fake_slack.webhook_url(),
                                                    trigger_id="trig.socket")))
    socket_slack.push("slash_commands", body, "env-1")
    assert socket_slack.wait_for_ack("env-1")["envelope_id"] == "env-1"
    hook = fake_slack.wait_for("webhook", timeout=60)[0]
    assert hook.params["response_type"] == "ephemeral" and hook.params["blocks"][0]["type"] == "header"
    # Slack redelivers the envelope (no ack seen in time): acked again, answered once
    socket_slack.push("slash_commands", body, "env-1", retry=1)
    socket_slack.push("slash_commands", dict(body, trigger_id="trig.socket-2"), "env-2")
    socket_slack.wait_for_ack("env-2")
    fake_slack.wait_for("webhook", 2, timeout=60)
    with db.read() as session:
        jobs = session.scalars(select(Job.payload).where(Job.kind == "slack")).all()
    assert sorted(job["body"]["trigger_id"] for job in jobs) == ["trig.socket", "trig.socket-2"], \
        "the redelivery made no second job"
    assert len(fake_slack.of("webhook")) == 2
