# ruff: noqa: E402
"""The group robot: notices split within 4096 bytes, sent at most 20 a minute, never dropped;
new reports and appeals from any platform become notices."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

pytest.register_assert_rewrite("tests.wecom_fake")

from chatbot.app import SellerGuard
from chatbot.conversation import Incoming
from chatbot.jobs import JobQueue
from chatbot.schedule.clock import enqueue_run, next_runs
from chatbot.wecom import robot
from chatbot.worker import for_app
from tests.wecom_fake import FakeWeCom

pytest_plugins = ["tests.wecom_fake"]


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
        self.slept: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def bot(app: SellerGuard, fake_wecom: FakeWeCom, with_settings: Callable[..., SellerGuard]) -> SellerGuard:
    return with_settings(wecom_robot_webhook=f"{fake_wecom.base}/cgi-bin/webhook/send?key=k1",
                         default_lang="zh")


def run_all(bot: SellerGuard, clock: Clock) -> int:
    sender = robot.RobotSender(bot, clock=clock, sleep=clock.sleep)
    queue = JobQueue(bot.db, clock=clock)
    count = 0
    while queue.run_next({robot.JOB_KIND: sender.run_job}, only=(robot.JOB_KIND,)):
        count += 1
    return count


def test_a_long_notice_is_split_between_paragraphs_within_4096_bytes(bot: SellerGuard,
                                                                      fake_wecom: FakeWeCom) -> None:
    paragraphs = [f"第{n}段：" + "侵权投诉说明" * 40 for n in range(30)]
    assert robot.send_group_notice(bot, "\n\n".join(paragraphs)) > 1
    run_all(bot, Clock())
    sent = [c.body["markdown"]["content"] for c in fake_wecom.sent("/cgi-bin/webhook/send")]
    assert all(len(s.encode()) <= 4096 for s in sent)
    assert [p for s in sent for p in s.split("\n\n")] == paragraphs  # in order, none cut


def test_at_most_20_a_minute_and_none_dropped(bot: SellerGuard, fake_wecom: FakeWeCom) -> None:
    clock = Clock()
    for n in range(45):
        robot.send_group_notice(bot, f"notice {n}")
    sent_at: list[datetime] = []
    original = fake_wecom.answer

    def stamp(method: str, path: str, query: dict[str, str], body: dict[str, object]) -> dict[str, object]:
        sent_at.append(clock.now)
        return original(method, path, query, body)

    fake_wecom.answer = stamp  # type: ignore[method-assign]
    assert run_all(bot, clock) == 45
    assert len(sent_at) == 45 and clock.slept
    for start in sent_at:
        assert sum(1 for t in sent_at if start <= t < start + timedelta(seconds=60)) <= 20


def test_too_fast_from_the_platform_waits_and_retries(bot: SellerGuard, fake_wecom: FakeWeCom) -> None:
    clock = Clock()
    fake_wecom.errors["/cgi-bin/webhook/send"] = [45009, 45009]
    robot.send_group_notice(bot, "one notice")
    run_all(bot, clock)
    assert len(fake_wecom.sent("/cgi-bin/webhook/send")) == 3
    assert clock.slept == [60.0, 60.0]


def test_new_reports_and_appeals_become_notices(bot: SellerGuard, fake_wecom: FakeWeCom) -> None:
    assert robot.watch_moderation(bot) == 0  # the first look starts from now
    bot.handle(Incoming(platform="slack", user="U1", text="/report copycat-lamps.shop fake complaint"))
    receipt = bot.handle(Incoming(platform="console", user="bob", text="/blocklist check copycat-lamps.shop"))
    assert receipt
    assert robot.watch_moderation(bot) == 1
    assert robot.watch_moderation(bot) == 0  # seen once
    run_all(bot, Clock())
    sent = fake_wecom.sent("/cgi-bin/webhook/send")
    assert len(sent) == 1 and "copycat\\-lamps\\.shop" in sent[0].body["markdown"]["content"]
    assert "举报" in sent[0].body["markdown"]["content"]


def test_without_a_webhook_nothing_is_queued(app: SellerGuard) -> None:
    assert robot.send_group_notice(app, "x") == 0
    assert robot.watch_moderation(app) == 0


def test_the_clock_schedules_notices_only_with_a_group_robot(bot: SellerGuard, fake_wecom: FakeWeCom) -> None:
    after = datetime(2026, 12, 1, 1, 0, 30, tzinfo=UTC)
    runs = [(name, when.astimezone(UTC)) for name, when in next_runs(bot.settings, after)]
    assert ("notices", datetime(2026, 12, 1, 1, 1, tzinfo=UTC)) in runs  # every minute
    assert "notices" not in dict(next_runs(replace(bot.settings, wecom_robot_webhook=""), after))
    assert robot.watch_moderation(bot) == 0  # the first look starts from now
    bot.handle(Incoming(platform="slack", user="U1", text="/report copycat-lamps.shop fake complaint"))
    assert enqueue_run(bot, "notices", after) is not None
    assert for_app(bot).drain() == 2  # the scheduled run queues the notice; the notice is sent
    sent = fake_wecom.sent("/cgi-bin/webhook/send")
    assert len(sent) == 1 and "copycat\\-lamps\\.shop" in sent[0].body["markdown"]["content"]


def test_clock_list_says_the_notices_job_is_off_without_a_group_robot(run_cli: Callable[..., Any]) -> None:
    off = run_cli("clock", "--list", env={"WECOM_ROBOT_WEBHOOK": ""})
    assert off.returncode == 0
    assert re.search(r"^notices\s+next off \(set WECOM_ROBOT_WEBHOOK\)", off.stdout, re.M), off.stdout
    refused = run_cli("clock", "--once", "notices", env={"WECOM_ROBOT_WEBHOOK": ""})
    assert refused.returncode == 2 and "WECOM_ROBOT_WEBHOOK" in refused.stderr
    robot_url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"
    on = run_cli("clock", "--list", env={"WECOM_ROBOT_WEBHOOK": robot_url})
    assert re.search(r"^notices\s+next \d{4}-\d\d-\d\dT", on.stdout, re.M), on.stdout
