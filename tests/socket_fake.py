"""A local stand-in for Slack's Socket Mode WebSocket endpoint.

`apps.connections.open` on the fake Web API (tests/slack_fake.py) hands out this server's
ws:// URL; the app connects, gets "hello", and the test pushes envelopes (slash commands, events)
the way Slack does, then reads the app's acknowledgements (`{"envelope_id": …}`)."""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve


class SocketSlack:
    def __init__(self) -> None:
        self.acks: list[dict[str, Any]] = []
        self._outbox: queue.Queue[dict[str, Any]] = queue.Queue()
        self.connections = 0
        self._lock = threading.Lock()
        self._server: Server = serve(self._session, "127.0.0.1", 0)
        self.port = self._server.socket.getsockname()[1]
        self.url = f"ws://127.0.0.1:{self.port}/link/?ticket=test"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def _session(self, connection: ServerConnection) -> None:
        with self._lock:
            self.connections += 1
        connection.send(json.dumps({"type": "hello", "num_connections": 1,
                                    "debug_info": {"host": "local-stand-in"},
                                    "connection_info": {"app_id": "A0TEST"}}))
        try:
            while True:
                try:
                    envelope = self._outbox.get(timeout=0.05)
                    connection.send(json.dumps(envelope))
                except queue.Empty:
                    pass
                try:
                    raw = connection.recv(timeout=0.05)
                except TimeoutError:
                    continue
                with self._lock:
                    self.acks.append(json.loads(raw))
        except ConnectionClosed:
            return

    def push(self, envelope_type: str, payload: dict[str, Any], envelope_id: str, retry: int = 0) -> None:
        """Send one envelope to the connected app, as Slack does."""
        self._outbox.put({"envelope_id": envelope_id, "type": envelope_type, "payload": payload,
                          "accepts_response_payload": envelope_type != "events_api",
                          "retry_attempt": retry, "retry_reason": "timeout" if retry else ""})

    def wait_for_ack(self, envelope_id: str, timeout: float = 30.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                for ack in self.acks:
                    if ack.get("envelope_id") == envelope_id:
                        return ack
            time.sleep(0.05)
        raise AssertionError(f"no ack for envelope {envelope_id}; acks: {self.acks}")

    def wait_connected(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while self.connections == 0:
            if time.monotonic() > deadline:
                raise AssertionError("the app never connected over Socket Mode")
            time.sleep(0.05)

    def stop(self) -> None:
        self._server.shutdown()


@pytest.fixture
def socket_slack() -> Iterator[SocketSlack]:
    server = SocketSlack()
    yield server
    server.stop()
