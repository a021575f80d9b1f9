"""The terminal chat: the embedded default, and a scriptable pipe.

Interactive in a terminal (line editing and history through readline, coloured replies);
when stdin is not a terminal it reads one message per line, so `printf '/help\n' | sellerguard
chat` works, and `--json` prints one JSON object per reply for scripts and tests.
A paste is one message (see chatbot/adapters/paste.py): bracketed-paste markers in both modes,
and in a terminal also lines that arrive within a few milliseconds of each other.
"""

from __future__ import annotations

import contextlib
import select
import sys
import time
from collections.abc import Callable, Iterator
from typing import TextIO

from chatbot.adapters.paste import (
    DISABLE_BRACKETED_PASTE,
    ENABLE_BRACKETED_PASTE,
    PASTE_WINDOW_S,
    LineJoiner,
)
from chatbot.app import SellerGuard
from chatbot.conversation import Incoming, Lang, Reply
from chatbot.i18n import t
from chatbot.printable import printable_json
from chatbot.render import Style, render_text

PROMPT = "you> "
MORE = ""  # the lines of a paste in progress are echoed without a prompt


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
        joiner = LineJoiner(timed=False)
        for raw in _lines(stream):
            if raw is None:
                self.bad_line()
                continue
            for message in joiner.feed(raw):
                self._say_message(message)
        for message in joiner.flush():  # an unterminated block is still a message, not lost
            self._say_message(message)

    def run_interactive(self, read: Callable[[str], str] = input,
                        waiting: Callable[[float], bool] | None = None,
                        clock: Callable[[], float] = time.monotonic) -> None:
        """The terminal loop. `read` is input(); `waiting(seconds)` says whether another line
        arrives within that time (select on stdin); `clock` gives seconds. All three are
        injectable so a paste can be replayed without a terminal or the wall clock."""
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401  (importing it gives input() line editing and history)
        waiting = waiting or _stdin_waiting
        banner = self.app.handle(self.incoming("/help"))
        for reply in banner:
            self.emit(reply)
        joiner = LineJoiner()
        bracketed = self.out.isatty()
        if bracketed:
            self.out.write(ENABLE_BRACKETED_PASTE)
        try:
            while True:
                try:
                    line = read(self.style.bold(MORE if joiner.gathering else PROMPT))
                except (EOFError, KeyboardInterrupt):
                    for message in joiner.flush():
                        self._say_message(message)
                    self.out.write("\n")
                    return
                except UnicodeDecodeError:
                    self.bad_line()
                    continue
                if not joiner.gathering and line.strip() in {"/quit", "/exit", "退出"}:
                    return
                for message in joiner.feed(line, clock()):
                    self._say_message(message)
                if joiner.gathering and not joiner.in_block and not waiting(PASTE_WINDOW_S):
                    for message in joiner.flush():
                        self._say_message(message)
        finally:
            if bracketed:
                self.out.write(DISABLE_BRACKETED_PASTE)

    def _say_message(self, message: str) -> None:
        if message.strip():
            self.say(message)


def _stdin_waiting(seconds: float) -> bool:
    """True when another line is already waiting on stdin (the rest of a paste)."""
    try:
        ready, _, _ = select.select([sys.stdin], [], [], seconds)
    except (OSError, ValueError):
        return False
    return bool(ready)


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
