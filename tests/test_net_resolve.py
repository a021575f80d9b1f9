"""Name lookups: any resolver shape, and the short answer cache."""

from __future__ import annotations

import asyncio
import types

import pytest

from chatbot.config import Settings
from chatbot.net import FetchError, SafeFetcher, resolve
from chatbot.net.resolve import AnswerCache, ask


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(resolve, "time", types.SimpleNamespace(monotonic=fake.monotonic))
    return fake


def test_answers_expire(clock: Clock) -> None:
    cache = AnswerCache(30)
    cache.put("shop.test", ("93.184.215.14",))
    clock.now += 29
    assert cache.get("shop.test") == ("93.184.215.14",)
    clock.now += 2
    assert cache.get("shop.test") is None


def test_the_cache_is_bounded_and_drops_the_oldest(clock: Clock) -> None:
    cache = AnswerCache(30, size=2)
    for host in ("a.test", "b.test", "c.test"):
        cache.put(host, ("93.184.215.14",))
    assert cache.get("a.test") is None
    assert cache.get("b.test") and cache.get("c.test")


def test_nothing_is_kept_when_caching_is_off_or_there_is_no_answer(clock: Clock) -> None:
    off = AnswerCache(0)
    off.put("shop.test", ("93.184.215.14",))
    assert off.get("shop.test") is None
    on = AnswerCache(30)
    on.put("shop.test", ())
    assert on.get("shop.test") is None


def test_any_resolver_shape() -> None:
    async def coroutine(host: str) -> list[str]:
        return ["1.1.1.1"]

    class CallableObject:
        async def __call__(self, host: str) -> list[str]:
            return ["2.2.2.2"]

    def blocking(host: str) -> tuple[str, ...]:
        return ("3.3.3.3",)

    async def run() -> list[list[str]]:
        return [await ask(r, "x.test") for r in (coroutine, CallableObject(), blocking)]

    assert asyncio.run(run()) == [["1.1.1.1"], ["2.2.2.2"], ["3.3.3.3"]]


def test_failed_lookups_are_not_cached() -> None:
    calls: list[str] = []

    def flaky(host: str) -> list[str]:
        calls.append(host)
        if len(calls) == 1:
            raise OSError("temporary failure in name resolution")
        return ["10.0.0.1"]  # private: refused, but a real answer

    fetcher = SafeFetcher(Settings(), resolver=flaky)

    async def run() -> list[str]:
        codes = []
        for _ in range(3):
            try:
                await fetcher.fetch("https://shop.test/")
            except FetchError as exc:
                codes.append(exc.code)
        return codes

    # the failure was asked again; the refused answer was cached and refused again without asking
    assert asyncio.run(run()) == ["unresolvable", "blocked_address", "blocked_address"]
    assert calls == ["shop.test", "shop.test"]
