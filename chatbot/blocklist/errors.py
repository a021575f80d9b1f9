"""Why a blocklist operation did not happen; the code names the reply text, the kind the exit code."""

from __future__ import annotations

from typing import Any, Literal

Kind = Literal["refused", "invalid"]


class BlocklistError(Exception):
    """`refused`: not allowed, not found, rate-limited (CLI exit 1); `invalid`: bad input (exit 2).

    `code` is the message key under `blocklist.error.` in knowledge/messages/<lang>/blocklist.yaml.
    """

    def __init__(self, code: str, kind: Kind = "refused", **params: Any) -> None:
        super().__init__(f"{code} {params}" if params else code)
        self.code = code
        self.kind: Kind = kind
        self.params = params


def refused(code: str, **params: Any) -> BlocklistError:
    return BlocklistError(code, "refused", **params)


def invalid(code: str, **params: Any) -> BlocklistError:
    return BlocklistError(code, "invalid", **params)
