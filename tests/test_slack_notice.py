"""Notice help over Slack, end to end: the intent in a channel answered in a thread, a case opened
with a button, and its checklist updated in place as the seller works through it."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytest.register_assert_rewrite("tests.slack_fake")  # it is also loaded as a plugin below

from tests.slack_fake import SlackRig, button_payload  # noqa: E402

pytest_plugins = ["tests.slack_fake"]


def _buttons(blocks: list[dict[str, Any]], prefix: str) -> list[dict[str, Any]]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]
            if e["action_id"].startswith(prefix)]


def test_notice_intent_in_a_channel_is_answered_in_a_thread(slack: SlackRig) -> None:
    ts = "1700020000.000100"
    slack.event({"type": "message", "channel_type": "channel", "user": "UALICE", "channel": "C0SELLERS",
                 "text": "I got an infringement notice from Amazon on my best seller", "ts": ts})
    posted = slack.fake.wait_for("chat.postMessage")[0]
    assert posted.params["channel"] == "C0SELLERS" and posted.params["thread_ts"] == ts
    assert _buttons(posted.params["blocks"], "case.open")


def test_traditional_chinese_notice_is_answered_in_traditional(slack: SlackRig) -> None:
    slack.event({"type": "message", "channel_type": "channel", "user": "UCHEN", "channel": "C0SELLERS",
                 "text": "收到侵權警告了，怎麼辦", "ts": "1700020100.000100"})
    posted = slack.fake.wait_for("chat.postMessage")[0]
    text = posted.params["text"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in text)
    assert "别" not in text and "删" not in text  # Simplified-only characters would betray a miss


def test_case_checklist_is_updated_in_place(slack: SlackRig) -> None:
    fake = slack.fake
    slack.event({"type": "message", "channel_type": "im", "user": "UALICE", "channel": "DALICE",
                 "text": "/notice", "ts": "1700020200.000100"})
    opened = fake.wait_for("chat.postMessage")[0]
    done = _buttons(opened.params["blocks"], "case.done")[0]
    assert done["value"]
    fake.clear()
    slack.interaction(button_payload(done["action_id"], done["value"], user="UALICE", channel="DALICE",
                                     message_ts=opened.response["ts"]))
    updated = fake.wait_for("chat.update")[0]
    assert updated.params["channel"] == "DALICE" and updated.params["ts"] == opened.response["ts"]
    assert ":white_check_mark:" in json.dumps(updated.params["blocks"])
    assert fake.of("chat.postEphemeral") == []


def test_open_case_button_replaces_the_offer(slack: SlackRig) -> None:
    fake = slack.fake
    ts = "1700020300.000100"
    slack.event({"type": "message", "channel_type": "channel", "user": "UALICE", "channel": "C0SELLERS",
                 "text": "got an IP complaint on my listing", "ts": ts})
    offer = fake.wait_for("chat.postMessage")[0]
    open_button = _buttons(offer.params["blocks"], "case.open")[0]
    fake.clear()
    slack.interaction(button_payload(open_button["action_id"], open_button["value"], user="UALICE",
                                     channel="C0SELLERS", message_ts=offer.response["ts"]))
    updated = fake.wait_for("chat.update")[0]
    assert updated.params["ts"] == offer.response["ts"]
    assert _buttons(updated.params["blocks"], "case.done")  # the checklist took the offer's place


def test_another_member_cannot_work_on_someone_elses_case(slack: SlackRig) -> None:
    fake = slack.fake
    slack.event({"type": "message", "channel_type": "channel", "user": "UALICE", "channel": "C0SELLERS",
                 "text": "/notice", "ts": "1700020400.000100"})
    opened = fake.wait_for("chat.postMessage")[0]
    done = _buttons(opened.params["blocks"], "case.done")[0]
    fake.clear()
    slack.interaction(button_payload(done["action_id"], done["value"], user="UMALLORY", channel="C0SELLERS",
                                     message_ts=opened.response["ts"]))
    sent = fake.wait_for("chat.postEphemeral")
    everything = json.dumps([call.params for call in sent + fake.of("chat.update")], ensure_ascii=False)
    assert "can't find case" in everything and ":white_check_mark:" not in everything
