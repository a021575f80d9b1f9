"""Job kinds: the one place that says which function runs a queued job of each kind.

A platform or feature module registers its kinds at import time::

    @jobkinds.register("notify.slack")
    def _notify(guard: SellerGuard) -> Runner:
        ...  # built once per worker, on the first job of that kind
        return run

and its module name goes into `MODULES` (or `SELLERGUARD_JOB_MODULES`, comma-separated, for
kinds shipped outside this package). The worker imports those modules by name, so it knows job
kinds, never Slack or WeCom, and no platform module imports the worker.

Channel kinds (`register_channel`) post one text to a team channel (the moderators' Slack
channel, the WeCom group robot); the digest enqueues one job per channel kind that is configured.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from chatbot.config import Settings
from chatbot.jobs import Runner

if TYPE_CHECKING:
    from chatbot.app import SellerGuard

log = logging.getLogger(__name__)

# Modules that register job kinds; a platform adds its own line here.
MODULES: tuple[str, ...] = (
    "chatbot.adapters.slack_jobs",
    "chatbot.schedule.kinds",
    "chatbot.wecom.work",
)

RunnerFactory = Callable[["SellerGuard"], Runner]

_factories: dict[str, RunnerFactory] = {}
_channels: dict[str, Callable[[Settings], bool]] = {}
_dedicated: set[str] = set()


def register(kind: str) -> Callable[[RunnerFactory], RunnerFactory]:
    """Decorator: `factory(guard) -> runner` runs jobs of `kind` (at most 64 characters).
    Registering a kind twice with different factories raises ValueError."""

    def decorate(factory: RunnerFactory) -> RunnerFactory:
        if len(kind) > 64:
            raise ValueError(f"job kind {kind!r} is longer than 64 characters")
        if _factories.get(kind, factory) is not factory:
            raise ValueError(f"job kind {kind!r} is registered twice")
        _factories[kind] = factory
        return factory

    return decorate


def dedicate(kind: str) -> None:
    """Jobs of `kind` run only in the process that holds a platform connection (the WeCom AI
    bot's long connection answers on its own socket); workers leave them alone."""
    _dedicated.add(kind)


def dedicated(settings: Settings) -> frozenset[str]:
    """The kinds no general worker claims (see `dedicate`)."""
    load(settings.job_modules)
    return frozenset(_dedicated)


def register_channel(kind: str, enabled: Callable[[Settings], bool]) -> None:
    """Mark `kind` (registered with `register`) as a team channel: its payload is {"text": str}
    and the digest sends to it when `enabled(settings)`."""
    _channels[kind] = enabled


def load(extra: Iterable[str] = ()) -> None:
    """Import the modules that register kinds (ImportError propagates: a typo in
    SELLERGUARD_JOB_MODULES stops the worker at start, not at the first job)."""
    for name in (*MODULES, *extra):
        importlib.import_module(name)


def is_registered(kind: str, settings: Settings) -> bool:
    """Whether some module registered `kind` (after loading the modules)."""
    load(settings.job_modules)
    return kind in _factories


def deliver_once(guard: SellerGuard, key: str, send: Callable[[], None]) -> bool:
    """Run `send` unless `key` was delivered before, then record `key` (the deliveries table),
    so a job run again after its worker died between sending and finishing sends nothing twice
    (the window left is the instant between the send and the record). False when skipped."""
    from chatbot.db.models import ProcessedDelivery

    if key:
        with guard.db.read() as session:
            if session.get(ProcessedDelivery, key[:255]) is not None:
                return False
    send()
    if key:
        guard.first_delivery(key)
    return True


def channels(settings: Settings) -> list[str]:
    """The channel kinds configured in `settings`, sorted."""
    load(settings.job_modules)
    return sorted(kind for kind, enabled in _channels.items() if enabled(settings))


class Runners(Mapping[str, Runner]):
    """Every registered kind's runner for one `SellerGuard`, each built on first use, so a
    worker with no Slack credentials still runs reminders (a Slack job then fails and is
    retried, and shows in `sellerguard jobs list`)."""

    def __init__(self, guard: SellerGuard) -> None:
        load(guard.settings.job_modules)
        self.guard = guard
        self._built: dict[str, Runner] = {}
        self._lock = threading.Lock()

    def __getitem__(self, kind: str) -> Runner:
        factory = _factories[kind]
        with self._lock:
            if kind not in self._built:
                self._built[kind] = factory(self.guard)
            return self._built[kind]

    def __iter__(self) -> Iterator[str]:
        return iter(list(_factories))

    def __len__(self) -> int:
        return len(_factories)

    def close(self) -> None:
        """Close what the runners opened (those that have a `close` attribute)."""
        for runner in self._built.values():
            closer: Any = getattr(runner, "close", None)
            if callable(closer):
                closer()
