"""Scheduled work on the real database, run through the queue as the clock and worker do:
liveness re-checks against local sites (through the safe fetcher, conditional requests), expiry
back to review, the digest to the moderators' Slack channel (once, however many clocks), retention,
and `sellerguard jobs list` / `blocklist stats`."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select

from chatbot.app import SellerGuard
from chatbot.blocklist.models import AuditRow, Entry, Liveness
from chatbot.db import Database
from chatbot.db.models import DialogState, ProcessedDelivery
from chatbot.evidence.models import SiteLookup
from chatbot.jobs import Job, JobQueue, PermanentJobError
from chatbot.net.fetcher import SafeFetcher
from chatbot.schedule import digest, expiry, liveness, retention
from chatbot.schedule.clock import enqueue_run, run_key
from chatbot.wecom import store as wecom_state
from chatbot.worker import for_app

pytest.register_assert_rewrite("tests.slack_fake")

from tests.slack_fake import FakeSlack  # noqa: E402

pytest_plugins = ["tests.slack_fake"]

NOW = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)


class Sites:
    """Local storefronts chosen by Host: up.example (ETag, 304 when it matches), gone.example
    (410), down.example (503)."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []
        sites = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                host = (self.headers.get("Host") or "").split(":")[0]
                sites.requests.append((host, {k.lower(): v for k, v in self.headers.items()}))
                if host.endswith("up.example"):
                    status = 304 if self.headers.get("If-None-Match") == '"v1"' else 200
                else:
                    status = 410 if host.endswith("gone.example") else 503
                body = b"" if status == 304 else b"<html><body>shop</body></html>"
                self.send_response(status)
                self.send_header("ETag", '"v1"')
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def sites() -> Iterator[Sites]:
    running = Sites()
    yield running
    running.server.shutdown()
    running.server.server_close()


def _entry(db: Database, unit: str, state: str = "listed", listed_at: datetime | None = NOW) -> int:
    with db.session() as session:
        entry = Entry(unit=unit, unicode_unit=unit, registrable=unit, state=state, reasons="copycat-store",
                      first_reported=NOW - timedelta(days=400), listed_at=listed_at, updated_at=NOW)
        session.add(entry)
        session.flush()
        return entry.id


def test_liveness_rechecks_politely_and_reports_takedowns(app: SellerGuard, db: Database,
                                                         sites: Sites) -> None:
    config = replace(app.settings, allow_private_networks=True, allowed_ports=frozenset({sites.port}),
                     recheck_per_host_seconds=0.01)
    app.settings = app.ctx.settings = config
    fetcher = SafeFetcher(config, resolver=lambda host: ["127.0.0.1"])
    template = f"http://{{unit}}:{sites.port}/"
    listed_at = NOW - timedelta(days=10)
    for unit in ("shop.up.example", "shop.gone.example", "shop.down.example"):
        _entry(db, unit, listed_at=listed_at)
    _entry(db, "old.up.example", state="delisted")  # not re-checked
    first = liveness.run(app, NOW, fetcher=fetcher, url_template=template)
    assert (first.checked, first.online, first.offline, first.taken_down) == (3, 1, 1, 1)
    assert sorted(host for host, _ in sites.requests) == ["shop.down.example", "shop.gone.example",
                                                           "shop.up.example"]
    sites.requests.clear()
    later = NOW + timedelta(days=3)
    second = liveness.run(app, later, fetcher=fetcher, url_template=template)
    assert (second.online, second.offline, second.taken_down) == (1, 1, 1)
    conditional = dict(sites.requests)["shop.up.example"]
    assert conditional["if-none-match"] == '"v1"', "the second visit is a conditional request"
    with db.read() as session:
        rows = {row.unit: row for row in session.scalars(select(Liveness))}
        session.expunge_all()
    assert rows["shop.up.example"].online is True and rows["shop.up.example"].first_seen_offline is None
    assert rows["shop.gone.example"].taken_down_at == NOW
    down = rows["shop.down.example"]
    assert down.first_seen_offline == NOW and down.taken_down_at == NOW, "offline three days: gone"
    figures = liveness.stats(app)
    assert figures["online"] == 1 and figures["taken_down"] == 2 and figures["takedowns"] == 2
    assert figures["median_days_to_takedown"] == 10.0


def _expire(app: SellerGuard, now: datetime) -> int:
    """An expiry tick, then the worker's run of its batches; how many listings the tick found."""
    found = expiry.run(app, now)
    for_app(app, kinds=(expiry.BATCH_KIND,)).drain()
    return found


def test_expired_listings_go_back_to_review_in_the_open(app: SellerGuard, db: Database) -> None:
    app.settings = app.ctx.settings = replace(app.settings, listing_ttl_days=180)
    stale = _entry(db, "stale.example", listed_at=NOW - timedelta(days=181))
    fresh = _entry(db, "fresh.example", listed_at=NOW - timedelta(days=179))
    assert _expire(app, NOW) == 1 and _expire(app, NOW) == 0
    with db.read() as session:
        states = dict(session.execute(select(Entry.id, Entry.state)).all())
        audit = session.scalars(select(AuditRow).where(AuditRow.entry_id == stale)).one()
        session.expunge_all()
    assert states == {stale: "reported", fresh: "listed"}
    assert audit.action == "expire" and audit.actor == "sellerguard:clock" and "180 days" in audit.reason
    assert "re-review (not re-confirmed in 180 days): 1" in digest.text(app, NOW)


def test_expiry_writes_one_audit_row_per_listing_moved_saying_why(app: SellerGuard, db: Database) -> None:
    app.settings = app.ctx.settings = replace(app.settings, listing_ttl_days=180)
    listed = [NOW - timedelta(days=181 + n, microseconds=n * 1500) for n in range(3)]
    stale = [_entry(db, f"stale{n}.example", listed_at=at) for n, at in enumerate(listed)]
    reported = _entry(db, "queued.example", state="reported", listed_at=NOW - timedelta(days=400))
    assert _expire(app, NOW) == 3
    with db.read() as session:
        rows = session.scalars(select(AuditRow).order_by(AuditRow.entry_id)).all()
        moved = dict(session.execute(select(Entry.id, Entry.updated_at)
                                     .where(Entry.state == "reported")).all())
        session.expunge_all()
    assert [row.entry_id for row in rows] == stale and set(moved) == {*stale, reported}
    assert all(moved[entry_id] == NOW for entry_id in stale)
    for row, at in zip(rows, listed, strict=True):
        assert (row.actor, row.action, row.before, row.after, row.reason, row.created_at) == (
            "sellerguard:clock", "expire", "listed", "reported", "not re-confirmed in 180 days", NOW)
        assert set(row.detail) == {"listed_at"} and datetime.fromisoformat(row.detail["listed_at"]) == at


def test_expiry_ticks_find_and_the_batches_move_each_listing_once(
        app: SellerGuard, db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(expiry, "BATCH", 2)
    app.settings = app.ctx.settings = replace(app.settings, listing_ttl_days=180)
    stale = [_entry(db, f"stale{n}.example", listed_at=NOW - timedelta(days=181)) for n in range(3)]
    assert expiry.run(app, NOW) == 3
    assert expiry.run(app, NOW + timedelta(minutes=1)) == 3, "nothing moved yet: found again"
    with db.read() as session:
        assert set(session.scalars(select(Entry.state))) == {"listed"}, "the tick writes no listing"
        payloads = session.scalars(select(Job.payload).where(Job.kind == expiry.BATCH_KIND)).all()
    assert sorted(len(payload["entries"]) for payload in payloads) == [1, 1, 2, 2]
    # a moderator approves one again before the batches run: it stays listed
    with db.session() as session:
        session.get(Entry, stale[0]).listed_at = NOW
    assert for_app(app, kinds=(expiry.BATCH_KIND,)).drain() == 4
    assert expiry.move(app, dict(payloads[0])) == 0, "a batch run again moves nothing twice"
    with db.read() as session:
        states = dict(session.execute(select(Entry.id, Entry.state)).all())
        audited = session.scalars(select(AuditRow.entry_id).order_by(AuditRow.entry_id)).all()
    assert states == {stale[0]: "listed", stale[1]: "reported", stale[2]: "reported"}
    assert audited == stale[1:], "one audit row per listing moved"


def test_a_malformed_expiry_batch_fails_for_good(app: SellerGuard) -> None:
    with pytest.raises(PermanentJobError, match="malformed"):
        expiry.move(app, {"entries": [1]})


def test_one_digest_reaches_the_moderators_channel_however_many_clocks(
        app: SellerGuard, db: Database, fake_slack: FakeSlack) -> None:
    config = replace(app.settings, slack_bot_token="xoxb-test", slack_api_url=fake_slack.api_url,
                     slack_digest_channel="C0MODS", timezone="Asia/Shanghai", digest_at="09:00")
    app.settings = app.ctx.settings = config
    _entry(db, "pending.example", state="reported", listed_at=None)
    _entry(db, "appealed.example", state="disputed")
    queue = JobQueue(db, max_attempts=1)
    broken = queue.enqueue("test.broken", {})
    queue.run_next({"test.broken": lambda payload: payload["missing"]})
    at = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    assert enqueue_run(app, "digest", at) is not None
    assert enqueue_run(app, "digest", at + timedelta(seconds=20)) is None, "the other clock's tick"
    assert run_key("digest", at, config) == "digest@2026-12-01T09:00:00+08:00"
    worker = for_app(app)
    worker.drain()
    posts = fake_slack.wait_for("chat.postMessage")
    assert len(posts) == 1 and posts[0].params["channel"] == "C0MODS"
    text = posts[0].params["text"]
    assert "digest (2026-12-01)" in text and "Reports waiting for review: 1" in text
    assert "Open appeals: 1" in text and "Failed jobs: 1" in text and f"#{broken} test.broken" in text
    assert "KeyError" in text
    assert worker.drain() == 0 and len(fake_slack.of("chat.postMessage")) == 1


def test_digest_in_chinese(app: SellerGuard) -> None:
    app.settings = app.ctx.settings = replace(app.settings, default_lang="zh")
    text = digest.text(app, NOW)
    assert text.startswith("SellerGuard 每日摘要") and "待审核的举报：0" in text


def test_retention_prunes_what_is_old(app: SellerGuard, db: Database) -> None:
    old = NOW - timedelta(days=60)
    queue = JobQueue(db, clock=lambda: old)
    queue.run_next({"x": lambda payload: None}) if queue.enqueue("x", {}) else None
    with db.session() as session:
        session.add(ProcessedDelivery(key="slack:event:Ev1", created_at=old))
        session.add(ProcessedDelivery(key="slack:event:Ev2", created_at=NOW))
        session.add(DialogState(platform="console", user_id="a", handler="case", state={}, expires_at=old))
        session.add(SiteLookup(url_key="k", normalized_url="https://a.example/", site="a.example",
                               created_at=old, expires_at=old, result={}, page_words=[["title", "lamp"]]))
    wecom_state.claim(db, "nonce:aibot:old", old, 7200)
    wecom_state.claim(db, "nonce:aibot:live", NOW, 7200)
    pruned = retention.run(app, NOW)
    assert pruned.as_dict() == {"jobs": 1, "deliveries": 1, "dialogs": 1, "page_words": 1, "inbox": 0,
                                "wecom_state": 1}
    assert retention.run(app, NOW).as_dict() == {"jobs": 0, "deliveries": 0, "dialogs": 0,
                                                 "page_words": 0, "inbox": 0, "wecom_state": 0}
    assert wecom_state.get(db, "nonce:aibot:live", NOW) is not None
    with db.read() as session:
        assert session.scalars(select(SiteLookup.page_words)).one() == []
        assert session.scalar(select(Job.id)) is None


def test_jobs_list_and_blocklist_stats_commands(db: Database, run_cli: Callable[..., Any]) -> None:
    queue = JobQueue(db, max_attempts=1)
    failed = queue.enqueue("notify.slack", {})
    queue.run_next({"notify.slack": lambda payload: (_ for _ in ()).throw(ConnectionError("down"))})
    queue.enqueue("scheduled.digest", {"at": NOW.isoformat()}, unique_key="digest@x")
    listing = run_cli("jobs", "list", "--failed", "--json")
    assert listing.returncode == 0
    rows = [json.loads(line) for line in listing.stdout.splitlines()]
    assert [(r["id"], r["state"], r["error"]) for r in rows] == [(failed, "failed", "ConnectionError: down")]
    text = run_cli("jobs", "list")
    assert "scheduled.digest" in text.stdout and "ConnectionError: down" in text.stdout
    stats = run_cli("blocklist", "stats", "--json")
    assert stats.returncode == 0 and json.loads(stats.stdout)["takedowns"] == 0
    assert "median time from listing to takedown" in run_cli("blocklist", "stats").stdout


def test_settings_for_the_clock_are_checked() -> None:
    from chatbot.config import ConfigError, load_settings

    config = load_settings({"SELLERGUARD_TIMEZONE": "America/New_York", "SELLERGUARD_DIGEST_AT": "7:30",
                            "SLACK_DIGEST_CHANNEL": "C0MODS", "SELLERGUARD_LISTING_TTL_DAYS": "90"})
    assert (config.timezone, config.digest_at, config.listing_ttl_days) == ("America/New_York", "07:30", 90)
    for env, word in ((("SELLERGUARD_TIMEZONE", "Mars/Base"), "time zone"),
                      (("SELLERGUARD_DIGEST_AT", "25:00"), "HH:MM"),
                      (("SELLERGUARD_LISTING_TTL_DAYS", "0"), "between")):
        with pytest.raises(ConfigError, match=word):
            load_settings(dict([env]))




def test_a_digest_with_nowhere_to_go_is_said_in_the_log(app: SellerGuard,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    app.settings = app.ctx.settings = replace(app.settings, slack_bot_token="", slack_digest_channel="C0MODS",
                                              wecom_robot_webhook="")
    with caplog.at_level("WARNING", logger="chatbot.schedule.digest"):
        assert digest.run(app, NOW, "2026-11-30T09:00:00+08:00") == []
    assert "SLACK_BOT_TOKEN and SLACK_DIGEST_CHANNEL" in caplog.text


def test_jobs_list_refuses_a_limit_out_of_range(run_cli: Callable[..., Any]) -> None:
    for bad in ("0", "-1", "10001"):
        refused = run_cli("jobs", "list", "--limit", bad)
        assert refused.returncode == 2 and "--limit must be between 1 and 10000" in refused.stderr
