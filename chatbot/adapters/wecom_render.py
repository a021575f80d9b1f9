"""Render a `Reply` for WeCom and WeChat clients, within each byte limit.

Two forms: WeCom markdown (the AI bot's stream and `response_url`, the group robot) and plain
text with numbered steps (微信客服, the Official Account, the self-built app; WeChat shows no
markdown). Buttons become the text command that does the same thing, except moderator actions
in the AI bot, which also get a template card (`moderator_card`). Attachments cannot be sent
everywhere: a line says where the report is available. Text from handlers (and everything in it
that came from outside: page titles, reasons, names) is escaped for markdown.

Limits (WeCom developer docs): stream and response_url markdown 20480 bytes (101031, 101138);
group robot markdown 4096 bytes (91770); 微信客服 and Official Account text 2048 bytes (kf/send_msg,
message/custom/send). Long replies are split between steps, never inside one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from chatbot.conversation import (
    Actions,
    Attachment,
    Button,
    Checklist,
    Code,
    Fields,
    Heading,
    Item,
    Lang,
    Notice,
    Paragraph,
    Reply,
)
from chatbot.i18n import t
from chatbot.render import chunks

STREAM_BYTES = 20480
ROBOT_MARKDOWN_BYTES = 4096
TEXT_BYTES = 2048
CARD_BUTTONS = 6  # template_card button_interaction takes at most 6 buttons
CARD_TITLE_CHARS = 26
CARD_DESC_CHARS = 200
EVENT_KEY_CHARS = 1024
BUTTON_TEXT_CHARS = 20

STATE_MARK = {"todo": "☐", "done": "✅", "skipped": "⏭", "info": "ℹ️", "warning": "⚠️", None: "•"}
NOTICE_MARK = {"info": "", "warning": "⚠️ ", "error": "❌ "}
# What a button does, as the command a user can type instead ({0}, {1}: the value's parts).
TYPED_ACTIONS = {
    "case.done": "/case {0} done {1}",
    "case.skip": "/case {0} skip {1}",
    "case.explain": "/case {0} explain {1}",
    "case.letter": "/letter {1} {0}",
    "case.open": "/notice",
    "bl.approve": "/blocklist approve {0}",
    "bl.reject": "/blocklist reject {0} <reason>",
    "bl.delist": "/blocklist delist {0}",
    "bl.reopen": "/blocklist reopen {0}",
    "site.report": "/report {0} <reason>",
}
MODERATOR_ACTIONS = frozenset({"bl.approve", "bl.reject", "bl.delist", "bl.reopen"})
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")


def escape(text: str) -> str:
    """Plain text → markdown that shows exactly that text (CommonMark backslash escapes)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def typed_action(button: Button) -> str:
    """The command that does what `button` does, or "" when there is none."""
    pattern = TYPED_ACTIONS.get(button.id)
    if pattern is None:
        return ""
    first, _, second = button.value.partition(":")
    return pattern.format(first, second)


def _item(item: Item, number: int, markdown: bool) -> str:
    text = escape(item.text) if markdown else item.text
    line = f"{number}. {STATE_MARK.get(item.state, STATE_MARK[None])} {text}"
    if item.detail:
        detail = escape(item.detail) if markdown else item.detail
        indent = "> " if markdown else "   "
        line += "\n" + "\n".join(indent + row for row in detail.split("\n"))
    return line


def _typed_lines(buttons: Iterable[Button], lang: Lang, markdown: bool) -> list[str]:
    commands = list(dict.fromkeys(typed_action(b) for b in buttons if typed_action(b)))
    if not commands:
        return []
    rows = ["`" + c.replace("`", "'") + "`" if markdown else c for c in commands]
    return [t("wecom.type_to_act", lang) + "\n" + "\n".join(rows)]


def blocks(reply: Reply, *, markdown: bool) -> list[str]:
    """The reply as blocks, each a unit that is never split (a step, a paragraph, a field list)."""
    esc = escape if markdown else (lambda s: s)
    out: list[str] = []
    parts = list(reply.parts)
    if parts and isinstance(parts[0], Heading):
        heading = parts.pop(0)
        assert isinstance(heading, Heading)
        out.append(f"**{esc(heading.text.strip())}**" if markdown else f"【{heading.text.strip()}】")
    if reply.text.strip():
        out.append(esc(reply.text.strip()))
    for part in parts:
        if isinstance(part, Heading) and part.text.strip():
            out.append(f"**{esc(part.text.strip())}**" if markdown else f"【{part.text.strip()}】")
        elif isinstance(part, Paragraph) and part.text.strip():
            out.append(esc(part.text.strip()))
        elif isinstance(part, Checklist):
            if part.title.strip():
                out.append(f"**{esc(part.title)}**" if markdown else part.title)
            out += [_item(item, item.number or n, markdown) for n, item in enumerate(part.items, 1)]
        elif isinstance(part, Fields) and part.pairs:
            rows = [f"**{esc(label)}**: {esc(value) or '—'}" if markdown else f"{label}: {value or '—'}"
                    for label, value in part.pairs]
            out.append("\n".join(rows))
        elif isinstance(part, Code) and part.text.strip():
            out.append(f"```\n{part.text.replace('```', '` ` `')}\n```" if markdown else part.text)
        elif isinstance(part, Notice) and part.text.strip():
            out.append(NOTICE_MARK.get(part.level, "") + esc(part.text))
        elif isinstance(part, Actions):
            out += _typed_lines(part.buttons, reply.lang, markdown)
        elif isinstance(part, Attachment):
            out.append(esc(t("wecom.report_elsewhere", reply.lang, filename=part.filename)))
    return out or [esc(reply.intent)]


def pack(units: Iterable[str], limit: int, *, separator: str = "\n\n") -> list[str]:
    """Join blocks into messages of at most `limit` UTF-8 bytes, splitting only between blocks
    (a block larger than `limit` alone is cut at its line breaks)."""
    messages: list[str] = []
    current = ""
    for unit in units:
        for piece in ([unit] if len(unit.encode()) <= limit else chunks(unit, limit, in_bytes=True)):
            candidate = f"{current}{separator}{piece}" if current else piece
            if len(candidate.encode()) > limit:
                messages.append(current)
                current = piece
            else:
                current = candidate
    if current or not messages:
        messages.append(current)
    return messages


def markdown(replies: Iterable[Reply], limit: int = STREAM_BYTES) -> list[str]:
    """Replies as WeCom markdown messages of at most `limit` bytes each."""
    return pack([block for reply in replies for block in blocks(reply, markdown=True)], limit)


def plain(replies: Iterable[Reply], limit: int = TEXT_BYTES) -> list[str]:
    """Replies as plain-text messages of at most `limit` bytes each (WeChat shows no markdown)."""
    return pack([block for reply in replies for block in blocks(reply, markdown=False)], limit)


def moderator_card(reply: Reply, task_id: str) -> dict[str, Any] | None:
    """A `button_interaction` template card for a reply with moderator buttons (AI bot only),
    or None. Each button's key is "<action id>|<value>", read back by `card_action`."""
    buttons = [b for part in reply.parts if isinstance(part, Actions) for b in part.buttons
               if b.id in MODERATOR_ACTIONS and b.id != "bl.reject"][:CARD_BUTTONS]
    if not buttons:
        return None
    return {
        "card_type": "button_interaction",
        "main_title": {"title": t("wecom.card_title", reply.lang)[:CARD_TITLE_CHARS],
                       "desc": reply.text[:CARD_DESC_CHARS]},
        "task_id": task_id,
        "button_list": [{"text": f"{b.label or b.id} #{b.value}"[:BUTTON_TEXT_CHARS],
                         "style": 2 if b.style == "danger" else 1,
                         "key": f"{b.id}|{b.value}"[:EVENT_KEY_CHARS]} for b in buttons],
    }


def card_action(event_key: str) -> tuple[str, str] | None:
    """(action id, value) from a card button's key; None for a key we did not make."""
    action_id, sep, value = event_key.partition("|")
    if not sep or action_id not in MODERATOR_ACTIONS or not value:
        return None
    return action_id, value


def done_card(task_id: str, lang: Lang, summary: str) -> dict[str, Any]:
    """The card after a press: the same task, the result as its title, no buttons left."""
    return {"card_type": "text_notice", "task_id": task_id,
            "main_title": {"title": t("wecom.card_title", lang)[:CARD_TITLE_CHARS],
                           "desc": t("wecom.card_done", lang, summary=summary)[:CARD_DESC_CHARS]},
            "card_action": {"type": 1, "url": "https://work.weixin.qq.com"}}
