"""Slack payloads → what a user said, in neutral terms.

Slack delivers one user message in several shapes: a `message` event (with subtypes such as
`file_share` and `thread_broadcast`), an `app_mention` for the same words, and after an edit an
`app_mention` carrying `edited` and a `message_changed` event whose `message` holds the new
text. All of them become one `Said`; the same message is known by its channel and `ts` (an edit
keeps the `ts`), and what it says by `meaning`, a digest of its words and files. Nothing here
talks to Slack.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chatbot.conversation import FileRef

# Message subtypes that carry something a person wrote; every other subtype (joins, topic
# changes, deletions, bot messages, thread bookkeeping) is not addressed to the bot.
SPOKEN_SUBTYPES = frozenset({None, "file_share", "thread_broadcast", "message_changed"})
MAX_FILES = 10  # files looked at per message (Slack allows more; the first decides the answer)

_ENTITY = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")
_SPACE = re.compile(r"\s+")


def plain_text(text: str, *, drop_user: str = "") -> str:
    """Slack's message markup back to what the user typed: links, e-mails, mentions, escapes."""

    def replace(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if target.startswith("@"):
            return "" if target[1:] == drop_user else f"@{label or target[1:]}"
        if target.startswith("#"):
            return f"#{label or target[1:]}"
        if target.startswith("!"):
            return label or ""
        if target.startswith("mailto:"):
            return target[len("mailto:"):]
        return target

    return html.unescape(_ENTITY.sub(replace, text)).strip()


@dataclass(frozen=True)
class Said:
    """One user message, whichever event delivered it."""

    user: str
    text: str  # Slack markup, as sent
    channel: str
    ts: str  # the message's own ts: with the channel, it names the message across edits
    thread_ts: str = ""  # the thread it was written in, if any
    channel_type: str = ""  # im, mpim, group, channel ("" on app_mention)
    files: tuple[FileRef, ...] = ()
    edited: bool = False
    from_bot: bool = False

    def mentions(self, bot_user: str) -> bool:
        return bool(bot_user) and f"<@{bot_user}" in self.text

    def meaning(self, bot_user: str = "") -> str:
        """A digest of what the message says: its words (case, spacing and the bot's mention
        aside) and its files. An edit that keeps it (a typo fixed in passing, a link preview
        added, a thread reply counted) is not a new question."""
        words = _SPACE.sub(" ", plain_text(self.text, drop_user=bot_user)).strip().casefold()
        files = ",".join(f.id or f.name for f in self.files)
        return hashlib.sha256(f"{words}\n{files}".encode()).hexdigest()[:32]


def _files(raw: Any) -> tuple[FileRef, ...]:
    if not isinstance(raw, list):
        return ()
    return tuple(FileRef(name=str(f.get("name") or f.get("title") or "file"),
                         mimetype=str(f.get("mimetype") or ""), id=str(f.get("id") or ""),
                         url=str(f.get("url_private_download") or f.get("url_private") or ""))
                 for f in raw[:MAX_FILES] if isinstance(f, Mapping))


def said(event: Mapping[str, Any], *, bot_user: str = "") -> Said | None:
    """The user message an event carries, or None for events that carry none."""
    subtype = event.get("subtype")
    if event.get("type") == "message" and subtype not in SPOKEN_SUBTYPES:
        return None
    edited = "edited" in event
    source: Mapping[str, Any] = event
    if subtype == "message_changed":
        source = event.get("message") or {}
        if source.get("subtype") not in (None, "file_share", "thread_broadcast"):
            return None  # e.g. a message turned into "This message was deleted." (tombstone)
        edited = True
    user = str(source.get("user") or "")
    from_bot = bool(source.get("bot_id") or event.get("bot_id")) or (bool(bot_user) and user == bot_user)
    return Said(
        user=user, text=str(source.get("text") or ""), channel=str(event.get("channel") or ""),
        ts=str(source.get("ts") or event.get("ts") or ""),
        thread_ts=str(source.get("thread_ts") or ""),
        channel_type=str(event.get("channel_type") or ""), files=_files(source.get("files")),
        edited=edited, from_bot=from_bot,
    )
