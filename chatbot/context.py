"""What a handler may use: settings, the database, a clock, and shared service objects."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from chatbot.config import Settings
from chatbot.db import Database, utcnow

S = TypeVar("S")


@dataclass
class Context:
    settings: Settings
    db: Database
    clock: Callable[[], datetime] = utcnow
    _services: dict[Any, Any] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def service(self, factory: Callable[[Context], S]) -> S:
        """One shared instance of `factory(ctx)` per context (a service class, usually)."""
        with self._lock:
            if factory not in self._services:
                self._services[factory] = factory(self)
            return self._services[factory]  # type: ignore[no-any-return]
