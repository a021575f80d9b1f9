"""Render a `Reply` as plain text: for the terminal, WeChat, and Slack's fallback text."""

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


def render_part(part: Part, style: Style) -> str:
    if isinstance(part, Heading):
        return style.bold(part.text)
    if isinstance(part, Paragraph):
        return part.text
    if isinstance(part, Checklist):
        lines = [style.bold(part.title)] if part.title else []
        for number, item in enumerate(part.items, 1):
            mark = MARKS.get(item.state, " • ")
            if item.state == "done":
                mark = style.green(mark)
            elif item.state == "warning":
                mark = style.yellow(mark)
            label = f"{number}. " if item.state in {"todo", "done", "skipped"} else ""
            lines.append(f"{mark} {label}{item.text}")
            if item.detail:
                lines.extend(f"      {line}" for line in item.detail.splitlines())
        return "\n".join(lines)
    if isinstance(part, Fields):
        width = max((len(label) for label, _ in part.pairs), default=0)
        return "\n".join(f"  {style.dim(label.ljust(width))}  {value}" for label, value in part.pairs)
    if isinstance(part, Actions):
        return "  ".join(style.cyan(f"[{button.label}]") for button in part.buttons)
    if isinstance(part, Code):
        return "\n".join(f"  {line}" for line in part.text.splitlines())
    if isinstance(part, Attachment):
        where = part.path or part.filename
        return f"📎 {part.title or part.filename}: {where}"
    if isinstance(part, Notice):
        paint = {"info": style.dim, "warning": style.yellow, "error": style.red}[part.level]
        return paint(part.text)
    raise TypeError(f"cannot render {type(part).__name__}")


def render_text(reply: Reply, style: Style | None = None) -> str:
    style = style or Style()
    blocks = [style.red(reply.text) if not reply.ok else reply.text]
    blocks.extend(render_part(part, style) for part in reply.parts)
    return "\n\n".join(block for block in blocks if block)
