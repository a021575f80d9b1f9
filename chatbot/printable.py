"""Text from outside, made safe to print on a terminal.

A page title, a pasted notice or a blocklist reason can hold control characters: ESC sequences
that clear the screen or set the window title, BEL, backspaces and carriage returns that
overwrite what was printed, C1 controls (0x80–0x9F, which some terminals read as ESC [), DEL,
and Unicode bidi overrides that make text read differently from what it is. `printable` shows
each one visibly as a `\\xNN` / `\\uNNNN` escape instead; tab and newline stay.
"""

from __future__ import annotations

import json
import re
from typing import Any

_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_UNSAFE_IN_JSON = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")  # json escapes C0


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """`text` with every terminal control character (C0 but tab and newline, DEL, C1, bidi
    controls) replaced by a visible escape such as `\\x1b`; linear in the text."""
    return _UNSAFE.sub(_escape, text)


def has_control(text: str) -> bool:
    """Whether `text` holds a character `printable` would escape (a C0 control but tab and
    newline, DEL, a C1 control or a bidi control): such text cannot be a name or a word."""
    return _UNSAFE.search(text) is not None


def printable_json(value: Any, **options: Any) -> str:
    """`json.dumps(value, ensure_ascii=False, **options)`, with the characters JSON leaves raw but
    a terminal obeys (DEL, C1, bidi controls) written as `\\uNNNN` escapes: still valid JSON,
    and it decodes to the same value."""
    text = json.dumps(value, ensure_ascii=False, **options)
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)
