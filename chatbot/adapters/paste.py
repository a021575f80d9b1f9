"""One pasted notice is one message: join the lines of a terminal paste.

A terminal in bracketed-paste mode wraps pasted text in ESC[200~ … ESC[201~; everything
between the markers is one message, however many lines it has. Terminals without it deliver a
paste as lines a few milliseconds apart, faster than anyone types: lines that arrive within
PASTE_WINDOW_S of the previous one join it. Time comes from the caller (an injectable clock),
so the rule is testable without sleeping. A line holding only three double quotes still opens
and closes a block by hand, for scripts written that way.

Bounds: a message stops growing at MAX_MESSAGE_LINES lines (the rest starts a new one).
"""

from __future__ import annotations

from dataclasses import dataclass, field

PASTE_START = "\x1b[200~"
PASTE_END = "\x1b[201~"
ENABLE_BRACKETED_PASTE = "\x1b[?2004h"
DISABLE_BRACKETED_PASTE = "\x1b[?2004l"
PASTE_WINDOW_S = 0.015  # keystrokes are ≥ 50 ms apart; a pasted line follows within ~1 ms
MAX_MESSAGE_LINES = 5000
FENCE = '"""'


@dataclass
class LineJoiner:
    """Feed lines with their arrival time; get back finished messages.

    `timed=False` (a pipe, where every line arrives at once) joins only by markers and fences.
    """

    timed: bool = True
    window_s: float = PASTE_WINDOW_S
    _lines: list[str] = field(default_factory=list)
    _last_at: float | None = None
    _mode: str = "idle"  # idle | timed (lines arriving fast) | bracketed | fenced

    def feed(self, line: str, at: float = 0.0) -> list[str]:
        """Take one line (without its newline) read at time `at` (seconds); return the messages
        this line finished, oldest first."""
        done: list[str] = []
        if self._mode == "timed" and (self._last_at is None or at - self._last_at > self.window_s):
            done += self.flush()
        self._last_at = at
        if self._mode == "fenced":
            if line.strip() == FENCE:
                done += self.flush()
            else:
                self._add(line, done)
            return done
        if self._mode != "bracketed" and PASTE_START in line:
            before, _, line = line.partition(PASTE_START)
            if before.strip():
                self._add(before, done)
            self._mode = "bracketed"
        if self._mode == "bracketed":
            inside, found, after = line.partition(PASTE_END)
            self._add(inside, done)
            if found:
                if after.strip():  # typed after the paste, before Enter: part of the message
                    self._lines.append(after)
                done += self.flush()
            return done
        if line.strip() == FENCE:
            done += self.flush()
            self._mode = "fenced"
            return done
        if not self.timed:
            return [*done, line]
        self._add(line, done)
        self._mode = "timed"
        return done

    def flush(self) -> list[str]:
        """The message being gathered, if any (called when no more input is waiting)."""
        text = "\n".join(self._lines).strip("\n")
        self._lines = []
        self._mode = "idle"
        self._last_at = None
        return [text] if text.strip() else []

    @property
    def gathering(self) -> bool:
        return bool(self._lines) or self._mode in ("bracketed", "fenced")

    @property
    def in_block(self) -> bool:
        """Inside a bracketed paste or a fenced block: wait for its end, not for a pause."""
        return self._mode in ("bracketed", "fenced")

    def _add(self, line: str, done: list[str]) -> None:
        if len(self._lines) >= MAX_MESSAGE_LINES:
            mode = self._mode
            done += self.flush()
            self._mode = mode
        self._lines.append(line)
