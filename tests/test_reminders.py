"""Case reminders end to end on the real database: at the right local time (across a DST change
and a restart), once; business days across a US federal holiday; nudges for quiet cases; Slack DMs
through the worker; terminal users' "while you were away"."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from sqlalchemy import select

from chatbot.app import SellerGuard
from chatbot.cli.chat import while_away
from chatbot.config import Settings
from chatbot.db import Database
from chatbot.jobs import Job
from chatbot.notices.business_days import CALENDAR, add_business_days, is_business_day
from chatbot.notices.cases import CaseService, Owner
from chatbot.notices.models import CaseDeadline
from chatbot.schedule import inbox, reminders
from chatbot.worker import for_app

pytest.register_assert_rewrite("tests.slack_fake")

from tests.slack_fake import FakeSlack  # noqa: E402

pytest_plugins = ["tests.slack_fake"]

LA = "America/Los_Angeles"


@pytest.fixture
def guard(settings: Settings, db: Database) -> Iterator[SellerGuard]:
    app = SellerGuard(replace(settings, timezone=LA, reminder_at="09:00", reminder_lead_days=0,
                              nudge_days=365), db=db)
    yield app


def _case(guard: SellerGuard, owner: Owner, opened: datetime, lang: str = "en") -> int:
    guard.ctx.clock = lambda: opened
    return CaseService(guard.ctx).open(owner, lang, complaint_type="copyright").id


def _deadline(guard: SellerGuard, case_id: int, kind: str, day: date) -> None:
    with guard.db.session() as session:
        row = session.scalars(select(CaseDeadline).where(CaseDeadline.case_id == case_id,
                                                         CaseDeadline.kind == kind)).one()
        row.due_at = datetime(day.year, day.month, day.day, tzinfo=UTC)


def _fan_out(guard: SellerGuard) -> int:
    """Run the ticks' reminders.batch jobs: each queues a notify job per reminder."""
    return for_app(guard, kinds=(reminders.BATCH_KIND,)).drain()


def _tick(guard: SellerGuard, at: datetime) -> reminders.ReminderRun:
    """A tick and then the worker's run of its batches (which mark what it found)."""
    found = reminders.run(guard, at)
    _fan_out(guard)
    return found


def _drain(guard: SellerGuard) -> int:
    _fan_out(guard)
    return for_app(guard, kinds=("notify.inbox", "notify.slack")).drain()


def test_business_days_skip_a_us_federal_holiday() -> None:
    filed = date(2026, 11, 20)  # a Friday; Thanksgiving is Thursday 2026-11-26
    assert not is_business_day(date(2026, 11, 26)) and is_business_day(date(2026, 11, 27))
    assert add_business_days(filed, 10) == date(2026, 12, 7)  # one day later than weekends alone
    assert add_business_days(date(2026, 7, 2), 1) == date(2026, 7, 6)  # July 4th observed on the 3rd
    assert add_business_days(filed, 0) == filed
    with pytest.raises(ValueError):
        add_business_days(filed, -1)


def test_the_counter_notice_window_names_its_calendar(guard: SellerGuard) -> None:
    owner = Owner("console", "alice")
    case_id = _case(guard, owner, datetime(2026, 11, 20, 12, tzinfo=UTC))
    case = CaseService(guard.ctx).set_step(case_id, owner, "counter_notice", "done", on=date(2026, 11, 20))
    window = {d.kind: d for d in case.deadlines}
    assert window["counter_notice_restore_from"].due_at.date() == date(2026, 12, 7)
    assert window["counter_notice_restore_from"].note["calendar"] == CALENDAR
    assert any("Thanksgiving" in name for name in window["counter_notice_restore_from"].note["holidays"])
    # the reminder says which calendar was used and which holiday moved the date
    moment = datetime(2026, 12, 7, 17, 0, tzinfo=UTC)  # 09:00 in Los Angeles
    reminders.run(guard, moment)
    _drain(guard)
    texts = inbox.unseen(guard, "console", "alice")
    restore = next(text for text in texts if "2026-12-07" in text and "counter-notice" in text)
    assert "US federal holidays" in restore and "Thanksgiving" in restore


def test_reminders_fire_once_at_local_time_across_dst_and_a_restart(
        guard: SellerGuard, settings: Settings, database_url: str) -> None:
    owner = Owner("console", "alice")
    summer = _case(guard, owner, datetime(2026, 8, 1, tzinfo=UTC))
    winter = _case(guard, owner, datetime(2026, 8, 1, tzinfo=UTC))
    _deadline(guard, summer, "inventory_removal", date(2026, 10, 30))  # PDT: 09:00 is 16:00 UTC
    _deadline(guard, winter, "inventory_removal", date(2026, 11, 2))  # PST, after DST ended on 11-01
    assert _tick(guard, datetime(2026, 10, 30, 15, 59, tzinfo=UTC)).reminders == 0
    assert _tick(guard, datetime(2026, 10, 30, 16, 0, tzinfo=UTC)).reminders == 1
    assert _tick(guard, datetime(2026, 10, 30, 16, 5, tzinfo=UTC)).reminders == 0, "once"
    assert _tick(guard, datetime(2026, 11, 2, 16, 0, tzinfo=UTC)).reminders == 0, "08:00 PST"
    # every process restarts: a new app on the same database remembers what was sent
    again = SellerGuard(guard.settings, db=Database(database_url))
    assert _tick(again, datetime(2026, 11, 2, 16, 59, tzinfo=UTC)).reminders == 0
    assert _tick(again, datetime(2026, 11, 2, 17, 0, tzinfo=UTC)).reminders == 1
    assert _drain(again) == 2 and _drain(again) == 0
    texts = inbox.unseen(again, "console", "alice")
    assert [text.split(":")[0] for text in texts] == [f"Reminder for case #{summer}",
                                                      f"Reminder for case #{winter}"]
    assert inbox.unseen(again, "console", "alice") == [], "shown once"
    again.db.dispose()


def test_a_reminder_due_while_everything_was_down_arrives_once_at_chat_start(
        guard: SellerGuard) -> None:
    owner = Owner("console", "bob")
    case_id = _case(guard, owner, datetime(2026, 8, 1, tzinfo=UTC), lang="zh-Hans")
    _deadline(guard, case_id, "inventory_removal", date(2026, 10, 30))
    with time_machine.travel(datetime(2026, 11, 5, 3, 0, tzinfo=UTC), tick=False):
        away = while_away(guard, "console", "bob")
        assert away.startswith("你不在时的提醒") and f"案件 #{case_id}" in away and "2026-10-30" in away
        assert while_away(guard, "console", "bob") == ""


def test_a_quiet_case_with_steps_to_do_gets_one_nudge(guard: SellerGuard, chat: Any) -> None:
    guard.settings = replace(guard.settings, nudge_days=7)
    owner = Owner("console", "carol")
    opened = datetime(2026, 9, 1, 12, tzinfo=UTC)
    case_id = _case(guard, owner, opened)
    assert _tick(guard, opened + timedelta(days=6)).nudges == 0
    assert _tick(guard, opened + timedelta(days=7)).nudges == 1
    assert _tick(guard, opened + timedelta(days=8)).nudges == 0, "once per quiet spell"
    guard.ctx.clock = lambda: opened + timedelta(days=9)
    CaseService(guard.ctx).set_step(case_id, owner, "verify_notice", "done")
    assert _tick(guard, opened + timedelta(days=15)).nudges == 0
    assert _tick(guard, opened + timedelta(days=16)).nudges == 1, "quiet again after a change"
    _drain(guard)
    nudges = inbox.unseen(guard, "console", "carol")
    assert len(nudges) == 2
    assert all(f"Case #{case_id} has" in text for text in nudges)
    shown = chat.one(f"/case {case_id}", user="carol")  # the nudge is kept as the case's follow-up
    assert shown.ok and "Last reminder to continue this case" in str(shown.parts)
    CaseService(guard.ctx).update(case_id, owner, status="closed")
    assert _tick(guard, opened + timedelta(days=60)).nudges == 0, "closed cases are left alone"


def test_a_slack_seller_gets_a_direct_message_once_even_if_slack_was_down(
        guard: SellerGuard, fake_slack: FakeSlack, with_settings: Callable[..., SellerGuard]) -> None:
    guard.settings = replace(guard.settings, slack_bot_token="xoxb-test", slack_api_url=fake_slack.api_url,
                             job_retry_seconds=1.0)
    guard.ctx.settings = guard.settings
    case_id = _case(guard, Owner("slack", "USELLER"), datetime(2026, 8, 1, tzinfo=UTC))
    _deadline(guard, case_id, "inventory_removal", date(2026, 10, 30))
    at = datetime(2026, 10, 30, 16, 0, tzinfo=UTC)
    assert reminders.run(guard, at).reminders == 1
    assert _fan_out(guard) == 1
    fake_slack.down = True
    guard.ctx.clock = lambda: at
    worker = for_app(guard, kinds=("notify.slack",))
    assert worker.drain() == 1
    with guard.db.read() as session:
        job = session.scalars(select(Job).where(Job.kind == "notify.slack")).one()
        session.expunge(job)
    assert job.state == "queued" and job.run_after is not None and "SlackApiError" in job.error
    fake_slack.down = False
    guard.ctx.clock = lambda: at + timedelta(seconds=2)
    assert for_app(guard, kinds=("notify.slack",)).drain() == 1
    posts = fake_slack.of("chat.postMessage")
    assert len(posts) == 1 and posts[0].params["channel"] == "DUSELLER"
    assert f"case #{case_id}" in posts[0].params["text"]
    # the same job run again (its worker died before finishing) sends nothing twice
    runner = for_app(guard).runners["notify.slack"]
    runner(dict(job.payload))
    assert len(fake_slack.of("chat.postMessage")) == 1


def test_slack_429s_are_waited_out(guard: SellerGuard, fake_slack: FakeSlack) -> None:
    from chatbot.adapters.slack import new_client

    fake_slack.rate_limited["chat.postMessage"] = 2
    client = new_client("xoxb-test", fake_slack.api_url)
    assert client.chat_postMessage(channel="C1", text="hi")["ok"] is True
    assert len(fake_slack.of("chat.postMessage")) == 1  # the two 429s were retried


def test_reminders_cli_shows_and_marks(guard: SellerGuard, run_cli: Callable[..., Any]) -> None:
    case_id = _case(guard, Owner("console", "dave"), datetime(2026, 8, 1, tzinfo=UTC))
    _deadline(guard, case_id, "inventory_removal", date(2026, 10, 30))
    reminders.run(guard, datetime(2026, 10, 30, 16, 0, tzinfo=UTC))
    _drain(guard)
    shown = run_cli("reminders", "--user", "dave")
    assert shown.returncode == 0 and "While you were away" in shown.stdout and f"#{case_id}" in shown.stdout
    assert "No reminders waiting" in run_cli("reminders", "--user", "dave").stdout


def test_reminders_cli_works_out_due_reminders_itself(guard: SellerGuard,
                                                      run_cli: Callable[..., Any]) -> None:
    """No clock or worker ran: `sellerguard reminders`, like `chat`, works out what came due."""
    case_id = _case(guard, Owner("console", "erin"), datetime(2026, 8, 1, tzinfo=UTC))
    _deadline(guard, case_id, "inventory_removal", date(2026, 10, 30))
    shown = run_cli("reminders", "--user", "erin")
    assert shown.returncode == 0 and f"#{case_id}" in shown.stdout, shown.stdout
    assert "No reminders waiting" in run_cli("reminders", "--user", "erin").stdout


def test_a_sellers_lang_choice_wins_over_the_cases_language(guard: SellerGuard) -> None:
    from chatbot.conversation import Incoming

    case_id = _case(guard, Owner("console", "frank"), datetime(2026, 8, 1, tzinfo=UTC), lang="en")
    guard.handle(Incoming(platform="console", user="frank", text="/lang zh"))
    _deadline(guard, case_id, "inventory_removal", date(2026, 10, 30))
    _tick(guard, datetime(2026, 10, 30, 16, 0, tzinfo=UTC))
    guard.ctx.clock = lambda: datetime(2026, 10, 30, 16, 1, tzinfo=UTC)
    assert _drain(guard) == 1
    texts = inbox.unseen(guard, "console", "frank")
    assert texts == [texts[0]] and texts[0].startswith(f"案件 #{case_id} 提醒")
    assert inbox.away_lang(guard, "console", "frank", texts) == "zh-Hans"


def test_without_a_choice_the_heading_speaks_the_reminders_language(guard: SellerGuard) -> None:
    case_id = _case(guard, Owner("console", "gina"), datetime(2026, 8, 1, tzinfo=UTC), lang="zh-Hant")
    _deadline(guard, case_id, "inventory_removal", date(2026, 10, 30))
    _tick(guard, datetime(2026, 10, 30, 16, 0, tzinfo=UTC))
    guard.ctx.clock = lambda: datetime(2026, 10, 30, 16, 1, tzinfo=UTC)
    _drain(guard)
    texts = inbox.unseen(guard, "console", "gina")
    assert len(texts) == 1 and inbox.away_lang(guard, "console", "gina", texts) == "zh-Hant"


def test_a_deadline_already_past_is_not_announced_as_ahead() -> None:
    from chatbot.schedule.messages import DeadlineMessage

    message = DeadlineMessage(7, "inventory_removal", date(2024, 6, 10), "en", {"from": "2024-03-12"})
    assert "Resolve or appeal before then" in message.text(today=date(2024, 6, 10))
    late = message.text(today=date(2026, 12, 1))
    assert "2024-06-10" in late and "already passed" in late and "before then" not in late
    later = date(2026, 1, 1)
    assert "已经过去" in DeadlineMessage(7, "apex_response", date(2024, 6, 10), "zh-Hans").text(later)
    assert "already passed" in DeadlineMessage(7, "made_up_kind", date(2024, 6, 10), "en").text(later)
