"""/checksite over Slack, end to end: a local storefront, the real lookup, the real app in HTTP
mode, and the fake Web API recording what comes out."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

pytest.register_assert_rewrite("tests.slack_fake")  # it is also loaded as a plugin below

from tests.slack_fake import FakeSlack, SlackRig  # noqa: E402

pytest_plugins = ["tests.slack_fake", "tests.processes"]

FIXTURES = Path(__file__).parent / "fixtures" / "slack"
PAGE = "/products/brass-lamp"


class Storefront:
    """A one-page shop on 127.0.0.1; every other path (archive, registry lookups) is a 404."""

    def __init__(self) -> None:
        page = (FIXTURES / "brass-lamp.html").read_bytes()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                found = self.path.split("?")[0] == PAGE
                body = page if found else b"not found"
                self.send_response(200 if found else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8" if found else "text/plain")
                self.send_header("Last-Modified", "Fri, 01 Mar 2024 10:00:00 GMT")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def shop() -> Iterator[Storefront]:
    site = Storefront()
    yield site
    site.close()


@pytest.fixture
def rig(start_slack: Callable[..., SlackRig], shop: Storefront) -> SlackRig:
    return start_slack(allow_private_networks=True, allowed_ports=frozenset({shop.port}),
                       wayback_url=shop.base, rdap_url=shop.base, lookup_timeout=20.0)


def _is_placeholder(call: Any) -> bool:
    return "Checking" in call.params.get("text", "") or "正在查询" in call.params.get("text", "")


def test_checksite_shows_checking_then_replaces_it_and_uploads_the_report(rig: SlackRig, shop: Storefront,
                                                                         tmp_path: Path) -> None:
    fake = rig.fake
    url = f"{shop.base}{PAGE}"
    response = rig.command("/checksite", url)
    assert response.status_code == 200 and response.text == ""
    placeholder = fake.wait_for("chat.postMessage", where=_is_placeholder)[0]
    assert placeholder.params["channel"] == "C0GENERAL"
    assert url in placeholder.params["text"]
    updated = fake.wait_for("chat.update", timeout=30)[0]
    placeholder_ts = placeholder.response["ts"]
    assert updated.params["ts"] == placeholder_ts
    blocks = updated.params["blocks"]
    text = json.dumps(blocks)
    assert blocks[0]["type"] == "header" and "127.0.0.1" in blocks[0]["text"]["text"]
    assert "2024-03-01" in text
    report_buttons = [e for b in blocks if b["type"] == "actions" for e in b["elements"]
                      if e["action_id"].startswith("site.report")]
    assert report_buttons and report_buttons[0]["value"].endswith(PAGE)
    # the evidence report and timeline go into the result's thread
    completed = fake.wait_for("files.completeUploadExternal", 3, timeout=30)  # HTML, PDF, PNG
    assert all(c.params["channel_id"] == "C0GENERAL" and c.params["thread_ts"] == placeholder_ts
               for c in completed)
    titles = [f["title"] for c in completed for f in c.params["files"]]
    names = [c.params.get("filename", "") for c in fake.of("files.getUploadURLExternal")]
    assert any(n.endswith(".html") for n in names) and any(n.endswith(".png") for n in names)
    uploads = fake.of("upload")
    assert any(u.raw.startswith(b"\x89PNG") for u in uploads)
    assert any(b"<html" in u.raw[:2000].lower() for u in uploads)
    assert len(titles) == len(names)
    # nothing went out a second way
    assert fake.of("webhook") == []


def test_checksite_in_app_home_afterwards(rig: SlackRig, shop: Storefront) -> None:
    rig.command("/checksite", f"{shop.base}{PAGE}")
    rig.fake.wait_for("chat.update", timeout=30)
    rig.event({"type": "app_home_opened", "user": "UALICE", "tab": "home", "channel": "DALICE"})
    view = rig.fake.wait_for("views.publish")[0].params["view"]
    text = json.dumps(view)
    assert "Your recent lookups" in text and PAGE in text
    buttons = [e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert any(e["value"].endswith(PAGE) for e in buttons)


def test_checksite_typed_in_chinese_in_a_channel_answers_in_thread(rig: SlackRig, shop: Storefront) -> None:
    ts = "1700009000.000100"
    rig.event({"type": "message", "channel_type": "channel", "user": "UWANG", "channel": "C0SELLERS",
               "text": f"查站 <{shop.base}{PAGE}>", "ts": ts})
    placeholder = rig.fake.wait_for("chat.postMessage", where=_is_placeholder)[0]
    assert placeholder.params["thread_ts"] == ts
    assert "正在查询" in placeholder.params["text"]
    updated = rig.fake.wait_for("chat.update", timeout=30)[0]
    assert updated.params["channel"] == "C0SELLERS"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in updated.params["text"])
    completed = rig.fake.wait_for("files.completeUploadExternal", timeout=30)
    assert completed[0].params["thread_ts"] == ts


def test_checksite_where_the_bot_is_not_a_member(rig: SlackRig, shop: Storefront) -> None:
    fake: FakeSlack = rig.fake
    fake.errors[("chat.postMessage", "CNOTIN")] = "not_in_channel"
    fake.errors[("files.completeUploadExternal", "CNOTIN")] = "not_in_channel"
    rig.command("/checksite", f"{shop.base}{PAGE}", channel="CNOTIN")
    hooks = fake.wait_for("webhook", 2, timeout=30)
    assert hooks[0].params["response_type"] == "in_channel" and "Checking" in hooks[0].params["text"]
    assert hooks[1].params["replace_original"] is True
    assert "2024-03-01" in json.dumps(hooks[1].params["blocks"])
    assert fake.of("chat.update") == []
    # the files could not go to the channel: they go to the asker's DM instead
    dm = fake.wait_for("files.completeUploadExternal", timeout=30,
                       where=lambda c: c.params.get("channel_id") == "DUALICE")
    assert dm


def test_checksite_with_a_bad_address_removes_checking_and_answers_privately(rig: SlackRig) -> None:
    rig.command("/checksite", "ftp://nowhere")
    rig.fake.wait_for("chat.postMessage", where=_is_placeholder)
    deleted = rig.fake.wait_for("chat.delete")[0]
    assert deleted.params["channel"] == "C0GENERAL"
    answer = rig.fake.wait_for("webhook")[0]
    assert answer.params["response_type"] == "ephemeral"
    assert rig.fake.of("chat.update") == []


def test_checksite_retry_does_not_look_up_twice(rig: SlackRig, shop: Storefront) -> None:
    event = {"type": "message", "channel_type": "im", "user": "UALICE", "channel": "DALICE",
             "text": f"/checksite {shop.base}{PAGE}", "ts": "1700009100.000100"}
    rig.event(event, event_id="Ev0CHECK")
    rig.event(event, event_id="Ev0CHECK", retry=1)
    rig.fake.wait_for("chat.update", timeout=30)
    rig.fake.wait_for("files.completeUploadExternal", timeout=30)
    placeholders = [c for c in rig.fake.of("chat.postMessage") if _is_placeholder(c)]
    assert len(placeholders) == 1
    assert len(rig.fake.of("chat.update")) == 1


def test_checksite_in_a_worker_process(start_slack: Callable[..., SlackRig], shop: Storefront,
                                       start_process: Callable[..., Any]) -> None:
    """`sellerguard serve --no-worker` beside `sellerguard worker`: the lookup runs in the worker
    process, on the same database."""
    rig = start_slack(queued=True, embedded_worker=False, allow_private_networks=True,
                      allowed_ports=frozenset({shop.port}), wayback_url=shop.base, rdap_url=shop.base,
                      lookup_timeout=20.0)
    start_process("worker", settings=rig.adapter.guard.settings)
    rig.command("/checksite", f"{shop.base}{PAGE}", trigger_id="trig.worker-1")
    # Slack's retry of the same command: acked, and dropped by the worker (the row is shared)
    retried = rig.command("/checksite", f"{shop.base}{PAGE}", trigger_id="trig.worker-1",
                          headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert retried.status_code == 200
    updated = rig.fake.wait_for("chat.update", timeout=60)[0]
    assert "2024-03-01" in json.dumps(updated.params["blocks"])
    rig.fake.wait_for("files.completeUploadExternal", 2, timeout=30)
    rig.event({"type": "app_home_opened", "user": "UALICE", "tab": "home", "channel": "DALICE"})
    view = rig.fake.wait_for("views.publish")[0].params["view"]
    assert PAGE in json.dumps(view)  # the worker remembered the lookup in the shared database
    assert len([c for c in rig.fake.of("chat.postMessage") if _is_placeholder(c)]) == 1
    assert len(rig.fake.of("chat.update")) == 1
