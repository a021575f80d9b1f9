"""Render a `Reply` as Slack Block Kit, within Slack's size limits.

One function per part kind; attachments are not blocks (the adapter uploads them). Text from
handlers is plain — and may hold what a user typed or a copycat page said — so every string that
reaches Slack as mrkdwn is escaped here (`&`, `<`, `>`): block text, the top-level fallback
`text` (`fallback_text`) and the adapter's own notes (`message_text`). No `<!channel>`,
`<!here>`, `<@U…>` or `<url|label>` can then be produced from content; only the renderer's own
`*bold*` and emoji codes are markup.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from chatbot import commands
from chatbot.conversation import (
    Actions,
    Attachment,
    Checklist,
    Code,
    Fields,
    Heading,
    Item,
    Notice,
    Paragraph,
    Reply,
)
from chatbot.render import chunks

Block = dict[str, Any]

# Slack's published limits (Block Kit reference).
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
HEADER_CHARS = 150
SECTION_CHARS = 3000
FIELD_CHARS = 2000
FIELDS_PER_SECTION = 10
BUTTON_LABEL_CHARS = 75
BUTTON_VALUE_CHARS = 2000
ACTION_ID_CHARS = 255
BUTTONS_PER_BLOCK = 25
CONTEXT_CHARS = 3000
FALLBACK_TEXT_CHARS = 3000

STATE_EMOJI = {
    "todo": ":white_large_square:",
    "done": ":white_check_mark:",
    "skipped": ":fast_forward:",
    "info": ":information_source:",
    "warning": ":warning:",
    None: ":small_blue_diamond:",
}
NOTICE_EMOJI = {"info": "", "warning": ":warning: ", "error": ":x: "}
ACTION_ID_SEPARATOR = "#"  # "case.done#2": a repeated id made unique inside one block


def escape(text: str) -> str:
    """Plain text → mrkdwn-safe text (Slack's three control characters)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def action_id_of(slack_action_id: str) -> str:
    """Our `Button.id` from a Slack action_id (drops the uniqueness suffix)."""
    return slack_action_id.split(ACTION_ID_SEPARATOR, 1)[0]


def _mrkdwn(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text}


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def section(text: str) -> list[Block]:
    """Plain text as one or more section blocks."""
    return [{"type": "section", "text": _mrkdwn(piece)}
            for piece in chunks(escape(text), SECTION_CHARS) if piece.strip()]


def heading(part: Heading) -> list[Block]:
    if not part.text.strip():
        return []
    return [{"type": "header", "text": _plain(clip(part.text.strip(), HEADER_CHARS))}]


def item_text(item: Item) -> str:
    number = f"{item.number}. " if item.number else ""
    line = f"{STATE_EMOJI.get(item.state, STATE_EMOJI[None])} {number}{escape(item.text)}"
    if item.detail:
        detail = "\n".join(f"> {escape(row)}" if row.strip() else ">" for row in item.detail.split("\n"))
        line = f"{line}\n{detail}"
    return line


def checklist(part: Checklist) -> list[Block]:
    blocks: list[Block] = []
    if part.title.strip():
        blocks.append({"type": "section", "text": _mrkdwn(f"*{clip(escape(part.title), 2000)}*")})
    for item in part.items:
        for piece in chunks(item_text(item), SECTION_CHARS):
            block: Block = {"type": "section", "text": _mrkdwn(piece)}
            if item.id:
                block["block_id"] = clip(f"item:{item.id}", 255)
            blocks.append(block)
    return blocks


def fields(part: Fields) -> list[Block]:
    cells = [_mrkdwn(clip(f"*{escape(label)}*\n{escape(value) or '—'}", FIELD_CHARS))
             for label, value in part.pairs]
    return [{"type": "section", "fields": cells[start:start + FIELDS_PER_SECTION]}
            for start in range(0, len(cells), FIELDS_PER_SECTION)]


def button(btn: Any, action_id: str) -> Block:
    element: Block = {
        "type": "button",
        "text": _plain(clip(btn.label or btn.id, BUTTON_LABEL_CHARS)),
        "action_id": action_id[:ACTION_ID_CHARS],
        "value": btn.value[:BUTTON_VALUE_CHARS],
    }
    if btn.style in ("primary", "danger"):
        element["style"] = btn.style
    return element


def actions(part: Actions) -> list[Block]:
    blocks: list[Block] = []
    buttons = list(part.buttons)
    for start in range(0, len(buttons), BUTTONS_PER_BLOCK):
        seen: dict[str, int] = {}
        elements = []
        for btn in buttons[start:start + BUTTONS_PER_BLOCK]:
            count = seen.get(btn.id, 0)
            seen[btn.id] = count + 1
            suffix = f"{ACTION_ID_SEPARATOR}{count}" if count else ""
            elements.append(button(btn, btn.id[: ACTION_ID_CHARS - len(suffix)] + suffix))
        blocks.append({"type": "actions", "elements": elements})
    return blocks


def code(part: Code) -> list[Block]:
    return [{"type": "rich_text", "elements": [{
        "type": "rich_text_preformatted",
        "elements": [{"type": "text", "text": piece}],
    }]} for piece in chunks(part.text, SECTION_CHARS) if piece]


def notice(part: Notice) -> list[Block]:
    text = NOTICE_EMOJI.get(part.level, "") + escape(part.text)
    return [{"type": "context", "elements": [_mrkdwn(clip(text, CONTEXT_CHARS))]}]


def part_blocks(part: object) -> list[Block]:
    if isinstance(part, Heading):
        return heading(part)
    if isinstance(part, Paragraph):
        return section(part.text)
    if isinstance(part, Checklist):
        return checklist(part)
    if isinstance(part, Fields):
        return fields(part)
    if isinstance(part, Actions):
        return actions(part)
    if isinstance(part, Code):
        return code(part)
    if isinstance(part, Notice):
        return notice(part)
    return []  # Attachment: uploaded as a file, not drawn


def reply_blocks(reply: Reply, *, limit: int = MESSAGE_BLOCKS) -> list[Block]:
    """The reply's summary text and parts as blocks; a leading heading stays on top. Commands
    are named the way Slack offers them (chatbot/commands.py)."""
    reply = commands.for_platform(reply, "slack")
    parts = list(reply.parts)
    blocks: list[Block] = []
    if parts and isinstance(parts[0], Heading):
        blocks += heading(parts.pop(0))
    blocks += section(reply.text)
    for part in parts:
        blocks += part_blocks(part)
    return fit(blocks, limit)


def attachments(reply: Reply) -> list[Attachment]:
    return [part for part in reply.parts if isinstance(part, Attachment)]


def fallback_text(reply: Reply) -> str:
    """The notification text that goes with blocks (shown where blocks cannot be): mrkdwn-escaped,
    since Slack parses it for mentions and links like any message text."""
    return message_text(commands.rewrite(reply.text, "slack") or reply.intent)


def message_text(text: str) -> str:
    """Plain text as a message's top-level `text` (a placeholder, a note), escaped and clipped."""
    return clip(escape(text), FALLBACK_TEXT_CHARS)


def fit(blocks: Sequence[Block], limit: int) -> list[Block]:
    """At most `limit` blocks: merge runs of plain sections first, then cut with a marker."""
    result = unique_block_ids(blocks)
    if len(result) <= limit:
        return result
    result = _merge_sections(result)
    if len(result) <= limit:
        return result
    kept = result[: limit - 1]
    kept.append({"type": "context", "elements": [_mrkdwn(f"… {len(result) - len(kept)} more")]})
    return kept


def _merge_sections(blocks: Iterable[Block]) -> list[Block]:
    merged: list[Block] = []
    for block in blocks:
        previous = merged[-1] if merged else None
        if (previous is not None and _plain_section(block) and _plain_section(previous)
                and len(previous["text"]["text"]) + len(block["text"]["text"]) + 1 <= SECTION_CHARS):
            previous["text"] = _mrkdwn(previous["text"]["text"] + "\n" + block["text"]["text"])
            previous.pop("block_id", None)
            continue
        merged.append(dict(block))
    return merged


def _plain_section(block: Block) -> bool:
    return block.get("type") == "section" and "text" in block and "fields" not in block \
        and "accessory" not in block


def unique_block_ids(blocks: Iterable[Block]) -> list[Block]:
    """Slack rejects a message or view with a repeated block_id: keep only the first."""
    seen: set[str] = set()
    result = []
    for block in blocks:
        block_id = block.get("block_id")
        if block_id is not None:
            if block_id in seen:
                block = {k: v for k, v in block.items() if k != "block_id"}
            else:
                seen.add(block_id)
        result.append(block)
    return result
