"""Carrying out the placement rule (chatbot/adapters/slack_where.py): the Web API calls and
webhook posts that put each reply where it belongs, the "checking…" placeholder, evidence
uploads, and remembering which bot message answers which user message (for edits)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from chatbot.adapters import slack_answers
from chatbot.adapters import slack_blocks as kit
from chatbot.adapters.slack_where import Step, Target, opens_thread, plan
from chatbot.conversation import Lang, Paragraph, Reply
from chatbot.db import Database
from chatbot.i18n import t

log = logging.getLogger(__name__)

# What each webhook step sends along with the reply (Slack's response_url fields).
WEBHOOK_ARGUMENTS: dict[str, dict[str, Any]] = {
    "webhook_replace_public": {"replace_original": True, "response_type": "in_channel"},
    "webhook_replace": {"replace_original": True},  # an ephemeral message stays ephemeral
    "webhook_ephemeral": {"response_type": "ephemeral", "replace_original": False},
    "webhook_public": {"response_type": "in_channel", "replace_original": False},
}
# When a Web API call is refused where the bot is no member, the webhook that does the same.
WEBHOOK_INSTEAD: dict[Step, Step] = {
    "update": "webhook_replace_public",
    "post_ephemeral": "webhook_ephemeral",
    "post": "webhook_public",
}


class Delivery:
    """Sends replies to a `Target`; remembers answers in `db`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def post_placeholder(self, client: WebClient, target: Target, lang: Lang, args: str,
                         respond: Respond | None, meaning: str = "") -> None:
        """"Checking…" where the answer will go; the answer replaces it when it is ready."""
        first_word = args.split()[0] if args.split() else ""
        text = kit.message_text(t("slack.checking", lang, target=first_word) if first_word
                                else t("slack.checking_any", lang))
        try:
            posted = client.chat_postMessage(channel=target.channel, text=text,
                                             thread_ts=target.thread_ts or None)
            target.replace_ts, target.placeholder = str(posted.get("ts", "")), True
            self.remember_answer(target, target.replace_ts, meaning)
            if not target.thread_ts and not target.is_dm:
                target.thread_ts = target.replace_ts  # files and follow-ups go under the result
        except SlackApiError as exc:
            # A slash command in a channel the bot is not in: the webhook still reaches it.
            log.info("placeholder post failed (%s); answering through response_url",
                     exc.response.get("error"))
            if respond is not None and target.response_url:
                respond(text=text, response_type="in_channel")
                target.replace_via_webhook = target.placeholder = True

    def deliver(self, client: WebClient, replies: Iterable[Reply], target: Target,
                respond: Respond | None = None, *, meaning: str = "") -> None:
        """Sends the replies to one request where `slack_where.plan` says."""
        replies = list(replies)
        target.open_thread = opens_thread(target, replies)
        for index, reply in enumerate(replies):
            try:
                self._deliver_one(client, reply, target, respond, first=index == 0, meaning=meaning)
            except SlackApiError as exc:
                log.warning("could not deliver a %s reply to %s: %s", reply.intent, target.channel,
                            exc.response.get("error"))

    def _deliver_one(self, client: WebClient, reply: Reply, target: Target, respond: Respond | None,
                     *, first: bool, meaning: str = "") -> None:
        hidden = target.hidden(reply)
        step = plan(reply, target, first=first)
        if first and target.placeholder and step not in ("update", "webhook_replace_public"):
            self._drop_placeholder(client, target, respond)  # its answer turned out private
            step = plan(reply, target, first=first)
        if respond is None and target.response_url:
            respond = Respond(response_url=target.response_url)
        if respond is None and step.startswith("webhook"):
            step = "post_ephemeral" if hidden else "post"
        try:
            self._send(step, client, reply, target, respond, meaning)
        except SlackApiError:
            # A conversation the bot is no member of (another person's DM, a channel it was not
            # invited to): the request's webhook still reaches it.
            if respond is None or step not in WEBHOOK_INSTEAD:
                raise
            target.open_thread = False
            self._send(WEBHOOK_INSTEAD[step], client, reply, target, respond, meaning)
        for attachment in kit.attachments(reply):
            self.upload(client, attachment, target, reply.lang, private=hidden)

    def _send(self, step: Step, client: WebClient, reply: Reply, target: Target,
              respond: Respond | None, meaning: str) -> None:
        blocks = kit.reply_blocks(reply)
        text = kit.fallback_text(reply)
        if step.startswith("webhook"):
            assert respond is not None
            respond(text=text, blocks=blocks, **WEBHOOK_ARGUMENTS[step])
        elif step == "update":
            client.chat_update(channel=target.channel, ts=target.replace_ts, text=text, blocks=blocks)
            if target.edit:
                self.remember_answer(target, target.replace_ts, meaning)
        elif step == "post_ephemeral":
            client.chat_postEphemeral(channel=target.channel, user=target.user, text=text,
                                      blocks=blocks, thread_ts=target.thread_ts or None)
        else:
            posted = client.chat_postMessage(channel=target.channel, text=text, blocks=blocks,
                                             thread_ts=target.thread_ts or None)
            ts = str(posted.get("ts", ""))
            if target.open_thread and not target.thread_ts:
                target.thread_ts = ts  # a slash command's first answer opens the thread for the rest
            self.remember_answer(target, ts, meaning)

    def remember_answer(self, target: Target, answer_ts: str, meaning: str) -> None:
        """The first public answer to a user's message stands for it (an edit updates it)."""
        if not target.source_ts or not answer_ts or not meaning:
            return
        earlier = slack_answers.find(self.db, target.channel, target.source_ts)
        if earlier is not None and not target.edit:
            return  # the first answer stands for the message; later ones are follow-ups
        slack_answers.remember(self.db, team=target.team, channel=target.channel,
                               message_ts=target.source_ts, answer_ts=answer_ts, meaning=meaning)

    def _drop_placeholder(self, client: WebClient, target: Target, respond: Respond | None) -> None:
        """A "checking…" message whose answer turned out private (a typo in the URL) goes away."""
        try:
            if target.replace_via_webhook and respond is not None:
                respond(delete_original=True)
            elif target.replace_ts:
                client.chat_delete(channel=target.channel, ts=target.replace_ts)
        except SlackApiError as exc:
            log.info("could not remove the placeholder: %s", exc.response.get("error"))
        if target.source_ts:
            slack_answers.forget(self.db, target.channel, target.source_ts)
        if target.thread_ts == target.replace_ts:
            target.thread_ts = ""
        target.replace_ts, target.replace_via_webhook, target.placeholder = "", False, False

    def upload(self, client: WebClient, attachment: Any, target: Target, lang: Lang,
               *, private: bool) -> None:
        """An evidence file into the reply's thread; into the asker's DM when the reply is private
        or the channel refuses it (the bot is not a member); failing both, say so."""
        if not attachment.path and not attachment.data:
            return
        content: dict[str, Any] = (
            {"file": attachment.path} if attachment.path else {"content": attachment.data}
        )
        title = attachment.title or attachment.filename
        error = ""
        places = [] if private else [(target.channel, target.thread_ts)]
        if not target.is_dm:
            places.append(("", ""))  # "" = the asker's DM, opened on demand
        for channel, thread in places:
            try:
                if not channel:
                    opened = client.conversations_open(users=target.user)
                    channel = str((opened.get("channel") or {}).get("id", ""))
                client.files_upload_v2(channel=channel, thread_ts=thread or None,
                                       filename=attachment.filename, title=title, **content)
                return
            except SlackApiError as exc:
                error = str(exc.response.get("error"))
            except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
                error = type(exc).__name__  # the report file is unreadable: no other place helps
                break
            except Exception as exc:  # the upload URL or the network failed: try the next place
                error = type(exc).__name__
            log.info("upload of %s to %s failed: %s", attachment.filename, channel or "DM", error)
        log.warning("upload of %s failed everywhere: %s", attachment.filename, error)
        note = kit.message_text(t("slack.upload_failed", lang, filename=attachment.filename, error=error))
        try:
            client.chat_postEphemeral(channel=target.channel, user=target.user, text=note,
                                      thread_ts=target.thread_ts or None)
        except SlackApiError:
            log.warning("could not tell %s about the failed upload", target.user)


def merged(replies: list[Reply]) -> Reply:
    """Several replies as one message (the update of an earlier answer)."""
    first = replies[0]
    parts = list(first.parts)
    for reply in replies[1:]:
        parts += [Paragraph(reply.text), *reply.parts]
    return Reply(first.intent, first.lang, first.text, tuple(parts),
                 private=any(r.private for r in replies), ok=all(r.ok for r in replies),
                 data=first.data)
