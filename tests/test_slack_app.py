"""The Slack app end to end: signed requests in, Web API calls out (against the local fake)."""

from __future__ import annotations

import json
import time
import urllib.parse

import pytest

pytest.register_assert_rewrite("tests.slack_fake")  # it is also loaded as a plugin below

from tests.slack_fake import (  # noqa: E402
    Call,
    FakeSlack,
    SlackRig,
    button_payload,
)

pytest_plugins = ["tests.slack_fake"]


def _texts(call: Call) -> str:
    """Every piece of text in a posted message or view, for content assertions."""
    return json.dumps(call.params, ensure_ascii=False)


# -- slash commands --------------------------------------------------------------------------------
def test_slash_command_acks_at_once_and_answers_through_response_url(slack: SlackRig) -> None:
    response = slack.command("/sellerguard", "help")
    assert response.status_code == 200
    assert response.text == ""  # the ack carries nothing; the answer comes through the webhook
    hook = slack.fake.wait_for("webhook")[0]
    assert hook.params["response_type"] == "ephemeral"  # help concerns the asker alone
    assert hook.params["blocks"][0]["type"] == "header"
    assert "/checksite" in _texts(hook)


def test_slack_locale_picks_the_language(slack: SlackRig) -> None:
    slack.fake.locales["UWANG"] = "zh-CN"
    slack.command("/sellerguard", "help", user="UWANG")
    hook = slack.fake.wait_for("webhook")[0]
    assert "命令" in hook.params["blocks"][0]["text"]["text"]
    info = slack.fake.of("users.info")
    assert info and info[0].params["include_locale"] in ("true", "1", True)


def test_locale_is_cached_between_requests(slack: SlackRig) -> None:
    slack.fake.locales["UCHEN"] = "zh-TW"
    slack.command("/sellerguard", "help", user="UCHEN")
    slack.fake.wait_for("webhook")
    slack.command("/sellerguard", "help", user="UCHEN")
    hooks = slack.fake.wait_for("webhook", 2)
    assert all("命令" in h.params["blocks"][0]["text"]["text"] for h in hooks)
    assert len([c for c in slack.fake.of("users.info") if c.params.get("user") == "UCHEN"]) == 1


def test_message_language_beats_locale(slack: SlackRig) -> None:
    slack.fake.locales["ULI"] = "en-US"
    slack.event({"type": "message", "channel_type": "im", "user": "ULI", "text": "帮助",
                 "channel": "DLI", "ts": "1700000400.000100"})
    posted = slack.fake.wait_for("chat.postMessage")[0]
    assert "命令" in _texts(posted)


def test_saved_preference_is_used_for_buttons(slack: SlackRig) -> None:
    slack.command("/lang", "zh")
    first = slack.fake.wait_for("webhook")[0]
    assert first.params["response_type"] == "ephemeral"
    slack.interaction(button_payload("bl.approve", "1", user="UALICE"))
    refusal = slack.fake.wait_for("chat.postEphemeral")[0]
    assert "管理员" in _texts(refusal)


def test_unknown_slash_command_is_answered_privately(slack: SlackRig) -> None:
    slack.command("/nonsense", "x")
    hook = slack.fake.wait_for("webhook")[0]
    assert hook.params["response_type"] == "ephemeral"
    assert "/nonsense" in hook.params["text"]


# -- messages, mentions and DMs --------------------------------------------------------------------
def test_mention_in_channel_is_a_command_answered_in_a_thread(slack: SlackRig) -> None:
    ts = "1700000500.000100"
    mention = {"type": "app_mention", "user": "UALICE", "text": "<@UBOT> help", "channel": "C0GENERAL",
               "ts": ts}
    # Slack sends the same words twice (app_mention and message.channels): one answer only.
    slack.event({**mention, "type": "message", "channel_type": "channel"})
    slack.event(mention)
    posted = slack.fake.wait_for("chat.postMessage")[0]
    assert posted.params["channel"] == "C0GENERAL"
    assert posted.params["thread_ts"] == ts
    assert "/checksite" in _texts(posted)
    time.sleep(0.4)
    assert len(slack.fake.of("chat.postMessage")) == 1


def test_direct_message_is_answered_in_the_dm(slack: SlackRig) -> None:
    slack.event({"type": "message", "channel_type": "im", "user": "UALICE", "text": "help",
                 "channel": "DALICE", "ts": "1700000600.000100"})
    posted = slack.fake.wait_for("chat.postMessage")[0]
    assert posted.params["channel"] == "DALICE"
    assert "thread_ts" not in posted.params


def test_ambient_chatter_in_channel_gets_no_answer(slack: SlackRig) -> None:
    slack.event({"type": "message", "channel_type": "channel", "user": "UALICE",
                 "text": "the notice board is full again", "channel": "C0GENERAL",
                 "ts": "1700000700.000100"})
    # a DM afterwards proves the app was listening; the chatter before it got nothing
    slack.event({"type": "message", "channel_type": "im", "user": "UALICE", "text": "help",
                 "channel": "DALICE", "ts": "1700000701.000100"})
    posted = slack.fake.wait_for("chat.postMessage")
    time.sleep(0.3)
    assert [c.params["channel"] for c in slack.fake.of("chat.postMessage")] == ["DALICE"]
    assert posted


def test_bot_messages_and_edits_are_ignored(slack: SlackRig) -> None:
    slack.event({"type": "message", "channel_type": "im", "bot_id": "BOTHER", "user": "UOTHER",
                 "text": "help", "channel": "DALICE", "ts": "1700000800.000100"})
    slack.event({"type": "message", "subtype": "message_changed", "channel_type": "im",
                 "channel": "DALICE", "ts": "1700000801.000100",
                 "message": {"text": "help", "user": "UBOT", "bot_id": "BBOT", "ts": "1700000700.000100",
                             "edited": {"user": "UBOT", "ts": "1700000801.000000"}}})
    slack.event({"type": "message", "channel_type": "im", "user": "UALICE", "text": "/lang en",
                 "channel": "DALICE", "ts": "1700000802.000100"})
    slack.fake.wait_for("chat.postMessage")
    time.sleep(0.3)
    assert len(slack.fake.of("chat.postMessage")) == 1


def test_slack_link_markup_is_unwrapped_before_handling(slack: SlackRig) -> None:
    slack.event({"type": "message", "channel_type": "im", "user": "UALICE",
                 "text": "/frobnicate <https://shop.example/p?a=1&amp;b=2|shop.example>",
                 "channel": "DALICE", "ts": "1700000900.000100"})
    posted = slack.fake.wait_for("chat.postMessage")[0]
    assert "/frobnicate" in posted.params["text"]


# -- buttons ---------------------------------------------------------------------------------------
def test_moderator_action_by_non_moderator_is_refused_privately(slack: SlackRig) -> None:
    response = slack.interaction(button_payload("bl.approve", "42", user="UMALLORY"))
    assert response.status_code == 200
    refusal = slack.fake.wait_for("chat.postEphemeral")[0]
    assert refusal.params["user"] == "UMALLORY"
    assert "Only moderators" in refusal.params["text"]
    time.sleep(0.3)
    assert slack.fake.of("chat.update") == []  # the queue message is left as it was


def test_moderator_from_user_group_is_not_refused(start_slack, fake_slack: FakeSlack) -> None:
    fake_slack.usergroups["S0MODS"] = ["UGRACE"]
    rig = start_slack(slack_moderator_group="S0MODS")
    rig.interaction(button_payload("bl.approve", "42", user="UGRACE"))
    fake_slack.wait_for("usergroups.users.list")
    replies = fake_slack.wait_for("chat.postEphemeral") + fake_slack.of("chat.update")
    assert "Only moderators" not in json.dumps([c.params for c in replies])
    # the group's members are cached for a minute: the next action does not ask again…
    seconds = [0.0]
    rig.adapter.groups.now = lambda: seconds[0]
    rig.adapter.groups.forget("S0MODS")
    fake_slack.usergroups["S0MODS"] = []
    rig.interaction(button_payload("bl.approve", "43", user="UGRACE", message_ts="1700000001.000200"))
    fake_slack.wait_for("chat.postEphemeral", 2)
    asked = len(fake_slack.of("usergroups.users.list"))
    rig.interaction(button_payload("bl.approve", "44", user="UGRACE", message_ts="1700000001.000300"))
    second = fake_slack.wait_for("chat.postEphemeral", 3)[-1]
    assert "Only moderators" in second.params["text"]  # the removal was seen on the first ask
    assert len(fake_slack.of("usergroups.users.list")) == asked, "cached: not asked again"
    # …and a removal takes effect once the minute is over
    fake_slack.usergroups["S0MODS"] = ["UGRACE"]
    seconds[0] += 61
    rig.interaction(button_payload("bl.approve", "45", user="UGRACE", message_ts="1700000001.000400"))
    fake_slack.wait_for("usergroups.users.list", asked + 1)
    replies = fake_slack.wait_for("chat.postEphemeral", 4)
    assert "Only moderators" not in replies[-1].params["text"]


def test_button_from_ephemeral_message_answers_through_response_url(slack: SlackRig) -> None:
    hook = slack.fake.webhook_url("eph")
    slack.interaction(button_payload("bl.approve", "1", user="UMALLORY", ephemeral=True,
                                     response_url=hook))
    answer = slack.fake.wait_for("webhook")[0]
    assert answer.params["response_type"] == "ephemeral"
    assert answer.params["replace_original"] is False


def test_report_button_opens_prefilled_modal(slack: SlackRig) -> None:
    slack.interaction(button_payload("site.report", "https://copycat.example/products/lamp"))
    opened = slack.fake.wait_for("views.open")[0]
    view = opened.params["view"]
    assert view["callback_id"] == "report_site"
    url_block = next(b for b in view["blocks"] if b.get("block_id") == "url")
    assert url_block["element"]["initial_value"] == "https://copycat.example/products/lamp"
    metadata = json.loads(view["private_metadata"])
    assert metadata["channel"] == "C0GENERAL"
    assert opened.params["trigger_id"].startswith("trig.")


def test_report_shortcut_opens_modal_in_users_language(slack: SlackRig) -> None:
    slack.fake.locales["UWANG"] = "zh-CN"
    slack.interaction({"type": "shortcut", "callback_id": "report_site", "user": {"id": "UWANG"}})
    view = slack.fake.wait_for("views.open")[0].params["view"]
    assert view["title"]["text"] == "举报网站"
    category = next(b for b in view["blocks"] if b.get("block_id") == "category")
    assert [o["value"] for o in category["element"]["options"]] == [
        "fake-complaint", "copycat-store", "scam-email", "other"]


# -- the report modal ------------------------------------------------------------------------------
def _submission(values: dict[str, str], *, user: str = "UALICE", lang: str = "en",
                trigger_id: str = "") -> dict[str, object]:
    state: dict[str, dict[str, object]] = {}
    for field, value in values.items():
        if field == "category":
            option = {"value": value} if value else None
            state[field] = {"value": {"type": "static_select", "selected_option": option}}
        else:
            state[field] = {"value": {"type": "plain_text_input", "value": value or None}}
    payload: dict[str, object] = {
        "type": "view_submission", "user": {"id": user},
        "view": {"id": "VREPORT", "type": "modal", "callback_id": "report_site", "hash": "h1",
                 "private_metadata": json.dumps({"lang": lang, "channel": "C0GENERAL"}),
                 "state": {"values": state}},
    }
    if trigger_id:
        payload["trigger_id"] = trigger_id
    return payload


def test_modal_shows_missing_fields_inside_the_modal(slack: SlackRig) -> None:
    response = slack.interaction(_submission({"url": "", "category": "", "reason": ""}))
    assert response.status_code == 200
    answer = response.json()
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"url", "category", "reason"}


def test_modal_errors_in_chinese(slack: SlackRig) -> None:
    response = slack.interaction(_submission({"url": "not a site", "category": "copycat-store",
                                              "reason": "抄袭", "rights_owner_email": "nope"},
                                             lang="zh-Hans"))
    errors = response.json()["errors"]
    assert set(errors) == {"url", "rights_owner_email"}
    assert "网址" in errors["url"]


def test_handler_refusal_of_the_address_shows_on_the_url_field(slack: SlackRig) -> None:
    response = slack.interaction(_submission({
        "url": "https://copycat-lamps.example/products/lamp", "category": "fake-complaint",
        "reason": "Filed a copyright complaint with my own photos", "complaint_id": "",
        "rights_owner_email": "", "links": "", "notes": ""}))
    assert response.status_code == 200
    answer = response.json()
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == ["url"]
    assert "top-level domain" in answer["errors"]["url"]


def test_replayed_submission_is_handled_once(slack: SlackRig) -> None:
    values = {"url": "https://copycat-lamps.shop", "category": "copycat-store", "reason": "copy"}
    first = slack.interaction(_submission(values, trigger_id="trig.view.1")).json()
    again = slack.interaction(_submission(values, trigger_id="trig.view.1"))
    assert first["response_action"] == "update"
    assert again.status_code == 200
    assert again.text == ""  # acknowledged, nothing done a second time


# -- App Home --------------------------------------------------------------------------------------
def test_app_home_for_a_member(slack: SlackRig) -> None:
    slack.event({"type": "app_home_opened", "user": "UALICE", "tab": "home", "channel": "DALICE"})
    published = slack.fake.wait_for("views.publish")[0]
    assert published.params["user_id"] == "UALICE"
    view = published.params["view"]
    assert view["type"] == "home"
    text = json.dumps(view)
    assert "Your open cases" in text
    assert "Reports waiting for a moderator" not in text
    assert any(e.get("action_id") == "site.report" for b in view["blocks"] if b["type"] == "actions"
               for e in b["elements"])


def test_app_home_for_a_moderator_in_chinese(slack: SlackRig) -> None:
    slack.fake.locales["UMOD"] = "zh-CN"
    slack.event({"type": "app_home_opened", "user": "UMOD", "tab": "home", "channel": "DMOD"})
    view = slack.fake.wait_for("views.publish")[0].params["view"]
    text = json.dumps(view, ensure_ascii=False)
    assert "等待管理员审核的举报" in text
    assert "最近的审核记录" in text
    assert len(view["blocks"]) <= 100


def test_button_in_app_home_redraws_home(slack: SlackRig) -> None:
    slack.interaction(button_payload("bl.reject", "7", user="UMALLORY", in_home=True))
    view = slack.fake.wait_for("views.publish")[0].params["view"]
    assert "Only moderators" in json.dumps(view)


def test_form_encoded_response_url_is_ours(slack: SlackRig) -> None:
    """The webhook the fake records is the one named in the command (no cross-talk)."""
    hook = slack.fake.webhook_url("mine")
    body = urllib.parse.urlencode({"command": "/sellerguard", "text": "help", "user_id": "UALICE",
                                   "channel_id": "C0GENERAL", "team_id": "T0001",
                                   "response_url": hook, "trigger_id": "trig.mine"})
    assert slack.post(body, "application/x-www-form-urlencoded").status_code == 200
    answer = slack.fake.wait_for("webhook")[0]
    assert answer.path == "/webhook/mine"
