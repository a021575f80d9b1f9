"""Forged, stale, malformed, replayed and retried Slack deliveries against the running HTTP app."""

from __future__ import annotations

import time

import pytest

pytest.register_assert_rewrite("tests.slack_fake")  # it is also loaded as a plugin below

from tests.slack_fake import (  # noqa: E402
    FakeSlack,
    SlackRig,
    command_body,
    event_body,
    sign,
)

pytest_plugins = ["tests.slack_fake"]


def _no_replies(fake: FakeSlack) -> None:
    time.sleep(0.3)  # give a wrongly accepted request the chance to produce a call
    sent = [c.method for c in fake.calls if c.method not in ("auth.test",)]
    assert sent == [], sent


def test_forged_signature_is_refused_and_nothing_runs(slack: SlackRig) -> None:
    body = command_body("/sellerguard", "help", response_url=slack.fake.webhook_url())
    headers = sign("not-the-secret", body)
    response = slack.post(body, "application/x-www-form-urlencoded", signed=False, headers=headers)
    assert response.status_code == 401
    _no_replies(slack.fake)


def test_tampered_body_is_refused(slack: SlackRig) -> None:
    body = command_body("/sellerguard", "help", response_url=slack.fake.webhook_url())
    headers = sign(slack.secret, body)
    response = slack.post(body.replace("help", "lang+zh"), "application/x-www-form-urlencoded",
                          signed=False, headers=headers)
    assert response.status_code == 401
    _no_replies(slack.fake)


def test_stale_timestamp_is_refused(slack: SlackRig) -> None:
    response = slack.command("/sellerguard", "help", timestamp=int(time.time()) - 60 * 6)
    assert response.status_code == 401
    _no_replies(slack.fake)


@pytest.mark.parametrize("stamp", ["abc", "", "1.5e9", "١٢٣٤٥".encode(), "-17", "0x6553f100"])
def test_non_numeric_timestamp_is_401_not_500(slack: SlackRig, stamp: str | bytes) -> None:
    body = command_body("/sellerguard", "help", response_url=slack.fake.webhook_url())
    headers = {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": "v0=" + "0" * 64}
    response = slack.post(body, "application/x-www-form-urlencoded", signed=False,
                          headers=headers)  # type: ignore[arg-type]
    assert response.status_code == 401


@pytest.mark.parametrize("headers", [
    {},
    {"X-Slack-Request-Timestamp": "1700000000"},
    {"X-Slack-Signature": "v0=abc"},
    {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "sha1=abc"},
])
def test_missing_or_malformed_headers_are_401(slack: SlackRig, headers: dict[str, str]) -> None:
    body = command_body("/sellerguard", "help", response_url=slack.fake.webhook_url())
    response = slack.post(body, "application/x-www-form-urlencoded", signed=False, headers=headers)
    assert response.status_code == 401


def test_body_that_is_not_utf8_is_401(slack: SlackRig) -> None:
    body = b"payload=%7B%22type%22%3A\xff\xfe"
    stamp = str(int(time.time()))
    import hashlib
    import hmac

    digest = hmac.new(slack.secret.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256)
    headers = {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": "v0=" + digest.hexdigest()}
    response = slack.post(body, "application/x-www-form-urlencoded", signed=False, headers=headers)
    assert response.status_code == 401


def test_signed_garbage_payload_does_not_500(slack: SlackRig) -> None:
    for body, kind in (("payload=not-json", "application/x-www-form-urlencoded"),
                       ("{not json", "application/json"),
                       ("", "application/json")):
        response = slack.post(body, kind)
        assert response.status_code < 500, (body, response.status_code)


def test_event_retries_reply_once(slack: SlackRig) -> None:
    event = {"type": "app_mention", "user": "UALICE", "text": "<@UBOT> help", "channel": "C0GENERAL",
             "ts": "1700000100.000200"}
    first = slack.event(event, event_id="Ev0RETRY1")
    retries = [slack.event(event, event_id="Ev0RETRY1", retry=n) for n in (1, 2, 3)]
    assert first.status_code == 200
    assert [r.status_code for r in retries] == [200, 200, 200]
    slack.fake.wait_for("chat.postMessage")
    time.sleep(0.5)  # a second reply, if the retries leaked through, would have arrived by now
    assert len(slack.fake.of("chat.postMessage")) == 1


def test_retry_arriving_first_still_gets_its_answer(slack: SlackRig) -> None:
    """A retry after connection_failed may be the first delivery we see: it must not be dropped."""
    event = {"type": "message", "channel_type": "im", "user": "UALICE", "text": "help",
             "channel": "DALICE", "ts": "1700000200.000300"}
    assert slack.event(event, event_id="Ev0LOST", retry=1).status_code == 200
    posted = slack.fake.wait_for("chat.postMessage")
    assert posted[0].params["channel"] == "DALICE"


def test_replayed_slash_command_answers_once(slack: SlackRig) -> None:
    body = command_body("/sellerguard", "help", response_url=slack.fake.webhook_url("replay"),
                        trigger_id="trig.replayed")
    headers = sign(slack.secret, body)
    for _ in range(3):  # the same signed bytes, inside the five-minute window
        response = slack.post(body, "application/x-www-form-urlencoded", signed=False, headers=headers)
        assert response.status_code == 200
    slack.fake.wait_for("webhook")
    time.sleep(0.5)
    assert len(slack.fake.of("webhook")) == 1


def test_retry_is_dropped_by_another_process_too(start_slack, fake_slack: FakeSlack) -> None:
    """Two web processes on one database: the retry reaching the second one is still a no-op."""
    one, two = start_slack(), start_slack()
    event = {"type": "message", "channel_type": "im", "user": "UALICE", "text": "help",
             "channel": "DALICE", "ts": "1700000300.000100"}
    assert one.event(event, event_id="Ev0TWOPROC").status_code == 200
    assert two.event(event, event_id="Ev0TWOPROC", retry=1).status_code == 200
    fake_slack.wait_for("chat.postMessage")
    time.sleep(0.5)
    assert len(fake_slack.of("chat.postMessage")) == 1


def test_url_verification_handshake(slack: SlackRig) -> None:
    body = '{"token": "legacy", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", ' \
           '"type": "url_verification"}'
    response = slack.post(body, "application/json")
    assert response.status_code == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in response.text


def test_messages_tab_does_not_publish_home(slack: SlackRig) -> None:
    body = event_body({"type": "app_home_opened", "user": "UALICE", "tab": "messages"})
    assert slack.post(body, "application/json").status_code == 200
    assert slack.event({"type": "app_home_opened", "user": "UALICE", "tab": "home"}).status_code == 200
    slack.fake.wait_for("views.publish")
    time.sleep(0.3)
    assert len(slack.fake.of("views.publish")) == 1
