"""Render a `Reply` as plain text: for the terminal and WeChat.

Replies carry text from outside (page titles, pasted notices, reasons typed by members): every
string is passed through `printable` before styling, so no control character from content reaches
a terminal; only our own ANSI styles do.
"""

from __future__ import annotations

from chatbot.conversation import (
    Actions,
    Attachment,
    Checklist,
    Code,
    Fields,
    Heading,
    Notice,
    Paragraph,
    Part,
    Reply,
)
from chatbot.printable import printable as _p

MARKS = {"todo": "[ ]", "done": "[x]", "skipped": "[-]", "info": " • ", "warning": "[!]", None: " • "}


class Style:
    """ANSI styles; the plain `Style()` adds nothing (pipes, files, chat platforms)."""

    def __init__(self, color: bool = False) -> None:
        self.color = color

    def _wrap(self, code: str, text: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.color and text else text

    def bold(self, text: str) -> str:
        return self._wrap("1", text)

    def dim(self, text: str) -> str:
        return self._wrap("2", text)

    def green(self, text: str) -> str:
        return self._wrap("32", text)

    def yellow(self, text: str) -> str:
        return self._wrap("33", text)

    def red(self, text: str) -> str:
        return self._wrap("31", text)

    def cyan(self, text: str) -> str:
        return self._wrap("36", text)


def chunks(text: str, limit: int, *, in_bytes: bool = False) -> list[str]:
    """`text` split at line breaks (or hard, inside a single huge line) into pieces of at most
    `limit` characters, or UTF-8 bytes with `in_bytes` (never inside a character). Every
    renderer with a message size limit uses it (Slack sections, WeCom messages). Linear in the
    text: each piece is measured as it grows, never re-read from the start of the text."""
    size = (lambda s: len(s.encode())) if in_bytes else len
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while size(line) > limit:
            cut = len(line.encode()[:limit].decode("utf-8", "ignore")) if in_bytes else limit
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:cut])
            line = line[cut:]
        candidate = f"{current}\n{line}" if current else line
        if size(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current or not pieces:
        pieces.append(current)
    return pieces


def render_part(part: Part, style: Style) -> str:
    if isinstance(part, Heading):
        return style.bold(_p(part.text))
    if isinstance(part, Paragraph):
        return _p(part.text)
    if isinstance(part, Checklist):
        lines = [style.bold(_p(part.title))] if part.title else []
        for number, item in enumerate(part.items, 1):
            mark = MARKS.get(item.state, " • ")
            if item.state == "done":
                mark = style.green(mark)
            elif item.state == "warning":
                mark = style.yellow(mark)
            label = f"{item.number or number}. " if item.state in {"todo", "done", "skipped"} else ""
            lines.append(f"{mark} {label}{_p(item.text)}")
            if item.detail:
                lines.extend(f"      {line}" for line in _p(item.detail).splitlines())
        return "\n".join(lines)
    if isinstance(part, Fields):
        pairs = [(_p(label), _p(value)) for label, value in part.pairs]
        width = max((len(label) for label, _ in pairs), default=0)
        return "\n".join(f"  {style.dim(label.ljust(width))}  {value}" for label, value in pairs)
    if isinstance(part, Actions):
        return "  ".join(style.cyan(f"[{_p(button.label)}]") for button in part.buttons)
    if isinstance(part, Code):
        return "\n".join(f"  {line}" for line in _p(part.text).splitlines())
    if isinstance(part, Attachment):
        where = part.path or part.filename
        return _p(f"📎 {part.title or part.filename}: {where}")
    if isinstance(part, Notice):
        paint = {"info": style.dim, "warning": style.yellow, "error": style.red}[part.level]
        return paint(_p(part.text))
    raise TypeError(f"cannot render {type(part).__name__}")


def render_text(reply: Reply, style: Style | None = None) -> str:
    style = style or Style()
    text = _p(reply.text)
    blocks = [style.red(text) if not reply.ok else text]
    blocks.extend(render_part(part, style) for part in reply.parts)
    return "\n\n".join(block for block in blocks if block)
