# ruff: noqa: E402
"""`sellerguard serve` and `sellerguard wecom` as an operator runs them."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

pytest.register_assert_rewrite("tests.wecom_fake")

from tests.test_slack_serve import _free_port, _wait_healthy
from tests.wecom_fake import AES_KEY, AIBOT, FakeWeCom, aibot_callback, open_aibot_reply

pytest_plugins = ["tests.wecom_fake"]


@pytest.fixture
def serve_wecom(database_url: str, db: Any, tmp_path: Path,
                fake_wecom: FakeWeCom) -> Iterator[Callable[[], tuple[subprocess.Popen[bytes], int]]]:
    started: list[subprocess.Popen[bytes]] = []

    def start() -> tuple[subprocess.Popen[bytes], int]:
        port = _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SELLERGUARD_", "SLACK_", "WECOM_"))}
        env.update({"DATABASE_URL": database_url, "PORT": str(port), "WECOM_AIBOT_TOKEN": AIBOT.token,
                    "WECOM_AIBOT_AES_KEY": AES_KEY, "WECOM_API_URL": fake_wecom.base})
        proc = subprocess.Popen([sys.executable, "-m", "chatbot", "serve", "--host", "127.0.0.1"],
                                env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
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


def test_serve_answers_the_ai_bot_webhook(serve_wecom: Callable[[], tuple[Any, int]]) -> None:
    proc, port = serve_wecom()
    _wait_healthy(port, proc)
    base = f"http://127.0.0.1:{port}/wecom/aibot"
    body = {"msgid": "serve-1", "aibotid": "aib", "chattype": "single", "from": {"userid": "zhang.wei"},
            "msgtype": "text", "text": {"content": "帮助"}}
    query, raw = aibot_callback(body, int(time.time()))
    first = open_aibot_reply(httpx.post(f"{base}?{query}", content=raw, trust_env=False, timeout=10).json())
    stream = first["stream"]
    assert stream["finish"] is False
    deadline = time.monotonic() + 60
    while True:  # WeCom refreshes about once a second until the stream is finished
        refresh = {"msgid": f"r{time.monotonic()}", "aibotid": "aib", "chattype": "single",
                   "from": {"userid": "zhang.wei"}, "msgtype": "stream", "stream": {"id": stream["id"]}}
        query, raw = aibot_callback(refresh, int(time.time()))
        answer = httpx.post(f"{base}?{query}", content=raw, trust_env=False, timeout=10)
        frame = open_aibot_reply(answer.json())
        if frame["stream"]["finish"] or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert frame["stream"]["finish"] is True and "查站" in frame["stream"]["content"]


def test_wecom_without_credentials_says_what_is_missing(run_cli: Callable[..., Any]) -> None:
    result = run_cli("wecom")
    assert result.returncode == 2 and "WECOM_AIBOT_ID" in result.stderr
    result = run_cli("wecom", env={"WECOM_AIBOT_ID": "a", "WECOM_AIBOT_SECRET": "b", "WECOM_WS_URL": "http://x"})
    assert result.returncode == 2 and "ws://" in result.stderr
