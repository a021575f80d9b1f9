# ruff: noqa: E402
"""`sellerguard serve` and `sellerguard wecom` as an operator runs them."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

pytest.register_assert_rewrite("tests.wecom_fake")

from tests.test_slack_serve import _wait_healthy, serve  # noqa: F401  (the fixture)
from tests.wecom_fake import AES_KEY, AIBOT, FakeWeCom, aibot_callback, open_aibot_reply

pytest_plugins = ["tests.wecom_fake"]


def test_serve_answers_the_ai_bot_webhook(serve: Callable[..., tuple[Any, int]],  # noqa: F811
                                          fake_wecom: FakeWeCom) -> None:
    proc, port = serve({"WECOM_AIBOT_TOKEN": AIBOT.token, "WECOM_AIBOT_AES_KEY": AES_KEY,
                        "WECOM_API_URL": fake_wecom.base})
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


def test_wecom_with_a_wrong_connection_url_says_what_is_wrong(run_cli: Callable[..., Any]) -> None:
    # Without any credentials the process idles (tests/test_worker_process.py, the Procfile).
    result = run_cli("wecom", env={"WECOM_AIBOT_ID": "a", "WECOM_AIBOT_SECRET": "b", "WECOM_WS_URL": "http://x"})
    assert result.returncode == 2 and "ws://" in result.stderr
