"""Slack's job kinds: queued listener runs, messages to a member, and the moderators' channel.

    slack           a Slack payload acked by the web process (SlackAdapter.run_job)
    notify.slack    {"user": "U…", "text": str | "message": {…}, "key": str}: a direct message
                    (reminders: `message` is rendered when the job runs, chatbot/schedule/messages.py)
    channel.slack   {"text": str, "key": str}: a post in SLACK_DIGEST_CHANNEL (the digest)

`key` makes a delivery happen once even when its job runs again (jobkinds.deliver_once).

Each runner is built once per worker, on its first job. A Slack error (or Slack being down)
raises, so the queue retries the job later: delivery is delayed, never dropped.
"""

from __future__ import annotations

from typing import Any

from chatbot import jobkinds
from chatbot.adapters.slack import JOB_KIND, SlackAdapter, new_client
from chatbot.app import SellerGuard
from chatbot.config import Settings
from chatbot.jobs import PermanentJobError, Runner
from chatbot.schedule import messages


def _client(guard: SellerGuard) -> Any:
    settings = guard.settings
    if not settings.slack_bot_token:
        raise RuntimeError("SLACK_BOT_TOKEN is not set: Slack jobs wait until it is")
    return new_client(settings.slack_bot_token, settings.slack_api_url)


@jobkinds.register(JOB_KIND)
def _listener_runs(guard: SellerGuard) -> Runner:
    adapter = SlackAdapter(guard, client=_client(guard), token_verification=False)
    return adapter.run_job


@jobkinds.register("notify.slack")
def _direct_messages(guard: SellerGuard) -> Runner:
    client = _client(guard)

    def run(payload: dict[str, Any]) -> None:
        user = payload.get("user")
        lang = messages.chosen_lang(guard, "slack", user) if isinstance(user, str) else None
        text = messages.text_of(payload, lang, guard.ctx.clock().date())
        if not isinstance(user, str) or not user or not text:
            raise PermanentJobError("notify.slack needs a user id and a text or message")

        def send() -> None:
            channel = (client.conversations_open(users=user).get("channel") or {}).get("id") or user
            client.chat_postMessage(channel=channel, text=text)

        jobkinds.deliver_once(guard, str(payload.get("key") or ""), send)

    return run


@jobkinds.register("channel.slack")
def _channel_posts(guard: SellerGuard) -> Runner:
    client = _client(guard)
    channel = guard.settings.slack_digest_channel

    def run(payload: dict[str, Any]) -> None:
        text = payload.get("text")
        if not isinstance(text, str) or not text:
            raise PermanentJobError("channel.slack needs a text")
        if not channel:
            raise PermanentJobError("SLACK_DIGEST_CHANNEL is not set")
        jobkinds.deliver_once(guard, str(payload.get("key") or ""),
                              lambda: client.chat_postMessage(channel=channel, text=text))

    return run


def _digest_wanted(settings: Settings) -> bool:
    return bool(settings.slack_bot_token and settings.slack_digest_channel)


jobkinds.register_channel("channel.slack", _digest_wanted)
