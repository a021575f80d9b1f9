"""Reports and moderation over Slack, end to end with the real blocklist handlers."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytest.register_assert_rewrite("tests.slack_fake")  # it is also loaded as a plugin below

from tests.slack_fake import SlackRig, button_payload  # noqa: E402

pytest_plugins = ["tests.slack_fake"]


def _submission(values: dict[str, str], *, user: str = "UALICE", lang: str = "en") -> dict[str, Any]:
    state: dict[str, Any] = {}
    for field, value in values.items():
        if field == "category":
            state[field] = {"value": {"type": "static_select", "selected_option": {"value": value}}}
        else:
            state[field] = {"value": {"type": "plain_text_input", "value": value}}
    return {"type": "view_submission", "user": {"id": user},
            "view": {"id": "VREPORT", "type": "modal", "callback_id": "report_site", "hash": "h1",
                     "private_metadata": json.dumps({"lang": lang}), "state": {"values": state}}}


REPORT = {"url": "https://copycat-lamps.shop/products/lamp", "category": "fake-complaint",
          "reason": "Filed a copyright complaint using my own product photos",
          "complaint_id": "", "rights_owner_email": "", "links": "", "notes": ""}


def _buttons(blocks: list[dict[str, Any]], prefix: str) -> list[dict[str, Any]]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]
            if e["action_id"].startswith(prefix)]


def test_report_modal_files_a_report_and_shows_the_receipt(slack: SlackRig) -> None:
    answer = slack.interaction(_submission(REPORT)).json()
    assert answer["response_action"] == "update"
    assert "copycat-lamps.shop" in json.dumps(answer["view"])
    # the moderator now sees it in the queue
    slack.command("/blocklist", "queue", user="UMOD")
    queue = slack.fake.wait_for("webhook")[0]
    assert queue.params["response_type"] == "ephemeral"
    assert "copycat-lamps.shop" in json.dumps(queue.params["blocks"])
    assert _buttons(queue.params["blocks"], "bl.approve")


def test_report_modal_shows_the_handlers_field_errors(slack: SlackRig) -> None:
    answer = slack.interaction(_submission({**REPORT, "complaint_id": "not an id!!"})).json()
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == ["complaint_id"]
    answer = slack.interaction(_submission({**REPORT, "links": "https://evidence.shop\nnot a link"})).json()
    assert answer["response_action"] == "errors" and list(answer["errors"]) == ["links"]


def test_report_modal_in_chinese(slack: SlackRig) -> None:
    answer = slack.interaction(_submission({**REPORT, "reason": "用我的图片投诉我"}, lang="zh-Hans")).json()
    assert answer["response_action"] == "update"
    assert answer["view"]["title"]["text"] == "举报已提交"


def test_moderation_from_the_queue(slack: SlackRig) -> None:
    fake = slack.fake
    slack.command("/report", "https://copycat-lamps.shop fake-complaint used my photos", user="UALICE")
    receipt = fake.wait_for("webhook")[0]
    assert "copycat-lamps.shop" in receipt.params["text"]
    fake.clear()
    slack.command("/blocklist", "queue", user="UMOD")
    queue = fake.wait_for("webhook")[0]
    approve = _buttons(queue.params["blocks"], "bl.approve")[0]
    fake.clear()
    # someone who is not a moderator presses it (the message was forwarded, or a stale view)
    slack.interaction(button_payload(approve["action_id"], approve["value"], user="UMALLORY",
                                     ephemeral=True, response_url=fake.webhook_url("mallory")))
    refusal = fake.wait_for("webhook")[0]
    assert refusal.params["replace_original"] is False and "Only moderators" in refusal.params["text"]
    fake.clear()
    # the moderator approves: the queue message is replaced in place with the outcome
    slack.interaction(button_payload(approve["action_id"], approve["value"], user="UMOD",
                                     ephemeral=True, response_url=fake.webhook_url("mod")))
    outcome = fake.wait_for("webhook")[0]
    assert outcome.params["replace_original"] is True
    assert "copycat-lamps.shop" in outcome.params["text"]
    slack.command("/blocklist", "check copycat-lamps.shop", user="UBOB")
    check = fake.wait_for("webhook", 2)[1]
    assert check.params["response_type"] == "in_channel"  # a lookup the channel may see


def test_moderation_on_a_channel_message_uses_chat_update(slack: SlackRig) -> None:
    slack.command("/report", "https://copycat-lamps.shop copycat-store cloned my store", user="UALICE")
    slack.fake.wait_for("webhook")
    slack.event({"type": "app_home_opened", "user": "UMOD", "tab": "home", "channel": "DMOD"})
    home = slack.fake.wait_for("views.publish")[0].params["view"]
    approve = _buttons(home["blocks"], "bl.approve")[0]
    slack.interaction(button_payload(approve["action_id"], approve["value"], user="UMOD",
                                     channel="C0MODS", message_ts="1700000050.000100"))
    updated = slack.fake.wait_for("chat.update")[0]
    assert updated.params["channel"] == "C0MODS" and updated.params["ts"] == "1700000050.000100"
    assert "copycat-lamps.shop" in updated.params["text"]


def test_approving_from_app_home_redraws_it(slack: SlackRig) -> None:
    slack.command("/report", "https://copycat-lamps.shop scam-email extortion", user="UALICE")
    slack.fake.wait_for("webhook")
    slack.event({"type": "app_home_opened", "user": "UMOD", "tab": "home", "channel": "DMOD"})
    home = slack.fake.wait_for("views.publish")[0].params["view"]
    approve = _buttons(home["blocks"], "bl.approve")[0]
    slack.interaction(button_payload(approve["action_id"], approve["value"], user="UMOD", in_home=True))
    redrawn = slack.fake.wait_for("views.publish", 2)[1].params["view"]
    text = json.dumps(redrawn)
    assert "Result of your last action" in text
    assert not _buttons(redrawn["blocks"], "bl.approve")  # the queue is empty now


def test_group_moderator_typing_a_command_in_a_dm(start_slack: Any) -> None:
    rig = start_slack(slack_moderator_group="S0MODS")
    rig.fake.usergroups["S0MODS"] = ["UGRACE"]
    rig.command("/report", "https://copycat-lamps.shop copycat-store cloned my store", user="UALICE")
    rig.fake.wait_for("webhook")
    rig.event({"type": "message", "channel_type": "im", "user": "UGRACE", "channel": "DGRACE",
               "text": "黑名单 queue", "ts": "1700030000.000100"})
    posted = rig.fake.wait_for("chat.postMessage")[0]
    assert posted.params["channel"] == "DGRACE"
    assert _buttons(posted.params["blocks"], "bl.approve")  # the queue, not a refusal
