"""Run every source at once, each under its own deadline, the whole lookup under one more; cache
the outcome per normalised URL in the database.

One source failing (a timeout, a hostile sitemap, Amazon's robot check) never sinks the others:
its result says what went wrong and the rest still count.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from chatbot.context import Context
from chatbot.evidence import (
    amazon,
    archive,
    combiner,
    copying,
    network,
    page,
    platform,
    platform_api,
    rdap,
    savepagenow,
    sitemap,
    wayback,
)
from chatbot.evidence import blocklist as blocklist_source
from chatbot.evidence import saved as saved_page
from chatbot.evidence.client import Capture, EvidenceClient, Memo
from chatbot.evidence.model import FetchRecord, SourceResult
from chatbot.evidence.models import SiteLookup
from chatbot.evidence.saved import SavedPage
from chatbot.evidence.snapshot import Snapshot, archived_original, parse_snapshot
from chatbot.net.fetcher import FetchError, FetchResult, Resolver, SafeFetcher
from chatbot.net.urls import InvalidURL, host_of, user_url

log = logging.getLogger(__name__)

# Per-source deadlines as multiples of settings.fetch_timeout: one request, or a short chain.
DEADLINES = {"page": 1.0, "wayback": 1.0, "amazon": 1.0, "rdap": 2.0, "platform_api": 2.0, "sitemap": 2.0}
SOURCE_GRACE = 1.0  # seconds
REFUSING_CODES = {"invalid_url", "blocked_address"}  # the input itself is bad
# A name that does not resolve is not bad input: the site may be gone, or our own network down
# (see network.diagnose); the lookup runs and says which.


class LookupRefused(Exception):
    """The URL cannot be checked at all; `key` is the message key (fetch.* / fetch.url.*)."""

    def __init__(self, key: str, detail: str = "", partial: dict[str, Any] | None = None) -> None:
        super().__init__(key)
        self.key = key
        self.detail = detail
        self.partial = partial  # what the sources that worked found, when any ran


@dataclass(frozen=True)
class LookupRequest:
    url: str
    since: date | None = None
    asin: str | None = None
    marketplace: str = "com"
    brand: str | None = None
    refresh: bool = False  # ignore the cache
    only: frozenset[str] | None = None  # run just these sources (benchmarks, diagnostics); not cached
    listing: str | None = None  # the seller's own product page on any shop, for the copying check
    images: tuple[str, ...] = ()  # the seller's own photo files, for the copying check

    @property
    def compares(self) -> bool:
        """Whether the copying check runs: the seller named their listing or supplied photos."""
        return bool(self.asin or self.listing or self.images) and self.only is None


@dataclass
class _PageOutcome:
    fetched: FetchResult | None = None
    evidence: page.PageEvidence | None = None
    detection: platform.Detection | None = None


@dataclass
class _SiteNames:
    unit: str
    registrable: str
    shared_platform: str | None


def site_names(host: str) -> _SiteNames:
    """The blocklist unit and the registrable domain; plain host when the PSL cannot tell."""
    try:
        from chatbot.blocklist.normalize import InvalidSite, normalize_site
    except ImportError:  # pragma: no cover - the blocklist package ships with the bot
        return _SiteNames(host, host, None)
    try:
        site = normalize_site(host)
    except InvalidSite:
        return _SiteNames(host, host, None)
    return _SiteNames(site.unit, site.registrable, site.shared_platform)


def url_key(normalized_url: str) -> str:
    return hashlib.sha256(normalized_url.encode("utf-8")).hexdigest()


@dataclass
class EvidenceEngine:
    """`ctx.service(EvidenceEngine)`; tests and the benchmark pass a resolver for fake names."""

    ctx: Context
    resolver: Resolver | None = None
    _fetcher: SafeFetcher | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def settings(self) -> Any:
        return self.ctx.settings

    def fetcher(self) -> SafeFetcher:
        """One fetcher for every lookup of this context, so its per-host and overall limits hold
        across lookups running side by side (a burst of /checksite is no traffic cannon)."""
        with self._lock:
            if self._fetcher is None or self._fetcher.settings is not self.settings:
                self._fetcher = SafeFetcher(self.settings, resolver=self.resolver)
            return self._fetcher

    # -- entry points -------------------------------------------------------------------------
    def normalize(self, text: str) -> httpx.URL:
        try:
            return user_url(text, self.settings)
        except InvalidURL as exc:
            raise LookupRefused(f"fetch.url.{exc.code}", exc.detail) from None

    def check(self, request: LookupRequest) -> dict[str, Any]:
        """Blocking form for handlers: runs the lookup on its own event loop."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(self.lookup(request))
        # Called from inside a running loop (an async adapter): use a worker thread's loop.
        box: dict[str, Any] = {}

        def work() -> None:
            try:
                box["result"] = asyncio.run(self.lookup(request))
            except BaseException as exc:
                box["error"] = exc

        thread = threading.Thread(target=work, name="checksite")
        thread.start()
        thread.join()
        if "error" in box:
            raise box["error"]
        return box["result"]  # type: ignore[no-any-return]

    def check_saved(self, saved: SavedPage, request: LookupRequest) -> dict[str, Any]:
        """A saved copy of a page, read offline with every page-level source (see saved.py).

        `request.url` is the page's original address if the seller gave one (`--url`), else "";
        raises LookupRefused when that address is not one we would check. Nothing is fetched,
        cached or recorded about the site. A Wayback snapshot link given as the address says
        which snapshot the copy is, as if the file had recorded it."""
        if request.url and parse_snapshot(request.url, self.settings.wayback_url) is not None:
            saved, request = dataclasses.replace(saved, url=request.url), dataclasses.replace(request, url="")
        target = saved_page.original_url(saved, request.url or None)
        named = target is None and (target := saved_page.page_address(saved)) is not None
        try:
            url = self.normalize(target) if target else None
        except LookupRefused:
            if not named:
                raise
            target, url = None, None  # the page's own link names no site we would check: read it alone
        names = site_names(host_of(url)) if url else None
        today = self.ctx.clock().date()
        sources, record, evidence, detection = saved_page.analyse(saved, str(url) if url else None, today)
        base = saved_page.summary_base(target, str(url) if url else None, names, detection, sources, record)
        base["host"] = host_of(url) if url else saved.name
        words = [list(w) for w in evidence.doc.segments]
        result = self._finish(request, base, words, [], [], False)
        result["network"] = base["network"]
        result["blocklist"] = blocklist_source.status(self.ctx, names.unit) if names else {}
        return result

    async def lookup(self, request: LookupRequest) -> dict[str, Any]:
        # A Wayback snapshot link is that snapshot of its original URL (see snapshot.py).
        # Another archive link (a calendar of captures, a capture request) is the page it is about.
        snap = parse_snapshot(request.url, self.settings.wayback_url)
        page_link = archived_original(request.url, self.settings.wayback_url) or request.url
        url = self.normalize(snap.original if snap else page_link)
        fetcher = self.fetcher()
        try:
            return await self._lookup(request, url, fetcher, snap)
        finally:
            await fetcher.aclose()  # this event loop's connections; the limits stay shared

    async def _lookup(self, request: LookupRequest, url: httpx.URL, fetcher: SafeFetcher,
                      snap: Snapshot | None = None) -> dict[str, Any]:
        names = site_names(host_of(url))
        key = url_key(str(url) + (f" snapshot {snap.timestamp}" if snap else ""))
        started = time.monotonic()
        fresh = request.refresh or request.only is not None
        cached = None if fresh else await asyncio.to_thread(self._cached, key)
        extra_sources: list[SourceResult] = []
        log_records: list[FetchRecord] = []
        memo: Memo = {}  # one answer per URL for this lookup: the copying check reuses the pages
        if cached is not None:
            base, words = cached
            if request.asin:
                client = EvidenceClient(fetcher, log_records, memo)
                extra_sources.append(await self._guard("amazon", self._amazon(client, request)))
        else:
            base, words = await self._run_sources(url, names, request, fetcher, log_records, extra_sources,
                                                  memo, snap)
        refused = base.pop("refused", None)
        captures: list[Capture] = base.pop("_captures", [])
        offline = (base.get("network") or {}).get("state") == "offline"
        if cached is None and refused is None and request.only is None and not offline:
            # The package first: its name and SHA-256 are part of the stored result.
            base["package"] = await asyncio.to_thread(
                archive.keep, self.settings, captures, host=base["host"], key=key,
                main_url=base["normalized_url"], title=base.pop("_title", "") or base["host"])
        base.pop("_title", None)
        if cached is None and refused is None and request.only is None and not offline:
            # Offline, we learnt nothing about the site: neither a cache entry nor "site is down".
            base["id"] = await asyncio.to_thread(self._store, key, url, names, base, words)
            await asyncio.to_thread(blocklist_source.record, self.ctx, names.unit, _signals(base))
        result = self._finish(request, base, words, extra_sources, log_records, cached is not None)
        result["blocklist"] = await asyncio.to_thread(blocklist_source.status, self.ctx, names.unit)
        if request.compares and refused is None:
            spent = time.monotonic() - started
            budget = max(self.settings.fetch_timeout, self.settings.lookup_timeout - spent)
            client = EvidenceClient(fetcher, log_records, memo)
            await copying.check_in_lookup(self.ctx, client, request, str(url), result, budget)
        result["elapsed"] = round(time.monotonic() - started, 3)
        if refused is not None:
            # The page itself cannot be fetched for a reason that lies in the input; what the
            # other sources found still travels with the refusal.
            result["refused"] = refused
            raise LookupRefused(f"fetch.{refused['code']}", refused.get("detail", ""), result)
        return result

    # -- running the sources ------------------------------------------------------------------
    async def _guard(self, name: str, work: Awaitable[SourceResult]) -> SourceResult:
        deadline = self._source_deadline(name)
        began = time.monotonic()
        try:
            result = await asyncio.wait_for(work, timeout=deadline)
        except TimeoutError:
            result = SourceResult(name).fail("timeout", f"no answer within {deadline:g} s")
        except FetchError as exc:
            result = SourceResult(name).fail(f"fetch.{exc.code}", exc.detail)
        except Exception as exc:  # a bug in one source must not sink the others
            log.exception("source %s failed", name)
            result = SourceResult(name).fail("internal", type(exc).__name__)
        result.elapsed = time.monotonic() - began
        return result

    def _source_deadline(self, name: str) -> float:
        """Seconds one source may take: a little past the fetcher's own deadline, so a slow
        fetch reports itself precisely."""
        return DEADLINES.get(name, 1.0) * self.settings.fetch_timeout + SOURCE_GRACE

    async def _amazon(self, client: EvidenceClient, request: LookupRequest) -> SourceResult:
        assert request.asin
        return await amazon.run(client, self.settings.amazon_url, request.asin, request.marketplace,
                                datetime.now(UTC).date())

    async def _run_sources(self, url: httpx.URL, names: _SiteNames, request: LookupRequest,
                           fetcher: SafeFetcher, log_records: list[FetchRecord],
                           extra_sources: list[SourceResult], memo: Memo,
                           snap: Snapshot | None = None) -> tuple[dict[str, Any], list[Any]]:
        today = datetime.now(UTC).date()
        captures: list[Capture] = []
        client = EvidenceClient(fetcher, log_records, memo, captures)
        loop = asyncio.get_running_loop()
        saving = None
        if self.settings.save_page_now and request.only is None:
            saving = asyncio.create_task(savepagenow.request(client, self.settings.wayback_url, str(url)))
        # Page extraction runs on a thread, which no asyncio timeout can stop: it checks this
        # deadline itself (page.Budget), the page source's own or the whole lookup's, whichever
        # comes first, and hands back what it found by then.
        extraction_ends = time.monotonic() + min(self.settings.lookup_timeout,
                                                 self._source_deadline("page")) - SOURCE_GRACE / 2
        page_done: asyncio.Future[_PageOutcome] = loop.create_future()
        outcome = _PageOutcome()

        async def page_source() -> SourceResult:
            nonlocal snap
            result = SourceResult("page")
            try:
                try:
                    # A snapshot link: the page as the archive captured it (the site may be gone).
                    target = snap.raw_url(self.settings.wayback_url) if snap else url
                    fetched, record = await client.get(target, source="page", accept="text/html",
                                                       service=snap is not None)
                except FetchError as exc:
                    result.fail(f"fetch.{exc.code}", exc.detail)
                    result.info["refusing"] = exc.code in REFUSING_CODES
                    return result
                outcome.fetched = fetched
                if snap is not None and (landed := snap.landed(fetched.final_url, self.settings.wayback_url)):
                    snap = landed  # a short timestamp: the archive said which capture it is
                result.info.update({"status": fetched.status, "final_url": fetched.final_url,
                                    "peer_ip": fetched.peer_ip})
                if fetched.redirects:
                    result.info["redirects"] = list(fetched.redirects)
                html = fetched.text
                outcome.detection = platform.detect(html, fetched.headers, host_of(url))
                if fetched.status >= 400:
                    record.extracted.append(f"HTTP {fetched.status}: page not available")
                    code = "not_found" if fetched.status in {404, 410} else f"http_{fetched.status}"
                    return result.fail(code)
                if fetched.truncated:
                    result.info["truncated"] = True
                evidence = await asyncio.to_thread(page.extract, fetched.body, fetched.headers,
                                                   str(url), today, budget=page.Budget(extraction_ends))
                outcome.evidence = evidence
                if not evidence.complete:
                    result.info["extraction_stopped"] = True
                    record.extracted.append("extraction stopped at the deadline; dates found so far kept")
                result.dates.extend(evidence.claims)
                record.extracted.extend(f"{c.kind} {c.value.isoformat()} ({c.detail})"
                                        for c in evidence.claims[:40])
                record.extracted.append(f"platform: {outcome.detection.name}")
                return result
            finally:
                if not page_done.done():
                    page_done.set_result(outcome)

        async def platform_of_page() -> str | None:
            done = await asyncio.shield(page_done)
            return done.detection.key if done.detection else None

        async def peer_ip() -> str | None:
            done = await asyncio.shield(page_done)
            return done.fetched.peer_ip if done.fetched else None

        works: dict[str, Callable[[], Awaitable[SourceResult]]] = {
            "page": page_source,
            "platform_api": lambda: platform_api.run(client, url, today, platform_of_page),
            "sitemap": lambda: sitemap.run(client, url, today),
            "wayback": lambda: wayback.run(client, self.settings.wayback_url, url, names.unit, today),
            "rdap": lambda: rdap.run(client, self.settings.rdap_url, names.registrable, names.shared_platform,
                                     today, peer_ip),
        }
        if request.asin:
            works["amazon"] = lambda: self._amazon(client, request)
        if request.only is not None:
            works = {name: work for name, work in works.items() if name in request.only}
            if "page" not in works:
                page_done.set_result(outcome)  # nobody will fetch the page: dependants go on without it
        tasks = {name: asyncio.create_task(self._guard(name, work())) for name, work in works.items()}
        done, pending = await asyncio.wait(tasks.values(), timeout=self.settings.lookup_timeout)
        for task in pending:
            task.cancel()
        if not page_done.done():
            page_done.set_result(outcome)
        saved = await _at_most(saving, savepagenow.GRACE) if saving is not None else None
        sources: list[SourceResult] = []
        for name, task in tasks.items():
            if task in done:
                sources.append(task.result())
            else:
                sources.append(SourceResult(name).fail("timeout", "the whole lookup ran out of time"))
        page_result = next((s for s in sources if s.name == "page"), SourceResult("page"))
        refused = None
        if page_result.info.pop("refusing", False):
            code = (page_result.error or "fetch.invalid_url").removeprefix("fetch.")
            refused = {"code": code, "detail": page_result.error_detail}
        if snap is not None and (snap_claim := snap.claim(today)) is not None:
            archive = next((s for s in sources if s.name == "wayback"), None)
            if archive is None:
                archive = SourceResult("wayback")
                sources.append(archive)
            archive.dates.append(snap_claim)
        cached_sources = [s for s in sources if s.name != "amazon"]
        extra_sources.extend(s for s in sources if s.name == "amazon")
        detection = outcome.detection or platform.Detection("unknown", "unknown", 0, ())
        verdict = combiner.combine([c for s in cached_sources for c in s.dates])
        abuse = {k: v for s in cached_sources if s.name == "rdap" for k, v in s.info.items()
                 if k in {"registrar", "registrar_iana_id", "registrar_abuse_email", "registrar_abuse_phone",
                          "registrar_abuse_emails", "registrar_abuse_phones", "host_ip", "host_network",
                          "host_owner", "host_abuse_email", "host_abuse_emails"}}
        archive = [link for s in cached_sources if s.name == "wayback"
                   for link in s.info.get("archive_links", [])]
        base = {
            "url": request.url,
            **({"snapshot": {"timestamp": snap.timestamp, "original": snap.original, "link": snap.link}}
               if snap else {}),
            "normalized_url": str(url),
            "host": host_of(url),
            "site": names.unit,
            "registrable": names.registrable,
            "shared_platform": names.shared_platform,
            "checked_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "platform": detection.key,
            "platform_name": detection.name,
            "platform_signals": list(detection.matched),
            "page_first_seen": verdict.page.to_json() if verdict.page else None,
            "site_first_seen": verdict.site.to_json() if verdict.site else None,
            "sources": [s.to_json() for s in cached_sources],
            "abuse": abuse,
            "archive_links": archive,
            "evidence": [r.to_json() for r in log_records if r.source != "amazon"],
            "page_status": outcome.fetched.status if outcome.fetched else None,
            "network": network.diagnose([s.to_json() for s in cached_sources]).to_json(),
            "_captures": captures,
            "_title": outcome.evidence.doc.title if outcome.evidence else "",
        }
        if saved is not None:
            base["save_page_now"] = saved
            if saved.get("url"):
                base["archive_links"] = [*base["archive_links"], {"url": saved["url"], "saved_now": True}]
        if refused is not None:
            base["refused"] = refused
        words = list(outcome.evidence.doc.segments) if outcome.evidence else []
        words += [w for s in cached_sources for w in s.segments]  # the platform's own product text
        return base, [list(w) for w in words]

    # -- the result for this request ---------------------------------------------------------
    def _finish(self, request: LookupRequest, base: dict[str, Any], words: list[Any],
                extra: list[SourceResult], log_records: list[FetchRecord], cached: bool) -> dict[str, Any]:
        result = dict(base)
        result["cached"] = cached
        result["sources"] = list(base["sources"]) + [s.to_json() for s in extra]
        # The Amazon lookup belongs to this request, not to the cached page evidence.
        own = [r.to_json() for r in log_records if r.source == "amazon"]
        result["evidence"] = list(base["evidence"]) + own
        seller, seller_source = request.since, "stated" if request.since else ""
        for source in extra:
            if source.name == "amazon" and source.ok and source.dates and seller is None:
                seller, seller_source = source.dates[0].value, "amazon"
        page_estimate = None
        if base.get("page_first_seen"):
            raw = base["page_first_seen"]
            page_estimate = combiner.Estimate(date.fromisoformat(raw["date"]), raw["confidence"],
                                              raw["sources"], [])
        result["comparison"] = combiner.compare(seller, seller_source, page_estimate)
        amazon_result = next((s for s in extra if s.name == "amazon"), None)
        if request.asin and seller is None and amazon_result is not None and not amazon_result.ok:
            # The seller gave --asin: say why Amazon did not give the date, never "give --asin".
            result["comparison"] |= {"reason": "amazon_failed", "amazon_error": amazon_result.error}
        result["network"] = network.diagnose(result["sources"]).to_json()
        result["brand"] = request.brand or None
        segments = [(str(where), str(text)) for where, text in words]
        result["brand_hits"] = combiner.brand_hits(segments, request.brand) if request.brand else []
        result["asin"] = request.asin
        result["marketplace"] = request.marketplace if request.asin else None
        return result

    # -- storage ------------------------------------------------------------------------------
    def _cached(self, key: str) -> tuple[dict[str, Any], list[Any]] | None:
        if self.settings.cache_ttl_seconds <= 0:
            return None
        now = self.ctx.clock()
        with self.ctx.db.session() as session:
            row = session.scalars(
                select(SiteLookup).where(SiteLookup.url_key == key, SiteLookup.expires_at > now)
                .order_by(SiteLookup.created_at.desc(), SiteLookup.id.desc()).limit(1)
            ).first()
            if row is None:
                return None
            result = dict(row.result)
            result["id"] = row.id
            return result, list(row.page_words)

    def _store(self, key: str, url: httpx.URL, names: _SiteNames, base: dict[str, Any],
               words: list[Any]) -> int:
        now = self.ctx.clock()
        page = next((s for s in base["sources"] if s["name"] == "page"), None)
        # A page that failed (a timeout, a 404) may answer next time, and so may one of our own
        # services that could not be reached (the Wayback Machine, RDAP): keep the record, serve it
        # to nobody, so the next lookup asks again instead of repeating "could not be reached".
        services_down = (base.get("network") or {}).get("services_down") or []
        complete = page is not None and page["ok"] and not services_down
        ttl = self.settings.cache_ttl_seconds if complete else 0
        with self.ctx.db.session() as session:
            row = SiteLookup(url_key=key, normalized_url=str(url), site=names.unit[:253], created_at=now,
                             expires_at=now + timedelta(seconds=ttl),
                             result=base, page_words=words)
            session.add(row)
            session.flush()
            return row.id

    def stored(self, lookup_id: int) -> dict[str, Any] | None:
        """A stored lookup by id, for reports and cases that cite it."""
        with self.ctx.db.session() as session:
            row = session.get(SiteLookup, lookup_id)
            return None if row is None else dict(row.result) | {"id": row.id}


async def _at_most(task: asyncio.Task[dict[str, Any]], seconds: float) -> dict[str, Any]:
    """The task's answer if it comes within `seconds`; else it is cancelled and marked pending."""
    try:
        return await asyncio.wait_for(task, timeout=seconds)
    except TimeoutError:
        return {"status": "pending"}
    except Exception as exc:  # the archive request must never sink the lookup
        log.warning("save page now failed: %s", exc)
        return {"status": "failed", "detail": type(exc).__name__}


def _signals(base: dict[str, Any]) -> dict[str, Any]:
    abuse = base.get("abuse") or {}
    signals: dict[str, Any] = {"online": base.get("page_status") is not None
                               and int(base.get("page_status") or 0) < 400}
    if abuse.get("host_ip"):
        signals["ip"] = abuse["host_ip"]
    if abuse.get("registrar"):
        signals["registrar"] = abuse["registrar"]
    contacts = [v for k in ("registrar_abuse_email", "host_abuse_email") for v in rdap.every_value(abuse, k)]
    if contacts:
        signals["abuse_contact"] = contacts
    return signals
