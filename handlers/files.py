"""Files sent without text: say what the bot can do with them.

A saved copy of a copycat's web page can be analysed by /checksite and a picture compared with
the seller's own, once those features accept uploads; until then each kind of file gets a clear
answer on what to send instead. Anything else: the bot reads text.
"""

from __future__ import annotations

from chatbot.context import Context
from chatbot.conversation import Incoming, Reply
from chatbot.i18n import t

# The message for each kind of file (chatbot.conversation.FileRef.kind).
KIND_MESSAGES = {"html": "files.html", "image": "files.image", "other": "files.other"}


def handle(msg: Incoming, ctx: Context) -> list[Reply]:
    """One answer for the files of one message (several files: the first decides), only when the
    message was addressed to the bot."""
    assert msg.lang is not None
    if not msg.direct or not msg.files:
        return []
    first = msg.files[0]
    text = t(KIND_MESSAGES[first.kind], msg.lang, name=first.name)
    return [Reply("files", msg.lang, text, private=True, data={"kind": first.kind})]
