"""The terminal chat: the embedded default, and a scriptable pipe.

Interactive in a terminal (line editing and history through readline, coloured replies);
when stdin is not a terminal it reads one message per line, so `printf '/help\n' | sellerguard
chat` works, and `--json` prints one JSON object per reply for scripts and tests.
A line holding only three double quotes starts a multi-line message (a pasted notice); another ends it.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import TextIO

from chatbot.app import SellerGuard
from chatbot.conversation import Incoming, Lang, Reply
from chatbot.i18n import t
from chatbot.printable import printable_json
from chatbot.render import Style, render_text

PROMPT = "you> "
MORE = "...> "
FENCE = '"""'


class ConsoleChat:
    def __init__(self, app: SellerGuard, user: str, *, platform: str = "console",
                 lang: Lang | None = None, as_json: bool = False, out: TextIO = sys.stdout) -> None:
        self.app = app
        self.user = user
        self.platform = platform
        self.lang = lang
        self.as_json = as_json
        self.out = out
        self.style = Style(color=out.isatty() and not as_json)

    def incoming(self, text: str) -> Incoming:
        return Incoming(platform=self.platform, user=self.user, text=text, lang=self.lang,
                        lang_forced=self.lang is not None, channel="console")

    def emit(self, reply: Reply) -> None:
        if self.as_json:
            self.out.write(printable_json(reply.to_json()) + "\n")
        else:
            self.out.write(render_text(reply, self.style) + "\n\n")
        self.out.flush()

    def say(self, text: str) -> list[Reply]:
        replies = self.app.handle(self.incoming(text))
        for reply in replies:
            self.emit(reply)
        return replies

    def bad_line(self) -> None:
        lang = self.lang or self.app.resolve_lang(self.incoming(""))
        self.emit(Reply("error", lang, t("core.invalid_utf8", lang), ok=False))

    def run_piped(self, stream: TextIO) -> None:
        block: list[str] | None = None
        for raw in _lines(stream):
            if raw is None:
                self.bad_line()
                continue
            block, message = _fold(block, raw)
            if message is not None and message.strip():
                self.say(message)
        if block:  # an unterminated block is still a message, not lost
            self.say("\n".join(block))

    def run_interactive(self) -> None:
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401  (importing it gives input() line editing and history)
        banner = self.app.handle(self.incoming("/help"))
        for reply in banner:
            self.emit(reply)
        block: list[str] | None = None
        while True:
            try:
                line = input(self.style.bold(PROMPT if block is None else MORE))
            except EOFError:
                self.out.write("\n")
                return
            except KeyboardInterrupt:
                self.out.write("\n")
                return
            except UnicodeDecodeError:
                self.bad_line()
                continue
            if block is None and line.strip() in {"/quit", "/exit", "退出"}:
                return
            block, message = _fold(block, line)
            if message is not None and message.strip():
                self.say(message)


def _fold(block: list[str] | None, line: str) -> tuple[list[str] | None, str | None]:
    """Feed one line; returns the open block (or None) and a finished message (or None)."""
    if line.strip() == FENCE:
        if block is None:
            return [], None
        return None, "\n".join(block)
    if block is not None:
        block.append(line)
        return block, None
    return None, line


def _lines(stream: TextIO) -> Iterator[str | None]:
    """Decoded lines from a byte stream; None for a line that is not UTF-8 (reported, skipped)."""
    buffer = getattr(stream, "buffer", None)
    if buffer is None:
        yield from (line.rstrip("\r\n") for line in stream)
        return
    for raw in buffer:
        try:
            yield raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError:
            yield None
