"""The platform's own public endpoints: what the shop system itself recorded about the product.

Shopify: `/products/<handle>.js` and `.json`, `/products.json`. Trust `created_at`; a merchant
can reset `published_at` by re-publishing. WordPress: `wp/v2` `date_gmt` (the owner can edit it)
and `modified_gmt`; the WooCommerce Store API has no dates, only image upload folders.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any
from urllib.parse import quote, unquote

import httpx

from chatbot.evidence.client import EvidenceClient
from chatbot.evidence.dates import parse_iso, plausible
from chatbot.evidence.model import DateClaim, FetchRecord, SourceResult
from chatbot.evidence.text import fragment_text
from chatbot.net.fetcher import FetchError

SOURCE = "platform_api"
MAX_JSON_BYTES = 3_000_000
W_CREATED, W_PUBLISHED, W_MODIFIED, W_IMAGE = 0.8, 0.4, 0.1, 0.55
W_STORE_CREATED = 0.75
W_WP_DATE, W_WP_MODIFIED, W_WP_MEDIA = 0.5, 0.2, 0.4
SHOPIFY_LIKE = {"shopify", "shopline"}
WORDPRESS_LIKE = {"woocommerce", "wordpress"}

# Handles and slugs are read from the decoded path, so `/products/台灯` and
# `/products/%E5%8F%B0%E7%81%AF` name the same product; any letters of any script with their
# combining marks (Devanagari vowel signs, Thai tones, a decomposed "é"), digits, "-", "_".
_WORD = r"(?:\w|[\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed" \
        r"\u0900-\u0dff\u0e31-\u0e4e\u0eb1-\u0ecd\u0f18-\u0fbc\u1ab0-\u1aff\u1dc0-\u1dff" \
        r"\u20d0-\u20ff\u3099\u309a\ufe20-\ufe2f])"
_HANDLE = re.compile(rf"/products/((?!_)\w(?:{_WORD}|-){{0,200}})(?:\.(?:js|json|html?))?/?$")
_SLUG = re.compile(rf"(?!_)\w(?:{_WORD}|-){{0,200}}")
_PAGE_SUFFIX = re.compile(r"\.(?:html?|php|aspx?)$", re.IGNORECASE)
_WP_UPLOAD = re.compile(r"/wp-content/uploads/((?:19|20)\d{2})/(0[1-9]|1[0-2])/")


def _decoded_path(path: str) -> str:
    """A path with its percent-escapes undone once (an already decoded path is unchanged)."""
    return unquote(path) if "%" in path else path


def shopify_handle(path: str) -> str | None:
    """The product handle of a Shopify path, decoded (`/products/%E5%8F%B0` → `台`), or None."""
    match = _HANDLE.search(_decoded_path(path))
    return match.group(1) if match else None


def wordpress_slug(path: str) -> str | None:
    """The last path segment as WordPress stores a slug, decoded and lower-case, or None."""
    parts = [p for p in _decoded_path(path).split("/") if p]
    if not parts:
        return None
    slug = _PAGE_SUFFIX.sub("", parts[-1].lower())  # `/2019/03/my-post.html` permalinks
    return slug if _SLUG.fullmatch(slug) else None


def path_part(text: str) -> str:
    """A decoded handle or slug as it goes into a URL (UTF-8, percent-encoded)."""
    return quote(text, safe="-_")


def _claim(kind: str, raw: Any, weight: float, detail: str, url: str, today: date,
           scope: str = "page") -> DateClaim | None:
    value = parse_iso(raw) if isinstance(raw, str) else None
    if value is None or not plausible(value, today):
        return None
    return DateClaim(kind, value, SOURCE, scope, weight, f"{detail}: {raw}", url=url)  # type: ignore[arg-type]


def shopify_product_claims(product: dict[str, Any], url: str, today: date, via: str) -> list[DateClaim]:
    """Dates from one product object of `.js`, `.json` or `/products.json`."""
    claims = [
        _claim("created", product.get("created_at"), W_CREATED, f"{via} created_at", url, today),
        _claim("published", product.get("published_at"), W_PUBLISHED,
               f"{via} published_at (the merchant can reset it)", url, today),
        _claim("modified", product.get("updated_at"), W_MODIFIED, f"{via} updated_at", url, today),
    ]
    images = product.get("images") if isinstance(product.get("images"), list) else []
    created = [i.get("created_at") for i in images[:100] if isinstance(i, dict) and i.get("created_at")]
    if created:
        earliest = min(created, key=lambda raw: parse_iso(raw) or date.max)
        claims.append(_claim("uploaded", earliest, W_IMAGE, f"{via} earliest image created_at", url, today))
    return [c for c in claims if c is not None]


def shopify_store_claims(data: Any, url: str, today: date) -> tuple[list[DateClaim], dict[str, Any]]:
    products = data.get("products") if isinstance(data, dict) else None
    if not isinstance(products, list):
        return [], {}
    created = [(parse_iso(p.get("created_at")), p.get("created_at"), p.get("handle"))
               for p in products if isinstance(p, dict)]
    created = [c for c in created if c[0] is not None and plausible(c[0], today)]
    info = {"products_listed": len(products)}
    if not created:
        return [], info
    first = min(created, key=lambda c: c[0])  # type: ignore[arg-type, return-value]
    claim = DateClaim("created", first[0], SOURCE, "site", W_STORE_CREATED,  # type: ignore[arg-type]
                      f"/products.json earliest created_at of {len(products)} products "
                      f"({first[2]}): {first[1]}", url=url)
    return [claim], info


def wordpress_claims(items: Any, url: str, today: date, via: str) -> list[DateClaim]:
    if not isinstance(items, list) or not items or not isinstance(items[0], dict):
        return []
    item = items[0]
    claims = [
        _claim("published", item.get("date_gmt") and f"{item['date_gmt']}Z", W_WP_DATE,
               f"{via} date_gmt (the owner can edit it)", url, today),
        _claim("modified", item.get("modified_gmt") and f"{item['modified_gmt']}Z", W_WP_MODIFIED,
               f"{via} modified_gmt", url, today),
    ]
    return [c for c in claims if c is not None]


def store_api_claims(items: Any, url: str, today: date) -> list[DateClaim]:
    if not isinstance(items, list) or not items or not isinstance(items[0], dict):
        return []
    found = []
    for image in (items[0].get("images") or [])[:50]:
        src = image.get("src", "") if isinstance(image, dict) else ""
        if match := _WP_UPLOAD.search(src):
            value = date(int(match.group(1)), int(match.group(2)), 1)
            if plausible(value, today):
                found.append(DateClaim("uploaded", value, SOURCE, "page", 0.3,
                                       f"Store API image upload folder: {src[-120:]}",
                                       precision="month", url=url))
    return sorted(found, key=lambda c: c.value)[:1]


def media_claims(items: Any, url: str, today: date) -> list[DateClaim]:
    if not isinstance(items, list) or not items or not isinstance(items[0], dict):
        return []
    claim = _claim("uploaded", items[0].get("date_gmt") and f"{items[0]['date_gmt']}Z", W_WP_MEDIA,
                   "wp/v2/media earliest upload date_gmt", url, today, scope="site")
    return [claim] if claim else []


MAX_TEXT_ITEMS = 5  # products or posts whose text is read from one answer


def product_text(data: Any) -> list[tuple[str, str]]:
    """(where, visible text) of the product's own description in a platform answer: Shopify
    `.js` `description`, `.json` `body_html`, WordPress `content.rendered` and `title.rendered`."""
    if isinstance(data, dict) and isinstance(data.get("product"), dict):
        data = data["product"]
    items = data[:MAX_TEXT_ITEMS] if isinstance(data, list) else [data]
    out: list[tuple[str, str]] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        for key in ("title", "body_html", "description", "content", "excerpt"):
            value = item.get(key)
            if isinstance(value, dict):
                value = value.get("rendered")
            if isinstance(value, str) and (text := fragment_text(value)):
                out.append((f"platform {key}", text))
    return out


Probe = tuple[str, Callable[[Any, str], list[DateClaim]]]


async def _probe(client: EvidenceClient, url: str, parse: Callable[[Any, str], list[DateClaim]],
                 result: SourceResult) -> None:
    try:
        data, record = await client.get_json(url, source=SOURCE, max_bytes=MAX_JSON_BYTES)
    except FetchError as exc:
        result.info.setdefault("endpoints", {})[url] = exc.code
        return
    result.info.setdefault("endpoints", {})[url] = record.status
    if data is None:
        return
    claims = parse(data, url)
    result.segments.extend(product_text(data))
    _note(record, claims)
    result.dates.extend(claims)


def _note(record: FetchRecord, claims: list[DateClaim]) -> None:
    record.extracted.extend(f"{c.kind} {c.value.isoformat()} ({c.detail})" for c in claims)
    if not claims:
        record.extracted.append("no dates")


def shopify_probes(base: str, handle: str | None, today: date, info: dict[str, Any]) -> list[Probe]:
    probes: list[Probe] = []
    if handle:
        probes.append((f"{base}/products/{path_part(handle)}.js",
                       lambda d, u: shopify_product_claims(d, u, today, "/products/<handle>.js")
                       if isinstance(d, dict) else []))
        probes.append((f"{base}/products/{path_part(handle)}.json",
                       lambda d, u: shopify_product_claims(d.get("product") or {}, u, today,
                                                           "/products/<handle>.json")
                       if isinstance(d, dict) else []))

    def store(data: Any, url: str) -> list[DateClaim]:
        claims, extra = shopify_store_claims(data, url, today)
        info.update(extra)
        return claims

    probes.append((f"{base}/products.json?limit=250", store))
    return probes


def wordpress_probes(base: str, slug: str | None, today: date) -> list[Probe]:
    probes: list[Probe] = []
    fields = "_fields=id,slug,link,date_gmt,modified_gmt,title,content"
    if slug:
        safe = path_part(slug)
        for kind in ("product", "pages", "posts"):
            probes.append((f"{base}/wp-json/wp/v2/{kind}?slug={safe}&{fields}",
                           lambda d, u, k=kind: wordpress_claims(d, u, today, f"wp/v2/{k}")))
        probes.append((f"{base}/wp-json/wc/store/v1/products?slug={safe}",
                       lambda d, u: store_api_claims(d, u, today)))
    probes.append((f"{base}/wp-json/wp/v2/media?per_page=1&orderby=date&order=asc&_fields=date_gmt,source_url",
                   lambda d, u: media_claims(d, u, today)))
    return probes


async def run(client: EvidenceClient, url: httpx.URL, today: date,
              platform_of_page: Callable[[], Awaitable[str | None]]) -> SourceResult:
    """Start what the URL's shape already tells (a Shopify `/products/<handle>`) at once, and the
    rest when the page has said which platform it runs on."""
    result = SourceResult(SOURCE)
    base = f"{url.scheme}://{url.netloc.decode('ascii')}"
    handle = shopify_handle(url.path)
    started: set[str] = set()
    tasks: list[asyncio.Task[None]] = []

    def start(probes: list[Probe]) -> None:
        for probe_url, parse in probes:
            if probe_url not in started:
                started.add(probe_url)
                tasks.append(asyncio.create_task(_probe(client, probe_url, parse, result)))

    if handle:
        start(shopify_probes(base, handle, today, result.info))
    platform = await platform_of_page()
    if platform in SHOPIFY_LIKE:
        start(shopify_probes(base, handle, today, result.info))
    elif platform in WORDPRESS_LIKE:
        start(wordpress_probes(base, wordpress_slug(url.path), today))
    if not tasks:
        return result.fail("not_applicable", platform or "unknown")
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
    if not result.dates:
        result.fail("no_dates", "")
    return result
