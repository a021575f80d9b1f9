"""A deadline for CPU work that runs where no timeout can reach it (a worker thread).

asyncio can stop waiting for a thread, not stop the thread: work on hostile input must look at the
clock itself. A `Budget` is checked between stages and every CHECK_EVERY loop steps, so the work
ends at most one capped step after its deadline; `steps` counts the loop steps done, which tests
and benchmarks assert on instead of wall time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

CHECK_EVERY = 256  # loop steps between two looks at the clock


class ExtractionTimeout(Exception):
    """The extraction budget ran out; what was found so far is kept (see `extract`)."""


class Budget:
    """A deadline for CPU work on one page, checked between stages and every CHECK_EVERY loop
    steps, so the lookup's deadline really ends the work; `steps` counts loop steps (tests
    and benchmarks assert on it instead of on wall time)."""

    def __init__(self, deadline: float | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.deadline = deadline  # clock() value, or None for no deadline
        self.clock = clock
        self.steps = 0

    def check(self) -> None:
        if self.deadline is not None and self.clock() >= self.deadline:
            raise ExtractionTimeout()

    def step(self) -> None:
        self.steps += 1
        if self.steps % CHECK_EVERY == 0:
            self.check()

    def each(self, items: Iterable[Any]) -> Iterator[Any]:
        for item in items:
            self.step()
            yield item


UNBOUNDED = Budget()  # for callers without a deadline (tests, benchmarks)
