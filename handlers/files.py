"""Files sent without text: say what the bot can do with them.

A saved copy of a copycat's web page that the adapter could download is read like
`sellerguard checksite --html`; pictures are compared when they come with a /checksite message
(see handlers/checksite); otherwise each kind of file gets a clear answer on what to send
instead. Anything else: the bot reads text.
"""

from __future__ import annotations

from chatbot.context import Context
from chatbot.conversation import Incoming, Reply
from chatbot.i18n import t
from handlers import checksite

# The message for each kind of file (chatbot.conversation.FileRef.kind).
KIND_MESSAGES = {"html": "files.html", "image": "files.image", "other": "files.other"}


def handle(msg: Incoming, ctx: Context) -> list[Reply]:
    """One answer for the files of one message (several files: the first decides), only when the
    message was addressed to the bot."""
    assert msg.lang is not None
    if not msg.direct or not msg.files:
        return []
    first = msg.files[0]
    if first.kind == "html" and first.path:  # the adapter downloaded it: read it as a saved page
        return checksite.saved_page(msg, ctx, first.path, first.name)
    text = t(KIND_MESSAGES[first.kind], msg.lang, name=first.name)
    return [Reply("files", msg.lang, text, private=True, data={"kind": first.kind})]
