"""Slack conversations as Slack really sends them: recorded payloads (tests/fixtures/slack/)
replayed over signed HTTP against the real app and the local stand-in for Slack. Each test
asserts where the answer went (channel, thread), who could see it, and how many Web API calls
it took."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

pytest.register_assert_rewrite("tests.slack_fake", "tests.slack_replay")

from chatbot.adapters import slack_answers  # noqa: E402
from chatbot.adapters.models import SlackAnswer  # noqa: E402
from tests.slack_fake import Call  # noqa: E402
from tests.slack_replay import Replay, all_fixtures  # noqa: E402

pytest_plugins = ["tests.slack_fake", "tests.slack_replay"]


def _texts(call: Call) -> str:
    return json.dumps(call.params, ensure_ascii=False)


# -- an edit is not a new message ------------------------------------------------------------------
def test_edited_mention_updates_its_answer_only_when_its_meaning_changed(replay: Replay) -> None:
    replay.send("app_mention")
    replay.send("app_mention", event_id="Ev0MENTION01")  # Slack's retry: nothing more
    assert replay.calls() == ["chat.postMessage"]
    answer = replay.fake.of("chat.postMessage")[0]
    assert answer.params["channel"] == "C0GENERAL"
    assert answer.params["thread_ts"] == "1700001000.000100"
    assert "shop-one.com" in _texts(answer)

    # Same words, new event_id, `edited` set (spacing and case changed): not a new question.
    replay.send("app_mention_edited_same_meaning")
    assert replay.calls() == ["chat.postMessage"]

    # The URL corrected: the earlier answer is updated in place; nothing new is posted.
    replay.send("app_mention_edited_new_url")
    replay.send("message_changed_channel_mention")  # the same edit, as message.channels sends it
    assert replay.calls() == ["chat.postMessage", "chat.update"]
    update = replay.fake.of("chat.update")[0]
    assert update.params["channel"] == "C0GENERAL"
    assert update.params["ts"] == answer.response["ts"]
    assert "shop-two.com" in _texts(update) and "shop-one.com" not in _texts(update)

    # Edited back to the first URL: the answer follows again.
    replay.send("app_mention_edited_same_meaning", event_id="Ev0MENTION04")
    assert replay.calls() == ["chat.postMessage", "chat.update", "chat.update"]
    back = replay.fake.of("chat.update")[1]
    assert back.params["ts"] == answer.response["ts"] and "shop-one.com" in _texts(back)


def test_edits_in_the_bots_dm(replay: Replay) -> None:
    replay.send("message_im")
    assert replay.calls() == ["chat.postMessage"]
    answer = replay.fake.of("chat.postMessage")[0]
    assert answer.params["channel"] == "DUALICE" and "thread_ts" not in answer.params

    # Slack re-sends the message when a reply is counted, and our own update comes back too.
    replay.send("message_changed_im_reply_count")
    replay.send("message_changed_im_bot_answer")
    assert replay.calls() == ["chat.postMessage"]

    replay.send("message_changed_im_new_url")
    assert replay.calls() == ["chat.postMessage", "chat.update"]
    update = replay.fake.of("chat.update")[0]
    assert (update.params["channel"], update.params["ts"]) == ("DUALICE", answer.response["ts"])
    assert "shop-two.com" in _texts(update)

    replay.send("message_deleted_im")  # deleting the question is not a question
    assert replay.calls() == ["chat.postMessage", "chat.update"]


# -- where an answer goes ----------------------------------------------------------------------------
def test_button_on_an_ephemeral_message_in_a_thread_stays_in_the_thread_and_private(replay: Replay) -> None:
    replay.send("block_actions_ephemeral_in_thread")
    assert replay.calls() == ["webhook", "chat.postEphemeral"]
    first = replay.fake.of("webhook")[0]
    assert first.params["replace_original"] is True  # the ephemeral message turns into the case
    assert first.params.get("response_type") != "in_channel"
    question = replay.fake.of("chat.postEphemeral")[0]
    assert question.params["channel"] == "C0GENERAL"
    assert question.params["user"] == "UALICE"
    assert question.params["thread_ts"] == "1700005000.000100"  # from container.thread_ts
    assert not replay.fake.of("chat.postMessage")


def test_button_on_a_message_in_a_thread_answers_in_that_thread(replay: Replay) -> None:
    replay.send("block_actions_message_in_thread")
    assert replay.calls() == ["chat.update", "chat.postMessage"]
    update = replay.fake.of("chat.update")[0]
    assert (update.params["channel"], update.params["ts"]) == ("C0GENERAL", "1700006001.000200")
    question = replay.fake.of("chat.postMessage")[0]
    assert question.params["thread_ts"] == "1700006000.000100"


def test_button_in_app_home_redraws_app_home(replay: Replay) -> None:
    replay.send("block_actions_home_view")
    calls = replay.calls()
    assert calls and set(calls) == {"views.publish"}
    assert replay.fake.of("views.publish")[0].params["user_id"] == "UALICE"


def test_notice_without_text_answers_in_one_thread(replay: Replay) -> None:
    replay.send("command_notice_empty_channel")
    assert replay.calls() == ["chat.postMessage", "chat.postMessage"]
    case, question = replay.fake.of("chat.postMessage")
    assert case.params["channel"] == question.params["channel"] == "C0GENERAL"
    assert "thread_ts" not in case.params  # the case opens the thread...
    assert question.params["thread_ts"] == case.response["ts"]  # ...and the question goes in it


def test_notice_in_a_channel_the_bot_may_not_post_in_falls_back_to_the_webhook(replay: Replay) -> None:
    replay.fake.errors[("chat.postMessage", "C0GENERAL")] = "not_in_channel"
    replay.send("command_notice_empty_channel")
    hooks = replay.fake.of("webhook")
    assert [h.params["response_type"] for h in hooks] == ["in_channel", "in_channel"]


# -- private stays private -------------------------------------------------------------------------
def test_help_in_a_dm_between_two_people_is_shown_only_to_the_asker(replay: Replay) -> None:
    replay.send("command_help_in_dm_between_people")
    assert replay.calls() == ["conversations.open", "webhook"]
    assert replay.fake.of("webhook")[0].params["response_type"] == "ephemeral"


def test_help_in_a_group_dm_is_shown_only_to_the_asker(replay: Replay) -> None:
    replay.send("command_help_in_group_dm")
    assert replay.calls() == ["webhook"]
    assert replay.fake.of("webhook")[0].params["response_type"] == "ephemeral"


def test_help_in_the_bots_own_dm_is_a_plain_answer(replay: Replay) -> None:
    replay.send("command_help_in_bot_dm")
    replay.send("command_help_in_bot_dm", trigger_id="1700001000.9.second")
    assert replay.calls() == ["conversations.open", "webhook", "webhook"]  # the DM id is cached
    assert all(h.params["response_type"] == "in_channel" for h in replay.fake.of("webhook"))


# -- words that work in Slack ----------------------------------------------------------------------
def test_help_on_slack_names_only_commands_slack_has(replay: Replay) -> None:
    replay.send("command_help_in_dm_between_people")
    text = _texts(replay.fake.of("webhook")[0])
    assert "/sellerguard case" in text and "/sellerguard lang" in text and "/checksite" in text
    for missing in ("/case ", "/letter ", "/link ", "/lang ", "/help"):
        assert missing not in text.replace("/sellerguard ", "<umbrella>"), missing


# -- messages that are not text, and a bare mention ------------------------------------------------
@pytest.mark.parametrize(("fixture", "expected"), [
    ("message_im_file_share_html", "/checksite"),
    ("message_im_file_share_image", "your own photos"),
    ("message_im_file_share_pdf", "read text"),
])
def test_a_file_without_text_is_answered_with_what_the_bot_can_do(
        replay: Replay, fixture: str, expected: str) -> None:
    replay.send(fixture)
    assert replay.calls() == ["chat.postMessage"]
    answer = replay.fake.of("chat.postMessage")[0]
    assert answer.params["channel"] == "DUALICE" and "thread_ts" not in answer.params
    assert expected in _texts(answer) and "empty" not in _texts(answer)


def test_a_bare_mention_gets_a_greeting_with_the_commands(replay: Replay) -> None:
    replay.send("message_channels_bare_mention")  # the same words via message.channels: no second
    replay.send("app_mention_bare")
    assert replay.calls() == ["chat.postMessage"]
    answer = replay.fake.of("chat.postMessage")[0]
    assert answer.params["thread_ts"] == "1700004000.000100"
    assert "SellerGuard" in answer.params["text"] and "/checksite" in _texts(answer)
    assert "empty" not in _texts(answer)


# -- org-wide installs and shared channels ---------------------------------------------------------
@pytest.mark.parametrize(("fixture", "channel", "ts"), [
    ("app_mention_enterprise_grid", "C0GRIDCHAN", "1700008000.000100"),
    ("app_mention_slack_connect", "C0SHARED01", "1700009000.000100"),
])
def test_mentions_from_grid_and_shared_channels_are_answered_in_their_thread(
        replay: Replay, fixture: str, channel: str, ts: str) -> None:
    replay.send(fixture)
    assert replay.calls() == ["chat.postMessage"]
    answer = replay.fake.of("chat.postMessage")[0]
    assert (answer.params["channel"], answer.params["thread_ts"]) == (channel, ts)


# -- what the manifest subscribes to, and what it does not ---------------------------------------
def test_uninstalling_forgets_the_workspace(replay: Replay) -> None:
    replay.send("message_im")
    db = replay.rig.adapter.guard.db
    assert slack_answers.find(db, "DUALICE", "1700002000.000100") is not None
    replay.fake.clear()
    replay.send("tokens_revoked_user_only")  # a user's token: the bot keeps what it knows
    assert slack_answers.find(db, "DUALICE", "1700002000.000100") is not None
    replay.send("app_uninstalled")
    assert slack_answers.find(db, "DUALICE", "1700002000.000100") is None
    assert replay.calls() == []


def test_revoked_bot_token_forgets_the_workspace(replay: Replay) -> None:
    replay.send("message_im")
    replay.send("tokens_revoked_bot")
    with replay.rig.adapter.guard.db.session() as session:
        assert session.query(SlackAnswer).count() == 0


@pytest.mark.parametrize("fixture", [
    "reaction_added_unsubscribed", "member_joined_channel_unsubscribed", "message_channels_join",
    "message_groups", "message_mpim",
])
def test_events_with_nothing_to_answer_are_acknowledged_and_left_alone(replay: Replay, fixture: str) -> None:
    response = replay.send(fixture)
    assert response.status_code == 200
    assert replay.calls() == []


def _subscribed_event_types(event: str) -> str:
    return "message" if event.startswith("message.") else event


def test_every_subscribed_event_has_a_recorded_payload() -> None:
    manifest = yaml.safe_load((Path(__file__).parent.parent / "manifest.yml").read_text(encoding="utf-8"))
    subscribed = manifest["settings"]["event_subscriptions"]["bot_events"]
    assert "app_uninstalled" in subscribed and "tokens_revoked" in subscribed
    recorded = [f["body"]["event"] for f in all_fixtures().values() if f["transport"] == "events"]
    for event in subscribed:
        kind = _subscribed_event_types(event)
        channel_type = {"message.channels": "channel", "message.groups": "group", "message.im": "im",
                        "message.mpim": "mpim"}.get(event)
        assert any(e["type"] == kind and (channel_type is None or e.get("channel_type") == channel_type)
                   for e in recorded), event
    unsubscribed = {e["type"] for e in recorded} - {_subscribed_event_types(e) for e in subscribed}
    assert unsubscribed, "a payload of an event the app does not subscribe to is replayed too"


# -- language on Slack -----------------------------------------------------------------------------
@pytest.mark.parametrize("fixture", ["app_mention", "message_im", "command_help_in_bot_dm",
                                     "block_actions_message_in_thread"])
def test_the_users_slack_locale_travels_on_the_message(replay: Replay, fixture: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    guard = replay.rig.adapter.guard
    seen = []
    handle = guard.handle
    monkeypatch.setattr(guard, "handle", lambda msg, **kw: seen.append(msg) or handle(msg, **kw))
    replay.fake.locales["UALICE"] = "zh-TW"
    replay.send(fixture)
    assert [msg.locale for msg in seen] == ["zh-TW"]


def test_button_in_a_modal_shows_the_result_in_that_modal(replay: Replay) -> None:
    replay.send("block_actions_in_modal")
    assert replay.calls() == ["views.update"]
    update = replay.fake.of("views.update")[0]
    assert update.params["view_id"] == "V0MODAL001" and update.params["hash"] == "1700012000.xyz"
    assert update.params["view"]["type"] == "modal"


@pytest.mark.parametrize(("fixture", "channel", "thread"), [
    ("app_mention_in_thread", "C0GENERAL", "1700013000.000100"),
    ("message_im_in_thread", "DUALICE", "1700013100.000100"),
])
def test_a_question_asked_in_a_thread_is_answered_in_that_thread(
        replay: Replay, fixture: str, channel: str, thread: str) -> None:
    replay.send(fixture)
    assert replay.calls() == ["chat.postMessage"]
    answer = replay.fake.of("chat.postMessage")[0]
    assert (answer.params["channel"], answer.params["thread_ts"]) == (channel, thread)


def test_button_in_a_dm_between_two_people_answers_through_its_webhook(replay: Replay) -> None:
    # The message came through a slash command's webhook; the bot is no member of that DM.
    for method in ("chat.update", "chat.postMessage"):
        replay.fake.errors[(method, "D0HUMANS01")] = "channel_not_found"
    replay.send("block_actions_dm_between_people")
    assert replay.calls() == ["conversations.open", "chat.update", "webhook", "chat.postMessage", "webhook"]
    first, second = replay.fake.of("webhook")
    assert first.params["replace_original"] is True
    assert second.params["replace_original"] is False and second.params["response_type"] == "in_channel"
