"""The page itself: headers, HTML metadata, dates in asset URLs, visible text dates.

Everything here is pure (bytes and strings in, claims out) so it can be tested and benchmarked
without a network. Generic publication dates come from htmldate; what it does not know about
storefronts (JSON-LD Offer dates, Shopify CDN `?v=` upload times, WordPress upload folders,
product vs. theme images) is read here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import lxml.html
from lxml import etree

from chatbot.evidence.dates import from_unix, parse_http_date, plausible, written_day
from chatbot.evidence.model import DateClaim
from chatbot.evidence.text import visible_text
from chatbot.months import MONTHS

SOURCE = "page"
MAX_PARSE_BYTES = 3_000_000  # a storefront page is far smaller; past this we read the head only
MAX_TEXT_CLAIMS = 20

# Weights: how hard a copycat would find it to fake or move the date (see model.DateClaim).
W_LAST_MODIFIED = 0.3
W_DECLARED = 0.35
W_MODIFIED_META = 0.2
W_TIME_TAG = 0.25
W_TEXT = 0.15
W_HTMLDATE = 0.4  # htmldate's reading of the page's own declarations outranks any single raw field
W_CDN_PRODUCT, W_CDN_OTHER = 0.55, 0.5
W_UPLOAD_PRODUCT, W_UPLOAD_OTHER = 0.3, 0.3

_PUBLISHED_META = {
    "article:published_time", "og:published_time", "product:published_time", "og:article:published_time",
    "date", "dc.date", "dc.date.issued", "dcterms.created", "dcterms.issued", "dc.date.created",
    "pubdate", "publishdate", "publish-date", "publish_date", "sailthru.date", "parsely-pub-date",
    "datepublished", "datecreated", "created", "citation_publication_date",
}
_MODIFIED_META = {
    "article:modified_time", "og:updated_time", "product:updated_time", "last-modified",
    "dcterms.modified", "dc.date.modified", "datemodified", "revised", "lastmod",
}
_LD_KEYS = {
    "datePublished": ("published", W_DECLARED), "dateCreated": ("created", W_DECLARED),
    "releaseDate": ("published", W_DECLARED), "availabilityStarts": ("published", W_DECLARED),
    "validFrom": ("published", W_DECLARED), "uploadDate": ("uploaded", W_DECLARED),
    "dateModified": ("modified", W_MODIFIED_META),
}
_LD_TYPES = {"product", "productgroup", "offer", "aggregateoffer", "webpage", "itempage",
             "article", "blogposting", "newsarticle", "imageobject", "review"}

# Shopify serves images from cdn.shopify.com or the shop's own /cdn/shop/; `v` is the upload time.
_SHOPIFY_IMAGE = re.compile(
    r"(?:cdn\.shopify\.com|/cdn/shop)/[^\s\"'<>()]*?\.(?:jpe?g|png|gif|webp|avif)"
    r"(?:\?|\?[^\s\"'<>]*?&(?:amp;)?)v=(\d{9,10})\b", re.IGNORECASE)
_WP_UPLOAD = re.compile(r"/wp-content/uploads/((?:19|20)\d{2})/(0[1-9]|1[0-2])/[^\s\"'<>()]+", re.IGNORECASE)

_TEXT_DATES = [
    re.compile(r"\b((?:19|20)\d{2})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])\b"),
    re.compile(r"((?:19|20)\d{2})\s*年\s*(1[0-2]|0?[1-9])\s*月\s*(3[01]|[12]\d|0?[1-9])\s*日"),
    re.compile(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sept?|oct|nov|dec)[a-z]*\.?\s+(3[01]|[12]\d|0?[1-9])"
               r"(?:st|nd|rd|th)?,?\s+((?:19|20)\d{2})\b", re.IGNORECASE),
    re.compile(r"\b(3[01]|[12]\d|0?[1-9])\s+(jan|feb|mar|apr|may|jun|jul|aug|sept?|oct|nov|dec)[a-z]*\.?,?"
               r"\s+((?:19|20)\d{2})\b", re.IGNORECASE),
]


_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
MAX_YEAR_HITS = 2000  # years in the visible text whose surroundings are scanned for dates
YEAR_BEFORE, YEAR_AFTER = 40, 30  # characters around a year that can belong to its date


@dataclass
class PageDoc:
    """What the page says, kept for the brand-word check and the report."""

    title: str = ""
    segments: list[tuple[str, str]] = field(default_factory=list)  # (where, text)
    product_images: set[str] = field(default_factory=set)
    generator: str = ""


def parse_html(body: bytes | str) -> lxml.html.HtmlElement | None:
    """Parse forgivingly: malformed markup yields a tree, not an exception; nothing yields None."""
    if isinstance(body, str):
        body = body.encode("utf-8", "replace")
    body = body[:MAX_PARSE_BYTES]
    if not body.strip():
        return None
    try:
        parser = lxml.html.HTMLParser(encoding="utf-8", recover=True)
        root = lxml.html.document_fromstring(body, parser=parser)
    except (etree.ParserError, ValueError):
        return None
    return root


def header_claims(headers: Mapping[str, str], url: str = "") -> list[DateClaim]:
    claims = []
    if (value := parse_http_date(headers.get("last-modified"))) is not None:
        claims.append(DateClaim("modified", value, SOURCE, "page", W_LAST_MODIFIED,
                                f"Last-Modified: {headers['last-modified']}", url=url))
    if (value := parse_http_date(headers.get("date"))) is not None:
        # The server's clock when we fetched: shows the clock is sane, says nothing about age.
        claims.append(DateClaim("fetched", value, SOURCE, "page", 0.0, f"Date: {headers['date']}", url=url))
    return claims


def _walk_ld(node: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    if depth > 8:
        return
    if isinstance(node, list):
        for item in node[:200]:
            yield from _walk_ld(item, depth + 1)
    elif isinstance(node, dict):
        yield node
        for key, value in node.items():
            if key != "@context" and isinstance(value, dict | list):
                yield from _walk_ld(value, depth + 1)


def _types(node: dict[str, Any]) -> set[str]:
    raw = node.get("@type", [])
    return {str(t).lower() for t in (raw if isinstance(raw, list) else [raw])}


def _images_of(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value[:50]:
            yield from _images_of(item)
    elif isinstance(value, dict):
        for key in ("url", "contentUrl"):
            if isinstance(value.get(key), str):
                yield value[key]


def jsonld_claims(root: lxml.html.HtmlElement, doc: PageDoc, url: str = "") -> list[DateClaim]:
    claims = []
    for script in root.iter("script"):
        if "ld+json" not in (script.get("type") or "").lower():
            continue
        try:
            data = json.loads(script.text_content() or "")
        except (ValueError, RecursionError):
            continue  # broken JSON-LD is common; the rest of the page still counts
        for node in _walk_ld(data):
            kinds = _types(node)
            if not kinds & _LD_TYPES:
                continue
            label = "/".join(sorted(kinds))
            for key, (kind, weight) in _LD_KEYS.items():
                if (value := written_day(node.get(key))) is not None:
                    claims.append(DateClaim(kind, value, SOURCE, "page", weight,
                                            f"JSON-LD {label} {key}: {node.get(key)}", url=url))
            if kinds & {"product", "productgroup"}:
                doc.product_images.update(_images_of(node.get("image")))
                brand = node.get("brand")
                name = brand.get("name") if isinstance(brand, dict) else brand
                if isinstance(name, str):
                    doc.segments.append(("json-ld brand", name))
                if isinstance(node.get("name"), str):
                    doc.segments.append(("json-ld name", node["name"]))
    return claims


def meta_claims(root: lxml.html.HtmlElement, doc: PageDoc, url: str = "") -> list[DateClaim]:
    claims = []
    for meta in root.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop")
               or meta.get("http-equiv") or "").strip().lower()
        content = (meta.get("content") or "").strip()
        if not key or not content:
            continue
        if key in {"og:image", "og:image:secure_url", "twitter:image"}:
            doc.product_images.add(content)
        elif key == "generator":
            doc.generator = content
        elif key in {"description", "og:description", "og:title", "keywords"}:
            doc.segments.append((f"meta {key}", content))
        if key in _PUBLISHED_META or key in _MODIFIED_META:
            value = written_day(content) or parse_http_date(content)
            if value is None:
                continue
            if key in _MODIFIED_META:
                claims.append(DateClaim("modified", value, SOURCE, "page", W_MODIFIED_META,
                                        f"<meta {key}> {content}", url=url))
            else:
                claims.append(DateClaim("published", value, SOURCE, "page", W_DECLARED,
                                        f"<meta {key}> {content}", url=url))
    return claims


def time_claims(root: lxml.html.HtmlElement, url: str = "") -> list[DateClaim]:
    claims = []
    for element in root.xpath("//time[@datetime] | //*[@itemprop='datePublished' and @content]")[:50]:
        raw = element.get("datetime") or element.get("content") or ""
        value = written_day(raw)
        if value is None:
            continue
        published = element.get("pubdate") is not None or element.get("itemprop") == "datePublished"
        claims.append(DateClaim("published" if published else "declared", value, SOURCE, "page",
                                W_DECLARED if published else W_TIME_TAG, f"<{element.tag}> {raw}", url=url))
    return claims


_SIZE_SUFFIX = re.compile(r"[-_]\d{2,4}x\d{0,4}(?=\.\w+$)")  # WordPress -600x600, Shopify _300x


def _image_name(url: str) -> str:
    return _SIZE_SUFFIX.sub("", url.split("?", 1)[0].rsplit("/", 1)[-1].lower())


def _same_image(candidate: str, product_images: set[str]) -> bool:
    """The same picture in another size or on another host (og:image vs. the gallery)."""
    name = _image_name(candidate)
    return bool(name) and any(name == _image_name(image) for image in product_images)


def asset_claims(html: str, product_images: set[str], url: str = "") -> list[DateClaim]:
    """Dates hidden in image URLs anywhere in the markup (attributes, inline JSON, CSS)."""
    if "\\/" in html:
        html = html.replace("\\/", "/")  # URLs inside inline JSON
    seen: dict[tuple[str, date], DateClaim] = {}
    shopify = "cdn.shopify.com" in html or "/cdn/shop" in html  # cheap test before the costly pattern
    for match in _SHOPIFY_IMAGE.finditer(html) if shopify else ():
        value = from_unix(int(match.group(1)))
        if value is None:
            continue
        product = _same_image(match.group(0), product_images)
        key = (match.group(0).split("?", 1)[0], value)
        if key not in seen:
            seen[key] = DateClaim("uploaded", value, SOURCE, "page" if product else "site",
                                  W_CDN_PRODUCT if product else W_CDN_OTHER,
                                  f"Shopify CDN image ?v={match.group(1)}: {match.group(0)[-120:]}", url=url,
                                  item=_image_name(key[0]))
    for match in _WP_UPLOAD.finditer(html) if "/wp-content/uploads/" in html else ():
        value = date(int(match.group(1)), int(match.group(2)), 1)
        product = _same_image(match.group(0), product_images)
        key = (match.group(0).split("?", 1)[0], value)
        if key not in seen:
            seen[key] = DateClaim("uploaded", value, SOURCE, "page" if product else "site",
                                  W_UPLOAD_PRODUCT if product else W_UPLOAD_OTHER,
                                  f"WordPress upload folder {match.group(1)}/{match.group(2)}: "
                                  f"{match.group(0)[-120:]}", precision="month", url=url,
                                  item=_image_name(key[0]))
    # Keep the earliest few of each scope: a gallery of 300 images says nothing more.
    by_scope: dict[str, list[DateClaim]] = {}
    for claim in sorted(seen.values(), key=lambda c: c.value):
        by_scope.setdefault(claim.scope, []).append(claim)
    return [c for claims in by_scope.values() for c in claims[:10]]


def _year_windows(text: str) -> list[tuple[int, int]]:
    """Stretches of `text` around each four-digit year (merged, at most MAX_YEAR_HITS years): a
    date needs a year, so the date patterns only read near one instead of the whole page."""
    windows: list[tuple[int, int]] = []
    for count, match in enumerate(_YEAR.finditer(text)):
        if count >= MAX_YEAR_HITS:
            break
        start, end = max(0, match.start() - YEAR_BEFORE), match.end() + YEAR_AFTER
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], end)
        else:
            windows.append((start, end))
    return windows


def text_dates(text: str, url: str = "") -> list[DateClaim]:
    claims: list[DateClaim] = []
    windows = _year_windows(text)
    for number, pattern in enumerate(_TEXT_DATES):
        matches = (m for a, b in windows for m in pattern.finditer(text, a, min(b, len(text))))
        for match in matches:
            groups = match.groups()
            try:
                if number in (0, 1):
                    value = date(int(groups[0]), int(groups[1]), int(groups[2]))
                elif number == 2:
                    value = date(int(groups[2]), MONTHS[groups[0][:4].lower().rstrip(".")[:3]],
                                 int(groups[1]))
                else:
                    value = date(int(groups[2]), MONTHS[groups[1][:3].lower()], int(groups[0]))
            except (ValueError, KeyError):
                continue
            claims.append(DateClaim("text", value, SOURCE, "page", W_TEXT,
                                    f"text: “{match.group(0)}”", url=url))
    claims.sort(key=lambda c: c.value)
    return claims[:MAX_TEXT_CLAIMS]


def htmldate_claim(root: lxml.html.HtmlElement, url: str, today: date) -> list[DateClaim]:
    from htmldate import find_date

    found = None
    # Fast first; the extensive search (a last-resort pass over free text) only for the pages
    # where the fast one found nothing, so most pages pay for one pass.
    for extensive in (False, True):
        try:
            found = find_date(root, extensive_search=extensive, original_date=True, url=url or None,
                              max_date=today.isoformat())
        except Exception:  # htmldate is a heuristic; its failure must not lose the page's other dates
            found = None
        if found:
            break
    value = written_day(found)
    if value is None:
        return []
    return [DateClaim("declared", value, SOURCE, "page", W_HTMLDATE, f"htmldate: {found}", url=url)]


@dataclass
class PageEvidence:
    claims: list[DateClaim]
    doc: PageDoc


def extract(body: bytes | str, headers: Mapping[str, str], url: str, today: date, *,
            use_htmldate: bool = True) -> PageEvidence:
    """All page dates and the page's words. Never raises on hostile markup."""
    claims = header_claims(headers, url)
    doc = PageDoc()
    raw = body if isinstance(body, str) else body[:MAX_PARSE_BYTES].decode("utf-8", "replace")
    root = parse_html(body)
    if root is not None:
        title = root.find(".//title")
        doc.title = re.sub(r"\s+", " ", title.text_content()).strip()[:300] if title is not None else ""
        if doc.title:
            doc.segments.append(("title", doc.title))
        claims += jsonld_claims(root, doc, url)
        claims += meta_claims(root, doc, url)
        claims += time_claims(root, url)
        for img in root.xpath("//img[@alt]")[:500]:
            if alt := (img.get("alt") or "").strip():
                doc.segments.append(("image alt", alt))
        if use_htmldate:
            claims += htmldate_claim(root, url, today)
        text = visible_text(root, in_place=True)  # last reader of the tree
        doc.segments.append(("text", text))
        claims += text_dates(text, url)
    claims += asset_claims(raw, doc.product_images, url)
    return PageEvidence([c for c in claims if plausible(c.value, today)], doc)
