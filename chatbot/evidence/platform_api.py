"""The platform's own public endpoints: what the shop system itself recorded about the product.

Shopify: `/products/<handle>.js` and `.json`, `/products.json` (every page, up to MAX_STORE_PAGES).
Trust `created_at`; a merchant can reset `published_at` by re-publishing. WordPress: `wp/v2`
`date_gmt` (else `date`; the owner can edit it), `modified_gmt` and embedded featured media; the
WooCommerce Store API has no dates, only image upload folders. Every answer holds several values
of one fact (variants, images, posts of one slug): each is read and the earliest kept.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Iterable, Iterator
from datetime import date
from typing import Any
from urllib.parse import quote, unquote

import httpx

from chatbot.evidence.client import EvidenceClient
from chatbot.evidence.dates import from_unix, parse_iso, plausible
from chatbot.evidence.model import DateClaim, FetchRecord, SourceResult
from chatbot.evidence.pictures import srcset_candidates
from chatbot.evidence.text import fragment_text
from chatbot.net.fetcher import FetchError

SOURCE = "platform_api"
MAX_JSON_BYTES = 3_000_000
W_CREATED, W_PUBLISHED, W_MODIFIED, W_IMAGE = 0.8, 0.4, 0.1, 0.55
W_STORE_CREATED = 0.75
W_WP_DATE, W_WP_MODIFIED, W_WP_MEDIA = 0.5, 0.2, 0.4
SHOPIFY_LIKE = {"shopify", "shopline"}
WORDPRESS_LIKE = {"woocommerce", "wordpress"}
STORE_PAGE_SIZE = 250
MAX_STORE_PAGES = 4  # /products.json pages read: 1,000 products

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


MAX_PIECES = 250  # variants, images, media items or posts read from one answer
_SHOPIFY_V = re.compile(r"[?&](?:amp;)?v=(\d{9,10})\b")

Found = tuple[date, str, str]  # (UTC day, which value it was, the value as written)


def _earliest(found: Iterable[Found | None], today: date) -> Found | None:
    """The earliest plausible of several readings of one fact."""
    kept = [f for f in found if f is not None and plausible(f[0], today)]
    return min(kept, key=lambda f: f[0]) if kept else None


def _iso(raw: Any, where: str, gmt: bool = False) -> Found | None:
    """An ISO time as the platform wrote it; `gmt`: WordPress `*_gmt` fields, UTC without a zone."""
    if not isinstance(raw, str) or not raw:
        return None
    value = parse_iso(f"{raw}Z" if gmt and raw[-1:].isdigit() else raw)
    return (value, where, raw) if value is not None else None


def _make(kind: str, found: Found | None, weight: float, detail: str, url: str,
          scope: str = "page", precision: str = "day") -> DateClaim | None:
    if found is None:
        return None
    return DateClaim(kind, found[0], SOURCE, scope, weight, f"{detail} {found[1]}: {found[2]}",  # type: ignore[arg-type]
                     precision=precision, url=url)  # type: ignore[arg-type]


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value[:MAX_PIECES] if isinstance(v, dict)] if isinstance(value, list) else []


def _pieces(product: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The product and each of its variants, named for the report."""
    return [("", product)] + [(f"variant {v.get('id') or i + 1} ", v)
                              for i, v in enumerate(_dicts(product.get("variants")))]


def _image_urls(product: dict[str, Any]) -> list[tuple[str, str]]:
    """(where, URL) of every picture a Shopify answer names: `.js` `images` (URLs), `.json`
    `images[].src` and `image.src`, `featured_image`, `media[].src` and `preview_image.src`, and
    each variant's `featured_image`."""
    out: list[tuple[str, str]] = []

    def add(where: str, value: Any) -> None:
        if isinstance(value, dict):
            value = value.get("src")
        if isinstance(value, str) and value:
            out.append((where, value))

    images = product.get("images")
    for item in images[:MAX_PIECES] if isinstance(images, list) else []:
        add("image", item)
    for key in ("image", "featured_image"):
        add(key, product.get(key))
    for item in _dicts(product.get("media")):
        add("media", item)
        add("media preview", item.get("preview_image"))
    for _, variant in _pieces(product)[1:]:
        add("variant image", variant.get("featured_image"))
    return out


def _uploads(product: dict[str, Any]) -> Iterator[Found | None]:
    """Every upload time of the product's pictures: `created_at` of each image object (`.json`
    images, variant `featured_image`), and the `?v=<unix time>` of every picture URL."""
    for item in _dicts(product.get("images")):
        yield _iso(item.get("created_at"), "image created_at")
    for _, variant in _pieces(product)[1:]:
        if isinstance(variant.get("featured_image"), dict):
            yield _iso(variant["featured_image"].get("created_at"), "variant image created_at")
    for where, src in _image_urls(product):
        if (match := _SHOPIFY_V.search(src)) and (value := from_unix(int(match.group(1)))):
            yield value, f"{where} ?v=", src[-120:]


def shopify_product_claims(product: dict[str, Any], url: str, today: date, via: str) -> list[DateClaim]:
    """Dates from one product object of `.js`, `.json` or `/products.json`: for each of
    `created_at`, `published_at` and `updated_at` the earliest of the product's and every
    variant's; the earliest picture upload (`uploaded`) of all its images, media and variants."""
    if not isinstance(product, dict):
        return []
    pieces = _pieces(product)
    claims = [
        _make(kind, _earliest((_iso(piece.get(key), f"{name}{key}") for name, piece in pieces), today),
              weight, f"{via}{note}", url)
        for key, kind, weight, note in (
            ("created_at", "created", W_CREATED, ""),
            ("published_at", "published", W_PUBLISHED, " (the merchant can reset it)"),
            ("updated_at", "modified", W_MODIFIED, ""))
    ]
    claims.append(_make("uploaded", _earliest(_uploads(product), today), W_IMAGE,
                        f"{via} earliest picture", url))
    return [c for c in claims if c is not None]


def shopify_store_claims(data: Any, url: str, today: date) -> tuple[list[DateClaim], dict[str, Any]]:
    """The earliest `created_at` of every product of one `/products.json` page (each product's
    and its variants'), as a store date; `info` counts the products listed."""
    products = data.get("products") if isinstance(data, dict) else None
    if not isinstance(products, list):
        return [], {}
    info = {"products_listed": len(products)}
    first = _earliest((_iso(piece.get("created_at"), f"({product.get('handle')}) {name}created_at")
                       for product in _dicts(products) for name, piece in _pieces(product)), today)
    claim = _make("created", first, W_STORE_CREATED,
                  f"/products.json earliest created_at of {len(products)} products", url, scope="site")
    return ([claim] if claim else []), info


def next_store_page(data: Any, url: str) -> str | None:
    """The next `/products.json` page when this one is full (Shopify answers at most `limit`
    products a page, and lists the newest first: the oldest are on the last pages)."""
    products = data.get("products") if isinstance(data, dict) else None
    if not isinstance(products, list) or len(products) < STORE_PAGE_SIZE:
        return None
    match = re.search(r"[?&]page=(\d+)", url)
    page = int(match.group(1)) if match else 1
    return f"{url.split('?', 1)[0]}?limit={STORE_PAGE_SIZE}&page={page + 1}"


def _wp_time(item: dict[str, Any], key: str, where: str) -> Found | None:
    """A WordPress time: `<key>_gmt` (UTC), else `<key>` (the site's local time; the day may be
    one off, still a reading of the same fact)."""
    return _iso(item.get(f"{key}_gmt"), f"{where}{key}_gmt", gmt=True) or _iso(item.get(key), f"{where}{key}")


def _wp_media(item: dict[str, Any]) -> list[dict[str, Any]]:
    embedded = item.get("_embedded") if isinstance(item.get("_embedded"), dict) else {}
    return _dicts(embedded.get("wp:featuredmedia"))


def wordpress_claims(items: Any, url: str, today: date, via: str) -> list[DateClaim]:
    """Every post of a `wp/v2` answer for one slug (the same slug in several languages or post
    types): the earliest `date_gmt` (else `date`), the earliest `modified_gmt` (else `modified`),
    and the earliest upload of embedded featured media."""
    posts = [("" if i == 0 else f"post {p.get('id') or i + 1} ", p) for i, p in enumerate(_dicts(items))]
    claims = [
        _make("published", _earliest((_wp_time(p, "date", n) for n, p in posts), today), W_WP_DATE,
              f"{via} (the owner can edit it)", url),
        _make("modified", _earliest((_wp_time(p, "modified", n) for n, p in posts), today), W_WP_MODIFIED,
              via, url),
        _make("uploaded", _earliest((_wp_time(m, "date", f"{n}featured media ") for n, p in posts
                                     for m in _wp_media(p)), today), W_WP_MEDIA, via, url),
    ]
    return [c for c in claims if c is not None]


def _store_image_urls(image: dict[str, Any]) -> Iterator[str]:
    """`src`, `thumbnail` and every URL of `srcset` of one Store API image."""
    for key in ("src", "thumbnail"):
        if isinstance(image.get(key), str):
            yield image[key]
    srcset = image.get("srcset")
    if isinstance(srcset, str):
        for candidate in srcset_candidates(srcset):
            yield candidate.url


def store_api_claims(items: Any, url: str, today: date) -> list[DateClaim]:
    """The earliest image upload folder of every product and every picture URL of a WooCommerce
    Store API answer (month precision)."""
    found: list[Found | None] = []
    for item in _dicts(items):
        for image in _dicts(item.get("images")):
            for src in _store_image_urls(image):
                if match := _WP_UPLOAD.search(src):
                    found.append((date(int(match.group(1)), int(match.group(2)), 1), "image upload folder",
                                  src[-120:]))
    claim = _make("uploaded", _earliest(found, today), 0.3, "Store API", url, precision="month")
    return [claim] if claim else []


def media_claims(items: Any, url: str, today: date) -> list[DateClaim]:
    """The earliest upload (`date_gmt`, else `date`) of a `wp/v2/media` answer, a store date."""
    first = _earliest((_wp_time(m, "date", "") for m in _dicts(items)), today)
    claim = _make("uploaded", first, W_WP_MEDIA, "wp/v2/media earliest upload", url, scope="site")
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


Parse = Callable[[Any, str], list[DateClaim]]
Follow = Callable[[Any, str], str | None]
Probe = tuple[str, Parse] | tuple[str, Parse, Follow]


async def _probe(client: EvidenceClient, url: str, parse: Parse, result: SourceResult,
                 follow: Follow | None = None) -> None:
    """Fetch `url` and read it with `parse`; with `follow`, go on to the page it names next, at
    most MAX_STORE_PAGES pages in all."""
    for _page in range(MAX_STORE_PAGES if follow else 1):
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
        next_url = follow(data, url) if follow else None
        if next_url is None:
            return
        url = next_url


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
        info["products_listed"] = info.get("products_listed", 0) + extra.get("products_listed", 0)
        return claims

    probes.append((f"{base}/products.json?limit={STORE_PAGE_SIZE}", store, next_store_page))
    return probes


def wordpress_probes(base: str, slug: str | None, today: date) -> list[Probe]:
    probes: list[Probe] = []
    fields = ("_fields=id,slug,link,date,date_gmt,modified,modified_gmt,title,content,_links,_embedded"
              "&_embed=wp:featuredmedia")
    if slug:
        safe = path_part(slug)
        for kind in ("product", "pages", "posts"):
            probes.append((f"{base}/wp-json/wp/v2/{kind}?slug={safe}&{fields}",
                           lambda d, u, k=kind: wordpress_claims(d, u, today, f"wp/v2/{k}")))
        probes.append((f"{base}/wp-json/wc/store/v1/products?slug={safe}",
                       lambda d, u: store_api_claims(d, u, today)))
    probes.append((f"{base}/wp-json/wp/v2/media?per_page=10&orderby=date&order=asc"
                   "&_fields=date,date_gmt,source_url",
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
        for probe_url, parse, *follow in probes:
            if probe_url not in started:
                started.add(probe_url)
                tasks.append(asyncio.create_task(_probe(client, probe_url, parse, result, *follow)))

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
