"""Concurrency limits shared across event loops."""

from __future__ import annotations

import asyncio

import pytest

from chatbot.net.limits import PerKeyLimit, SharedLimit


def test_a_cancelled_waiter_takes_no_slot() -> None:
    limit = SharedLimit(1)

    async def run() -> int:
        release = asyncio.Event()

        async def holder() -> None:
            async with limit.hold():
                await release.wait()

        first = asyncio.create_task(holder())
        await asyncio.sleep(0)
        waiter = asyncio.create_task(holder())
        await asyncio.sleep(0.01)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        release.set()
        await first
        return limit.held

    assert asyncio.run(run()) == 0


def test_at_most_size_holders() -> None:
    limit = SharedLimit(2)
    peak = 0

    async def work() -> None:
        nonlocal peak
        async with limit.hold():
            peak = max(peak, limit.held)
            await asyncio.sleep(0.005)

    async def run() -> None:
        await asyncio.gather(*(work() for _ in range(10)))

    asyncio.run(run())
    assert peak == 2 and limit.held == 0


def test_per_key_limits_are_forgotten_when_idle() -> None:
    limits = PerKeyLimit(1)

    async def run() -> int:
        async with limits.hold("a.test"), limits.hold("b.test"):
            assert len(limits) == 2
        return len(limits)

    assert asyncio.run(run()) == 0


def test_a_limit_needs_room() -> None:
    with pytest.raises(ValueError):
        SharedLimit(0)
