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


def test_report_modal_places_a_protected_site_refusal_on_the_address(slack: SlackRig) -> None:
    """The handler's own `data["errors"]` mapping decides the field (a refusal, not a format error)."""
    answer = slack.interaction(_submission({**REPORT, "url": "https://www.amazon.com/dp/B0TEST"})).json()
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == ["url"] and "amazon" in answer["errors"]["url"].lower()


def _reason_submission(view: dict[str, Any], reason: str, *, user: str = "UMOD") -> dict[str, Any]:
    state = {"reason": {"value": {"type": "plain_text_input", "value": reason}}}
    return {"type": "view_submission", "user": {"id": user},
            "view": {"id": "VREASON", "type": "modal", "callback_id": view["callback_id"], "hash": "h2",
                     "private_metadata": view["private_metadata"], "state": {"values": state}}}


def _queued_reject_button(slack: SlackRig, site: str) -> dict[str, Any]:
    slack.command("/report", f"https://{site} fake-complaint used my photos", user="UALICE")
    slack.fake.wait_for("webhook")
    slack.fake.clear()
    slack.command("/blocklist", "queue", user="UMOD")
    queue = slack.fake.wait_for("webhook")[0]
    slack.fake.clear()
    return _buttons(queue.params["blocks"], "bl.reject")[0]


def test_reject_asks_for_a_reason_then_replaces_the_queue_entry(slack: SlackRig) -> None:
    fake = slack.fake
    reject = _queued_reject_button(slack, "copycat-lamps.shop")
    pressed = button_payload(reject["action_id"], reject["value"], user="UMOD", ephemeral=True,
                             response_url=fake.webhook_url("mod-queue"))
    slack.interaction({**pressed, "trigger_id": "trig.reject-1"})
    opened = fake.wait_for("views.open")[0]
    assert opened.params["trigger_id"] == "trig.reject-1"
    modal = opened.params["view"]
    assert modal["callback_id"] == "reject_reason" and modal["title"]["text"] == "Reject report"
    assert [b["block_id"] for b in modal["blocks"] if b["type"] == "input"] == ["reason"]
    assert fake.of("webhook") == []  # nothing happened to the entry yet
    # an empty (or blank) reason is refused inside the modal
    answer = slack.interaction(_reason_submission(modal, "   ")).json()
    assert answer["response_action"] == "errors" and list(answer["errors"]) == ["reason"]
    slack.command("/blocklist", f"show {reject['value']}", user="UMOD")
    assert _buttons(fake.wait_for("webhook")[0].params["blocks"], "bl.reject")  # still awaiting a decision
    fake.clear()
    # a reason rejects it: the modal closes and the ephemeral queue entry is replaced in place
    answer = slack.interaction(_reason_submission(modal, "The complaint ID is genuine"))
    assert answer.status_code == 200 and answer.text == ""
    outcome = fake.wait_for("webhook", where=lambda c: c.path.endswith("/mod-queue"))[0]
    assert outcome.params["replace_original"] is True
    assert "report rejected" in outcome.params["text"] and "copycat-lamps.shop" in outcome.params["text"]
    # the reason is in the audit log, and Home's moderation log shows it without an entry id
    slack.event({"type": "app_home_opened", "user": "UMOD", "tab": "home", "channel": "DMOD"})
    home = json.dumps(fake.wait_for("views.publish")[0].params["view"], ensure_ascii=False)
    log_part = home[home.index("Recent moderation log"):]
    assert "The complaint ID is genuine" in log_part and "reject" in log_part


def test_reject_from_a_channel_message_updates_it(slack: SlackRig) -> None:
    reject = _queued_reject_button(slack, "copycat-lamps.shop")
    slack.interaction(button_payload(reject["action_id"], reject["value"], user="UMOD",
                                     channel="C0MODS", message_ts="1700000060.000100"))
    modal = slack.fake.wait_for("views.open")[0].params["view"]
    slack.interaction(_reason_submission(modal, "Not enough evidence"))
    updated = slack.fake.wait_for("chat.update")[0]
    assert updated.params["channel"] == "C0MODS" and updated.params["ts"] == "1700000060.000100"
    assert "report rejected" in updated.params["text"]
    # submitting the same reason again (a second modal on the same entry) is refused in the modal
    answer = slack.interaction(_reason_submission(modal, "Not enough evidence")).json()
    assert answer["response_action"] == "update"
    assert answer["view"]["title"]["text"] == "Not rejected"


def test_reject_from_app_home_in_chinese_redraws_home(slack: SlackRig) -> None:
    slack.fake.locales["UMOD"] = "zh-CN"
    slack.command("/report", "https://copycat-lamps.shop scam-email extortion", user="UALICE")
    slack.fake.wait_for("webhook")
    slack.event({"type": "app_home_opened", "user": "UMOD", "tab": "home", "channel": "DMOD"})
    home = slack.fake.wait_for("views.publish")[0].params["view"]
    reject = _buttons(home["blocks"], "bl.reject")[0]
    slack.interaction(button_payload(reject["action_id"], reject["value"], user="UMOD", in_home=True))
    modal = slack.fake.wait_for("views.open")[0].params["view"]
    assert modal["title"]["text"] == "驳回举报"
    answer = slack.interaction(_reason_submission(modal, "")).json()
    assert answer["errors"] == {"reason": "请填写此项。"}
    slack.interaction(_reason_submission(modal, "证据不足"))
    redrawn = slack.fake.wait_for("views.publish", 2)[1].params["view"]
    text = json.dumps(redrawn, ensure_ascii=False)
    assert "你上一步操作的结果" in text and "最近的审核记录" in text and "证据不足" in text
    assert not _buttons(redrawn["blocks"], "bl.reject")  # the queue is empty now


def test_reject_by_a_non_moderator_opens_no_modal(slack: SlackRig) -> None:
    reject = _queued_reject_button(slack, "copycat-lamps.shop")
    slack.interaction(button_payload(reject["action_id"], reject["value"], user="UMALLORY", ephemeral=True,
                                     response_url=slack.fake.webhook_url("mallory")))
    refusal = slack.fake.wait_for("webhook")[0]
    assert "Only moderators" in refusal.params["text"] and refusal.params["replace_original"] is False
    assert slack.fake.of("views.open") == []
    # a forged submission of the reason modal by a non-moderator is refused as well
    forged = {"callback_id": "reject_reason",
              "private_metadata": json.dumps({"lang": "en", "entry": reject["value"], "home": True})}
    answer = slack.interaction(_reason_submission(forged, "spite", user="UMALLORY")).json()
    assert answer["response_action"] == "update" and "Only moderators" in json.dumps(answer["view"])


def test_reject_with_answers_in_a_worker_process(start_slack: Any) -> None:
    """`sellerguard serve` hands everything after the ack to a worker; the modal still works."""
    rig = start_slack(queued=True)
    reject = _queued_reject_button(rig, "copycat-lamps.shop")
    rig.interaction(button_payload(reject["action_id"], reject["value"], user="UMOD",
                                   channel="C0MODS", message_ts="1700000070.000100"))
    modal = rig.fake.wait_for("views.open", timeout=60)[0].params["view"]
    assert rig.interaction(_reason_submission(modal, "")).json()["response_action"] == "errors"
    rig.interaction(_reason_submission(modal, "Duplicate of an earlier report"))
    updated = rig.fake.wait_for("chat.update")[0]
    assert updated.params["ts"] == "1700000070.000100" and "report rejected" in updated.params["text"]
