"""The placement rule on its own: for each kind of place a Slack request comes from, how each
reply is sent (the end-to-end tests in test_slack_conversations.py replay the payloads)."""

from __future__ import annotations

import pytest

from chatbot.adapters.slack_where import Target, can_post, opens_thread, plan
from chatbot.conversation import Reply

PUBLIC = Reply("notice", "en", "Case #1")
HELP = Reply("help", "en", "Commands")
REFUSAL = Reply("error", "en", "Only moderators can do that.", ok=False, private=True)
HOOK = "https://hooks.example/1"


@pytest.mark.parametrize(("where", "reply", "first", "step"), [
    # the bot's own DM: everything is the asker's
    (Target("DUALICE", "UALICE", is_dm=True), REFUSAL, True, "post"),
    (Target("DUALICE", "UALICE", is_dm=True, slash=True, response_url=HOOK), HELP, True, "webhook_public"),
    # a mention in a channel: its thread; refusals only to the asker, in that thread
    (Target("C1", "UALICE", thread_ts="1.1"), PUBLIC, True, "post"),
    (Target("C1", "UALICE", thread_ts="1.1"), REFUSAL, True, "post_ephemeral"),
    # a slash command elsewhere: help privately, a single answer through the webhook
    (Target("D0HUMANS", "UALICE", slash=True, response_url=HOOK, postable=False), HELP, True,
     "webhook_ephemeral"),
    (Target("C1", "UALICE", slash=True, response_url=HOOK), PUBLIC, True, "webhook_public"),
    (Target("C1", "UALICE", slash=True, response_url=HOOK, open_thread=True), PUBLIC, True, "post"),
    # a button on a message: the first answer replaces it, the rest go in its thread
    (Target("C1", "UALICE", thread_ts="1.1", replace_ts="1.2", response_url=HOOK), PUBLIC, True, "update"),
    (Target("C1", "UALICE", thread_ts="1.1", replace_ts="1.2", response_url=HOOK), PUBLIC, False, "post"),
    (Target("C1", "UALICE", thread_ts="1.1", replace_ts="1.2", response_url=HOOK), REFUSAL, True,
     "post_ephemeral"),
    # a button on an ephemeral message: never public
    (Target("C1", "UALICE", thread_ts="1.1", replace_ts="1.3", response_url=HOOK, ephemeral_source=True),
     PUBLIC, True, "webhook_replace"),
    (Target("C1", "UALICE", thread_ts="1.1", replace_ts="1.3", response_url=HOOK, ephemeral_source=True),
     PUBLIC, False, "post_ephemeral"),
    (Target("C1", "UALICE", replace_ts="1.3", response_url=HOOK, ephemeral_source=True),
     PUBLIC, False, "webhook_ephemeral"),
    # an edited message: its earlier answer
    (Target("C1", "UALICE", thread_ts="1.1", replace_ts="1.5", edit=True), PUBLIC, True, "update"),
    # our own "checking…" sent through the webhook
    (Target("C1", "UALICE", slash=True, response_url=HOOK, replace_via_webhook=True, placeholder=True),
     PUBLIC, True, "webhook_replace_public"),
])
def test_plan(where: Target, reply: Reply, first: bool, step: str) -> None:
    assert plan(reply, where, first=first) == step


def test_several_public_answers_to_a_slash_command_open_a_thread() -> None:
    channel = Target("C1", "UALICE", slash=True, response_url=HOOK)
    assert opens_thread(channel, [PUBLIC, PUBLIC])
    assert not opens_thread(channel, [PUBLIC, HELP])  # help is private to the asker
    assert not opens_thread(Target("D0HUMANS", "UALICE", slash=True, postable=False), [PUBLIC, PUBLIC])
    assert not opens_thread(Target("DUALICE", "UALICE", slash=True, is_dm=True), [PUBLIC, PUBLIC])


@pytest.mark.parametrize(("channel", "name", "expected"), [
    ("C1", "general", True), ("G1", "privategroup", False), ("G2", "mpdm-alice--bob-1", False),
    ("D1", "directmessage", False),
])
def test_where_the_bot_can_post(channel: str, name: str, expected: bool) -> None:
    assert can_post(channel, name) is expected
