"""The job kinds of scheduled work. Each payload is {"at": ISO-8601 UTC}: the scheduled minute,
which the work uses as "now", so a run enqueued late (or by `clock --once --now`) does what it
would have done on time."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from chatbot import jobkinds
from chatbot.app import SellerGuard
from chatbot.jobs import PermanentJobError, Runner
from chatbot.schedule import batches, digest, expiry, inbox, liveness, reminders, retention
from chatbot.wecom import robot

log = logging.getLogger(__name__)

# imported for their reminders.batch and notify.inbox kinds (expiry registers expiry.batch)
__all__ = ["batches", "inbox"]


def _at(payload: dict[str, Any]) -> datetime:
    try:
        at = datetime.fromisoformat(str(payload["at"]))
    except (KeyError, ValueError) as exc:
        raise PermanentJobError(f"a scheduled job needs an ISO-8601 'at' time: {exc}") from None
    if at.tzinfo is None:
        raise PermanentJobError("a scheduled job's 'at' time needs a UTC offset")
    return at


def _scheduled(name: str, work: Callable[[SellerGuard, datetime, dict[str, Any]], object]) -> None:
    @jobkinds.register(f"scheduled.{name}")
    def factory(guard: SellerGuard) -> Runner:
        def run(payload: dict[str, Any]) -> None:
            result = work(guard, _at(payload), payload)
            log.info("scheduled %s at %s: %s", name, payload.get("at"), result)

        return run


_scheduled("reminders", lambda guard, at, _: reminders.run(guard, at))
_scheduled("recheck", lambda guard, at, _: liveness.run(guard, at))
_scheduled("expiry", lambda guard, at, _: expiry.run(guard, at))
_scheduled("digest", lambda guard, at, payload: digest.run(guard, at, str(payload["at"])))
_scheduled("retention", lambda guard, at, _: retention.run(guard, at))
_scheduled("notices", lambda guard, at, _: robot.watch_moderation(guard))
