"""Recorded Slack payloads (tests/fixtures/slack/*.json, Slack's own shapes with made-up ids)
replayed against the real app over HTTP, and a way to wait until the app has finished
answering, so a test can assert the exact count of Web API calls without sleeping.

A fixture is `{"transport": "events" | "command" | "interactivity", "body": {...}}`: the body
as Slack sends it (a command's form fields as an object). The string "$RESPONSE_URL" stands for
the webhook the local stand-in serves.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

import pytest

from tests.slack_fake import SlackRig

FIXTURES = Path(__file__).parent / "fixtures" / "slack"
RESPONSE_URL = "$RESPONSE_URL"


def load(name: str) -> dict[str, Any]:
    """One recorded payload, by file name without `.json`."""
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return data


def all_fixtures() -> dict[str, dict[str, Any]]:
    return {path.stem: load(path.stem) for path in sorted(FIXTURES.glob("*.json"))}


def _fill(value: Any, response_url: str) -> Any:
    if value == RESPONSE_URL:
        return response_url
    if isinstance(value, dict):
        return {key: _fill(item, response_url) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, response_url) for item in value]
    return value


class TrackingExecutor(ThreadPoolExecutor):
    """The adapter's thread pool, remembering every piece of work handed to it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.futures: list[Future[Any]] = []
        self._track = threading.Lock()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future = super().submit(fn, *args, **kwargs)
        with self._track:
            self.futures.append(future)
        return future

    def settle(self, timeout: float = 30.0) -> None:
        """Wait until all work handed over so far, and all work it handed over, is done."""
        seen = 0
        while True:
            with self._track:
                pending = self.futures[seen:]
                seen = len(self.futures)
            if not pending:
                return
            _, not_done = wait(pending, timeout=timeout)
            assert not not_done, "the app did not finish its work"


class Replay:
    """Sends recorded payloads to the running app the way Slack does, and waits for the answers."""

    def __init__(self, rig: SlackRig) -> None:
        self.rig = rig
        self.fake = rig.fake

    @property
    def executor(self) -> TrackingExecutor:
        executor = self.rig.adapter.executor
        assert isinstance(executor, TrackingExecutor)
        return executor

    def send(self, name: str, *, settle: bool = True, **changes: Any) -> Any:
        """Replays fixture `name` (top-level body fields replaced by `changes`); by default waits
        until the app has finished answering it. Returns the HTTP response."""
        fixture = load(name)
        body = _fill({**fixture["body"], **changes}, self.fake.webhook_url(name))
        transport = fixture["transport"]
        if transport == "events":
            response = self.rig.post(json.dumps(body), "application/json")
        elif transport == "command":
            response = self.rig.post(urllib.parse.urlencode(body), "application/x-www-form-urlencoded")
        else:
            response = self.rig.post(urllib.parse.urlencode({"payload": json.dumps(body)}),
                                     "application/x-www-form-urlencoded")
        assert response.status_code == 200, (name, response.status_code, response.text)
        if settle:
            self.executor.settle()
        return response

    def calls(self, *, ignore: tuple[str, ...] = ("auth.test", "users.info")) -> list[str]:
        """The Web API calls (and webhook posts) made so far, in order, except look-ups."""
        return [call.method for call in self.fake.calls if call.method not in ignore]


@pytest.fixture
def replay(start_slack: Callable[..., SlackRig], monkeypatch: pytest.MonkeyPatch) -> Iterator[Replay]:
    """The app in HTTP mode (answering on its own threads) with its work tracked."""
    from chatbot.adapters import slack

    monkeypatch.setattr(slack, "ThreadPoolExecutor", TrackingExecutor)
    yield Replay(start_slack())
