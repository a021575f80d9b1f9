"""The one way sources reach the network: the safe fetcher, with every request written to the
evidence log (URL, UTC time, status, SHA-256 of the body, what was taken from it) and, when a
capture list is given, kept whole (request headers, response headers and body) for the lookup's
web-archive package (wacz.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import httpx

from chatbot.evidence.model import FetchRecord
from chatbot.net.fetcher import FetchError, FetchResult


class Fetcher(Protocol):
    async def fetch(self, url: str | httpx.URL, *, max_bytes: int | None = None,
                    timeout: float | None = None, headers: dict[str, str] | None = None,
                    follow_redirects: bool = True, service: bool = False) -> FetchResult: ...


Memo = dict[tuple[str, str], tuple[FetchResult, FetchRecord]]


@dataclass(frozen=True)
class Capture:
    """One exchange as it happened: what we sent and what came back (body decoded, see FetchResult)."""

    source: str
    request_headers: dict[str, str]
    result: FetchResult


class EvidenceClient:
    """`memo`, shared by the clients of one lookup, answers a second request for the same URL (and
    Accept) from the first answer: the Amazon page read for its date is read again for its photos
    without a second fetch, and the log keeps one record. `captures`, when given, receives every
    exchange as it happened (request headers sent, the answer) for the evidence package."""

    def __init__(self, fetcher: Fetcher, log: list[FetchRecord], memo: Memo | None = None,
                 captures: list[Capture] | None = None) -> None:
        self.fetcher = fetcher
        self.log = log
        self.memo = memo
        self.captures = captures

    async def get(self, url: str | httpx.URL, *, source: str, max_bytes: int | None = None,
                  timeout: float | None = None, accept: str | None = None,
                  follow_redirects: bool = True, service: bool = False) -> tuple[FetchResult, FetchRecord]:
        """Fetch and log; a `FetchError` is logged too, then raised for the source to report.
        `service`: the URL is one of our configured services (Wayback, RDAP, Amazon), not the
        site being checked (see net/services.py)."""
        key = (str(url), accept or "", service)
        if self.memo is not None and key in self.memo:
            return self.memo[key]
        record = FetchRecord(source=source, url=str(url),
                             fetched_at=datetime.now(UTC).isoformat(timespec="seconds"))
        self.log.append(record)
        headers = {"accept": accept} if accept else None
        try:
            kwargs = {"service": True} if service else {}
            result = await self.fetcher.fetch(url, max_bytes=max_bytes, timeout=timeout, headers=headers,
                                              follow_redirects=follow_redirects, **kwargs)
        except FetchError as exc:
            record.error = exc.code
            raise
        record.fetched_at = result.fetched_at.astimezone(UTC).isoformat(timespec="seconds")
        record.final_url = str(result.final_url)
        record.status = result.status
        record.sha256 = result.sha256
        record.size = len(result.body)
        record.truncated = bool(result.truncated)
        if self.memo is not None:
            self.memo[key] = (result, record)
        if self.captures is not None:
            sent = getattr(self.fetcher, "sent_headers", None)
            self.captures.append(Capture(source, sent(headers) if sent else dict(headers or {}), result))
        return result, record

    async def get_json(self, url: str | httpx.URL, *, source: str, max_bytes: int | None = None,
                       timeout: float | None = None, service: bool = False) -> tuple[Any, FetchRecord]:
        """JSON from a 200 answer, else None (the record still says what came back)."""
        result, record = await self.get(url, source=source, max_bytes=max_bytes, timeout=timeout,
                                        accept="application/json", service=service)
        if result.status != 200 or result.truncated:
            return None, record
        try:
            return json.loads(result.body.decode("utf-8-sig", "replace")), record
        except (ValueError, RecursionError):
            record.extracted.append("not JSON")
            return None, record
