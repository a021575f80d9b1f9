"""The community blocklist's word on the site, and what this lookup teaches the blocklist."""

from __future__ import annotations

import logging
from typing import Any

from chatbot.context import Context

log = logging.getLogger(__name__)


def status(ctx: Context, site: str) -> dict[str, Any]:
    """The blocklist's `check` answer, or {"status": "unavailable", ...} when it cannot tell."""
    try:
        from chatbot.blocklist.errors import BlocklistError
        from chatbot.blocklist.service import BlocklistService
    except ImportError:
        return {"status": "unavailable", "reason": "no_blocklist"}
    try:
        return ctx.service(BlocklistService).check(site)
    except BlocklistError as exc:
        return {"status": "unavailable", "reason": exc.code}
    except Exception:  # the blocklist is a side dish: its failure must not sink the lookup
        log.exception("blocklist check for %s failed", site)
        return {"status": "unavailable", "reason": "error"}


def record(ctx: Context, site: str, signals: dict[str, Any]) -> None:
    """Hand the lookup's signals (IP, registrar, abuse contact, online) to the blocklist."""
    try:
        from chatbot.blocklist.service import BlocklistService
    except ImportError:
        return
    try:
        ctx.service(BlocklistService).record_signals(site, signals)
    except Exception:
        log.warning("recording lookup signals for %s failed", site, exc_info=True)
