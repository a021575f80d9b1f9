"""Sitemaps: `lastmod` of the product URL and the earliest `lastmod` of the store, and the upload
times of the product's pictures the sitemap lists (Shopify writes `<image:image>` entries whose
CDN URLs carry `?v=<unix time>`, read by the one reader of those, `assets.asset_claims`).

Every value is read: a `<url>` with several `<lastmod>` gives each, and its language versions
(`<xhtml:link rel="alternate" href=…>`, sitemaps.org and Google's hreflang extension) are the
same page under other addresses.

XML from a stranger is hostile: defusedxml refuses entities (the billion-laughs bomb) and DTDs,
each document is size-capped by the fetcher, nesting is bounded, and only sitemaps on the same
site are followed.
"""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass, field
from datetime import date
from xml.etree.ElementTree import Element

import httpx
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from chatbot.evidence.assets import asset_claims
from chatbot.evidence.client import EvidenceClient
from chatbot.evidence.dates import parse_iso, plausible
from chatbot.evidence.model import DateClaim, SourceResult
from chatbot.net.canonical import comparable
from chatbot.net.fetcher import FetchError

SOURCE = "sitemap"
MAX_DEPTH = 2  # sitemap index → sitemap → (no further)
MAX_SITEMAPS = 8
MAX_URLS = 50_000  # the protocol's own limit per file
MAX_BYTES = 5_000_000
W_PAGE_LASTMOD, W_SITE_LASTMOD = 0.3, 0.3
MAX_PER_URL = 20  # addresses, dates and pictures read from one <url>


class SitemapRefused(ValueError):
    """The document is not a sitemap we will read (an XML bomb, a DTD, broken XML)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


@dataclass
class Parsed:
    """One sitemap document: `kind` "index" or "urlset"; `entries` (loc, lastmod) — one per address
    and date of each `<url>` (lastmod "" when it gives none); `images` (loc, picture URL)."""

    kind: str
    entries: list[tuple[str, str]] = field(default_factory=list)
    images: list[tuple[str, str]] = field(default_factory=list)


def parse(body: bytes) -> Parsed:
    """Read a sitemap or sitemap index; raise SitemapRefused on hostile or broken XML. At most
    MAX_URLS entries, and MAX_PER_URL addresses, dates and pictures from one `<url>`."""
    try:
        root: Element = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise SitemapRefused("xml_refused") from None
    except (ParseError, ValueError):
        raise SitemapRefused("xml_invalid") from None
    kind = _local(root.tag)
    if kind not in {"sitemapindex", "urlset"}:
        raise SitemapRefused("not_sitemap")
    parsed = Parsed("index" if kind == "sitemapindex" else "urlset")
    for child in root:
        if len(parsed.entries) >= MAX_URLS:
            break
        locs: list[str] = []
        lastmods: list[str] = []
        pictures: list[str] = []
        for item in child:
            name = _local(item.tag)
            if name == "loc":
                locs.insert(0, (item.text or "").strip())  # the page's own address first
            elif name == "lastmod":
                lastmods.append((item.text or "").strip())
            elif name == "link" and (item.get("rel") or "") == "alternate" and item.get("href"):
                locs.append(item.get("href", "").strip())
            elif name == "image":
                pictures += [(p.text or "").strip() for p in item if _local(p.tag) == "loc"]
        locs = [loc for loc in locs[:MAX_PER_URL] if loc]
        for loc in locs:
            parsed.entries += [(loc, lastmod) for lastmod in lastmods[:MAX_PER_URL] or [""]]
            parsed.images += [(loc, picture) for picture in pictures[:MAX_PER_URL] if picture]
    del parsed.entries[MAX_URLS:]
    return parsed


def _same_site(candidate: str, host: str) -> bool:
    try:
        other = httpx.URL(candidate)
    except (httpx.InvalidURL, ValueError):
        return False
    return other.scheme in {"http", "https"} and (other.host or "").lower() == host


def _on_origin(loc: str, base: str) -> str:
    parsed = httpx.URL(loc)
    query = f"?{parsed.query.decode('ascii', 'replace')}" if parsed.query else ""
    return f"{base}{parsed.path}{query}"


async def run(client: EvidenceClient, url: httpx.URL, today: date) -> SourceResult:
    result = SourceResult(SOURCE)
    host = (url.host or "").lower()
    base = f"{url.scheme}://{url.netloc.decode('ascii')}"
    target = comparable(str(url))
    seen: set[str] = set()
    entries_read: list[tuple[str, str, str]] = []  # (loc, lastmod, sitemap url)
    pictures: dict[str, str] = {}  # this page's pictures listed in a sitemap → that sitemap's URL
    errors: list[str] = []
    read = 0

    async def one(sitemap_url: str) -> list[str]:
        """Read one sitemap; its children when it is an index."""
        nonlocal read
        try:
            fetched, record = await client.get(sitemap_url, source=SOURCE, max_bytes=MAX_BYTES,
                                               accept="application/xml")
        except FetchError as exc:
            errors.append(f"fetch.{exc.code}")
            return []
        if fetched.status != 200:
            errors.append("not_found" if fetched.status == 404 else f"http_{fetched.status}")
            return []
        if fetched.truncated:
            record.extracted.append("refused: larger than the size cap")
            errors.append("fetch.too_large")
            return []
        try:
            parsed = parse(fetched.body)
        except SitemapRefused as exc:
            record.extracted.append(f"refused: {exc.code}")
            errors.append(exc.code)
            return []
        read += 1
        entries = parsed.entries
        if parsed.kind == "index":
            # Same site only, and always through the origin we already fetched (scheme and port).
            children = [_on_origin(loc, base) for loc, _ in entries if _same_site(loc, host)]
            record.extracted.append(f"sitemap index: {len(entries)} sitemaps, {len(children)} on this site")
            # Product sitemaps first: they hold the product pages we came for.
            return sorted(children, key=lambda loc: 0 if "product" in loc.lower() else 1)
        record.extracted.append(f"{len(entries)} URLs")
        for loc, lastmod in entries:
            if comparable(loc) == target and lastmod:
                record.extracted.append(f"this page: lastmod {lastmod}")
            entries_read.append((loc, lastmod, sitemap_url))
        for loc, picture in parsed.images:
            if comparable(loc) == target:
                pictures.setdefault(picture, sitemap_url)
        return []

    level = [f"{base}/sitemap.xml"]
    for _depth in range(MAX_DEPTH + 1):
        level = [u for u in dict.fromkeys(level) if u not in seen][:MAX_SITEMAPS - len(seen)]
        if not level:
            break
        seen.update(level)
        # One level at a time, its documents side by side: depth stays bounded, time stays short.
        found = await asyncio.gather(*(one(u) for u in level))
        level = [child for children in found for child in children]
    site_first: tuple[date, str, str] | None = None
    for loc, lastmod, sitemap_url in entries_read:
        value = parse_iso(lastmod)
        if value is None or not plausible(value, today):
            continue
        if site_first is None or value < site_first[0]:
            site_first = (value, loc, lastmod)
        if comparable(loc) == target:
            result.dates.append(DateClaim("modified", value, SOURCE, "page", W_PAGE_LASTMOD,
                                          f"sitemap lastmod of this page: {lastmod}", url=sitemap_url))
    for picture, sitemap_url in list(pictures.items())[:MAX_PER_URL]:
        # The sitemap names these as this page's pictures: their upload times date the page.
        for claim in asset_claims(picture, {picture}):
            if plausible(claim.value, today):
                detail = f"picture of this page in the sitemap: {claim.detail}"
                result.dates.append(dataclasses.replace(claim, source=SOURCE, url=sitemap_url, detail=detail))
    if site_first is not None:
        result.dates.append(DateClaim("modified", site_first[0], SOURCE, "site", W_SITE_LASTMOD,
                                      f"earliest sitemap lastmod ({site_first[1]}): {site_first[2]}"))
    result.info["sitemaps_read"] = read
    if errors:
        result.info["problems"] = sorted(set(errors))
    if not read:
        return result.fail(errors[0] if errors else "not_found")
    return result
