"""Where a Slack answer goes: the one placement rule for every interaction kind.

A conversation lives in one place, and every answer and follow-up stays there:

- a message in the bot's own DM (channel type `im`): that DM, no thread; the asker sees it all.
- an @mention, or a message in a channel, group DM or private channel: the message's thread
  (its `thread_ts`, else its own `ts`); private answers (refusals, errors, files) go only to
  the asker (chat.postEphemeral in that thread).
- a slash command in the bot's DM: that DM.
- a slash command anywhere else: one public answer through the command's `response_url`;
  several: the first is posted and opens a thread, the rest go in it. Help, settings,
  refusals and errors only to the asker (`response_url`, ephemeral).
- a button on a message: that message's thread; the first answer updates the message.
- a button on an ephemeral message (no `message` object; the thread only in
  `container.thread_ts`): the same thread, and only the presser sees anything.
- a button in App Home (`container.type` `view`, a `home` view): App Home is redrawn with
  the result; a button in a modal: the modal shows the result (views.update).
- an edited message (same channel and `ts`, new words): its earlier answer, updated.

Only the bot's own DM is private by nature: a DM between two people (`channel_name`
`directmessage`, the bot not a member) is as public as a channel for that purpose. Nothing here
talks to Slack: `plan` says how one reply is sent, the adapter carries it out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from chatbot.conversation import Reply

EPHEMERAL_INTENTS = frozenset({"help", "fallback", "error", "preferences"})
# Channels where a slash command's answer can open a thread (chat.postMessage): not a DM or a
# group DM the bot is no member of.
_UNPOSTABLE_CHANNEL_NAMES = frozenset({"directmessage", "privategroup"})


def is_private(reply: Reply, *, slash: bool = False) -> bool:
    """Only the asker should see it: marked private, a refusal or an error; for a slash command
    (which nobody else saw being typed) also help and settings, which concern the asker alone."""
    return reply.private or not reply.ok or (slash and reply.intent in EPHEMERAL_INTENTS)


@dataclass
class Target:
    """Where the replies to one request go (see the table above)."""

    channel: str
    user: str
    thread_ts: str = ""  # reply in this thread
    replace_ts: str = ""  # the first reply replaces this message (chat.update)
    response_url: str = ""  # the request's webhook, when there is one
    ephemeral_source: bool = False  # the pressed button sat in an ephemeral message
    is_dm: bool = False  # the bot's own DM with the asker
    placeholder: bool = False  # replace_ts is our own "checking…" message
    replace_via_webhook: bool = False  # the placeholder went out through response_url
    slash: bool = False  # answering a slash command
    postable: bool = True  # chat.postMessage works here (see `can_post`)
    open_thread: bool = False  # the first public reply is posted to open a thread for the rest
    team: str = ""  # the workspace, for remembering answers
    source_ts: str = ""  # the user's message being answered: its answer is remembered
    edit: bool = False  # answering an edited message: replace_ts is the earlier answer

    def hidden(self, reply: Reply) -> bool:
        """Only the asker sees this reply. In the bot's DM everything is the asker's already;
        anything coming from an ephemeral message stays ephemeral."""
        if self.is_dm:
            return False
        return self.ephemeral_source or is_private(reply, slash=self.slash)


Step = Literal[
    "update",  # chat.update of replace_ts
    "webhook_replace",  # response_url, replace_original (ephemeral stays ephemeral)
    "webhook_replace_public",  # response_url, replace_original, in_channel (our placeholder)
    "webhook_ephemeral",  # response_url, ephemeral
    "post_ephemeral",  # chat.postEphemeral (in thread_ts)
    "webhook_public",  # response_url, in_channel
    "post",  # chat.postMessage (in thread_ts)
]


def plan(reply: Reply, target: Target, *, first: bool) -> Step:
    """How one reply is sent; `first` is the first reply to the request."""
    hidden = target.hidden(reply)
    has_source = bool(target.replace_ts or target.replace_via_webhook)
    # The first reply takes the place of the pressed message, of "checking…" or of the earlier
    # answer to an edited message; a refusal never wipes a checklist, and a private answer never
    # replaces a public message.
    if first and has_source and (reply.ok or target.placeholder) and (not hidden or target.ephemeral_source):
        if target.replace_via_webhook:
            return "webhook_replace_public"
        if target.ephemeral_source:
            return "webhook_replace" if target.response_url else "post_ephemeral"
        return "update"
    if hidden:
        if target.response_url and not target.thread_ts:
            return "webhook_ephemeral"
        return "post_ephemeral"
    if target.response_url and not target.thread_ts and not target.open_thread:
        return "webhook_public"
    return "post"


def opens_thread(target: Target, replies: list[Reply]) -> bool:
    """A slash command answered in a channel with more than one public reply: the first is
    posted so the others can go in its thread (a webhook message has no `ts` to thread under)."""
    if not target.slash or not target.postable or target.is_dm or target.thread_ts or target.replace_ts:
        return False
    return sum(1 for reply in replies if not target.hidden(reply)) > 1


def can_post(channel: str, channel_name: str) -> bool:
    """Whether a slash command's channel takes chat.postMessage from the bot (public and private
    channels do, with chat:write.public or membership; other people's DMs and group DMs do not)."""
    return (not channel.startswith("D") and channel_name not in _UNPOSTABLE_CHANNEL_NAMES
            and not channel_name.startswith("mpdm-"))
