"""The page itself: headers, HTML metadata, dates in asset URLs, visible text dates.

Everything here is pure (bytes and strings in, claims out) so it can be tested and benchmarked
without a network. `page_dates` reads what the page declares (its address, JSON-LD including
storefront Offer dates, meta tags, `<time>`, upload times in image URLs via `assets`) and asks
htmldate only when none of that declares the publication (`pagedate`); `page_words` reads the
words for the brand check and the dates written in them (`textdates`).
"""

from __future__ import annotations

import heapq
import json
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import islice

import lxml.html
from lxml import etree

from chatbot.evidence import jsonld, pagedate, textdates
from chatbot.evidence.assets import MAX_ASSET_URLS, asset_claims
from chatbot.evidence.budget import UNBOUNDED, Budget, ExtractionTimeout
from chatbot.evidence.dates import page_zone, parse_http_date, parse_http_dates, plausible, written_day
from chatbot.evidence.model import DateClaim
from chatbot.evidence.text import visible_text
from chatbot.net.decode import detect_charset

SOURCE = "page"
MAX_PARSE_BYTES = 3_000_000  # a storefront page is far smaller; past this we read the head only
# Every loop over the page has a named bound; a copycat controls the page, so none may grow with
# what it chooses to repeat. Work past these caps is skipped, never queued.
MAX_TEXT_CLAIMS = 20  # the earliest visible-text dates kept (all matches are scanned once, linearly)
MAX_DECLARED_CLAIMS = 100  # JSON-LD, <meta> and <time> dates together
MAX_LD_NODES = 2_000  # JSON-LD objects walked over all scripts
MAX_DECLARING = 20_000  # <meta>, <link>, <script> and <time> elements looked at
MAX_SEGMENTS = 1_000  # words kept for the brand check (alt texts, meta descriptions, ...)

# Weights: how hard a copycat would find it to fake or move the date (see model.DateClaim).
W_LAST_MODIFIED = 0.3
W_DECLARED = 0.35
W_MODIFIED_META = 0.2
# The page's own publication is declared first (in <head>, or the top JSON-LD node); later
# declarations of the same kind date other items on it (related articles, reviews, comments).
# A review's date dates the review. Both still show the page existed by then.
W_LATER_DECLARED = 0.25
# The first publication meta tag is what the page states to every crawler and link preview; a
# JSON-LD date that disagrees is more often a copy in another time zone or of another node.
W_META_DECLARED = 0.37
W_TIME_TAG = 0.25
W_TEXT = 0.15

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


@dataclass
class PageDoc:
    """What the page says, kept for the brand-word check and the report."""

    title: str = ""
    segments: list[tuple[str, str]] = field(default_factory=list)  # (where, text)
    product_images: set[str] = field(default_factory=set)
    generator: str = ""

    def add_segment(self, where: str, text: str) -> None:
        if len(self.segments) < MAX_SEGMENTS:
            self.segments.append((where, text))


_PARSERS = threading.local()  # an lxml parser must not be shared between threads


def body_text(body: bytes | str, headers: Mapping[str, str]) -> str:
    """The page's markup as text, decoded by its own charset (a BOM, the Content-Type header, else
    its `<meta charset>`: a GBK, Big5, Shift_JIS or UTF-16 page reads as the browser shows it)."""
    if isinstance(body, str):
        return body
    head = body[:MAX_PARSE_BYTES]
    return head.decode(detect_charset(head, headers.get("content-type")), "replace")


def parse_html(body: bytes | str) -> lxml.html.HtmlElement | None:
    """Parse forgivingly: malformed markup yields a tree, not an exception; nothing yields None."""
    if isinstance(body, str):
        body = body.encode("utf-8", "replace")
    body = body[:MAX_PARSE_BYTES]
    if not body.strip():
        return None
    parser = getattr(_PARSERS, "parser", None)
    if parser is None:  # building a parser costs as much as parsing a small page: one per thread
        parser = _PARSERS.parser = lxml.html.HTMLParser(encoding="utf-8", recover=True)
    try:
        root = lxml.html.document_fromstring(body, parser=parser)
    except (etree.ParserError, ValueError):
        return None
    return root


def header_claims(headers: Mapping[str, str], url: str = "") -> list[DateClaim]:
    """`Last-Modified` (the earliest, when the header came several times: a cache in front of the
    shop adds its own) and the server's `Date`."""
    claims = []
    if modified := parse_http_dates(headers.get("last-modified")):
        value, written = min(modified)
        claims.append(DateClaim("modified", value, SOURCE, "page", W_LAST_MODIFIED,
                                f"Last-Modified: {written}", url=url))
    if (value := parse_http_date(headers.get("date"))) is not None:
        # The server's clock when we fetched: shows the clock is sane, says nothing about age.
        claims.append(DateClaim("fetched", value, SOURCE, "page", 0.0, f"Date: {headers['date']}", url=url))
    return claims


@dataclass
class Declaring:
    """The elements that can declare a date (`<meta>`, `<link>`, `<script>`, `<time>`), found in
    one walk of the tree, in document order, at most MAX_DECLARING elements in all."""

    meta: list[lxml.html.HtmlElement] = field(default_factory=list)
    link: list[lxml.html.HtmlElement] = field(default_factory=list)
    script: list[lxml.html.HtmlElement] = field(default_factory=list)
    time: list[lxml.html.HtmlElement] = field(default_factory=list)


def declaring(root: lxml.html.HtmlElement, budget: Budget = UNBOUNDED) -> Declaring:
    """One walk over the tree for every date reader (each reader walking it again cost more than
    all the reading); elements past MAX_DECLARING are not looked at."""
    found = Declaring()
    lists = {"meta": found.meta, "link": found.link, "script": found.script, "time": found.time}
    # The walk itself runs in lxml and is capped, so the budget is looked at once, after it.
    for element in islice(root.iter("meta", "link", "script", "time"), MAX_DECLARING):
        lists[element.tag].append(element)
    budget.check()
    return found


def jsonld_claims(scripts: list[lxml.html.HtmlElement], doc: PageDoc, url: str = "",
                  budget: Budget = UNBOUNDED, zone: timedelta | None = None) -> list[DateClaim]:
    claims: list[DateClaim] = []
    nodes = 0
    published = False  # the first publication date is the page's (see W_LATER_DECLARED)
    for script in budget.each(scripts):
        if "ld+json" not in (script.get("type") or "").lower():
            continue
        try:
            data = json.loads(script.text_content() or "")
        except (ValueError, RecursionError):
            continue  # broken JSON-LD is common; the rest of the page still counts
        for node in budget.each(jsonld.walk(data)):
            nodes += 1
            if nodes > MAX_LD_NODES or len(claims) >= MAX_DECLARED_CLAIMS:
                return claims
            kinds = jsonld.types_of(node)
            if not kinds & _LD_TYPES:
                continue
            label = "/".join(sorted(kinds))
            for key, (kind, declared) in _LD_KEYS.items():
                for raw in jsonld.values(node.get(key)):
                    if not isinstance(raw, str) or (value := written_day(raw, zone)) is None:
                        continue
                    weight = declared
                    if weight == W_DECLARED:
                        weight = W_LATER_DECLARED if (published or "review" in kinds) else weight
                        published = True
                    claims.append(DateClaim(kind, value, SOURCE, "page", weight,
                                            f"JSON-LD {label} {key}: {raw}", url=url))
            if kinds & {"product", "productgroup"}:
                doc.product_images.update(jsonld.images_of(node.get("image")))
                for brand in jsonld.values(node.get("brand")):
                    for name in jsonld.values(brand.get("name") if isinstance(brand, dict) else brand):
                        if isinstance(name, str):
                            doc.add_segment("json-ld brand", name)
                for name in jsonld.values(node.get("name")):
                    if isinstance(name, str):
                        doc.add_segment("json-ld name", name)
    return claims


def meta_claims(metas: list[lxml.html.HtmlElement], doc: PageDoc, url: str = "",
                budget: Budget = UNBOUNDED, zone: timedelta | None = None) -> list[DateClaim]:
    claims: list[DateClaim] = []
    published = False  # the first publication date is the page's (see W_LATER_DECLARED)
    for meta in budget.each(metas):
        if len(claims) >= MAX_DECLARED_CLAIMS:
            break
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop")
               or meta.get("http-equiv") or "").strip().lower()
        content = (meta.get("content") or "").strip()
        if not key or not content:
            continue
        if key in {"og:image", "og:image:secure_url", "twitter:image"}:
            if len(doc.product_images) < MAX_ASSET_URLS:
                doc.product_images.add(content)
        elif key == "generator":
            doc.generator = content
        elif key in {"description", "og:description", "og:title", "keywords"}:
            doc.add_segment(f"meta {key}", content)
        if key in _PUBLISHED_META or key in _MODIFIED_META:
            value = written_day(content, zone)
            if value is None:
                continue
            if key in _MODIFIED_META:
                claims.append(DateClaim("modified", value, SOURCE, "page", W_MODIFIED_META,
                                        f"<meta {key}> {content}", url=url))
            else:
                claims.append(DateClaim("published", value, SOURCE, "page",
                                        W_LATER_DECLARED if published else W_META_DECLARED,
                                        f"<meta {key}> {content}", url=url))
                published = True
    return claims


def time_claims(root: lxml.html.HtmlElement, times: list[lxml.html.HtmlElement], raw: str,
                url: str = "", zone: timedelta | None = None) -> list[DateClaim]:
    """`<time datetime>` (published when `pubdate`) and microdata `itemprop="datePublished"
    content=…` on any element; at most 50 elements. The microdata search walks the whole tree,
    so it runs only when the markup names the property."""
    elements = [t for t in times if t.get("datetime")][:50]
    if "datePublished" in raw and ('itemprop="datePublished"' in raw or "itemprop='datePublished'" in raw):
        elements += [e for e in _ITEMPROP_PUBLISHED(root) if e.tag != "meta"][:50]  # meta: meta_claims
    claims = []
    first = True  # the first publication date is the page's (see W_LATER_DECLARED)
    for element in elements[:50]:
        value_raw = element.get("datetime") or element.get("content") or ""
        value = written_day(value_raw, zone)
        if value is None:
            continue
        published = element.get("pubdate") is not None or element.get("itemprop") == "datePublished"
        weight = (W_DECLARED if first else W_LATER_DECLARED) if published else W_TIME_TAG
        first = first and not published
        claims.append(DateClaim("published" if published else "declared", value, SOURCE, "page",
                                weight, f"<{element.tag}> {value_raw}", url=url))
    return claims


_ITEMPROP_PUBLISHED = etree.XPath("/descendant::*[@itemprop='datePublished'][@content][position() <= 100]")
_IMG_ALTS = etree.XPath("(//img[@alt])[position() <= 500]")


def text_dates(text: str, url: str = "", budget: Budget = UNBOUNDED) -> list[DateClaim]:
    """The earliest MAX_TEXT_CLAIMS dates written in visible text (`textdates`: ISO, day-first
    numeric, month names of the marketplace languages, CJK), read only near a year; every match
    is read once and only the earliest few are kept (a heap), so thousands of dates cost linear
    time and little memory."""
    return heapq.nsmallest(MAX_TEXT_CLAIMS, _text_date_claims(text, url, budget), key=lambda c: c.value)


def _text_date_claims(text: str, url: str, budget: Budget) -> Iterator[DateClaim]:
    for value, words in budget.each(textdates.written_dates(text)):
        yield DateClaim("text", value, SOURCE, "page", W_TEXT, f"text: “{words}”", url=url)


@dataclass
class PageEvidence:
    claims: list[DateClaim]
    doc: PageDoc
    complete: bool = True  # False when the budget ran out: the claims are those found by then


def page_dates(root: lxml.html.HtmlElement | None, raw: str, url: str, today: date, doc: PageDoc, *,
               use_htmldate: bool = True, budget: Budget = UNBOUNDED) -> Iterator[list[DateClaim]]:
    """The dates the page declares, reader by reader (a list per reader, so a caller whose budget
    runs out keeps what the earlier readers found): the date in its address, JSON-LD, meta tags,
    asset URLs (`raw` is the markup as text), `<time>`; htmldate only when none of these settles
    the page's publication (`pagedate.settled`). The page's words and the dates written in them
    are `page_words`. Fills `doc` with the product images, generator and metadata words read on
    the way. Raises ExtractionTimeout when `budget` runs out."""
    found: list[DateClaim] = []
    Reader = Callable[[], list[DateClaim]]
    readers: list[Reader] = [lambda: asset_claims(raw, doc.product_images, url, budget)]
    if root is not None:
        marked = declaring(root, budget)
        zone = page_zone(_stamps(marked))
        readers = [lambda: pagedate.url_claims(_addresses(marked), url),
                   lambda: jsonld_claims(marked.script, doc, url, budget, zone),
                   lambda: meta_claims(marked.meta, doc, url, budget, zone), *readers,
                   lambda: time_claims(root, marked.time, raw, url, zone)]
        if use_htmldate:
            readers.append(lambda: [] if pagedate.settled(found)
                           else pagedate.htmldate_claim(root, url, today))
    for reader in readers:
        budget.check()
        claims = reader()
        found += claims
        yield claims


def _stamps(marked: Declaring) -> Iterator[str]:
    """The texts the page's own times are written in: meta contents, `<time datetime>`, JSON-LD."""
    for meta in marked.meta:
        yield meta.get("content") or ""
    for element in marked.time:
        yield element.get("datetime") or ""
    for script in marked.script:
        if "ld+json" in (script.get("type") or "").lower():
            yield script.text or ""


def own_addresses(root: lxml.html.HtmlElement) -> list[str]:
    """The addresses the page names for itself (`<link rel=canonical>`, then `og:url`), at most 3."""
    return _addresses(declaring(root))


def _addresses(marked: Declaring) -> list[str]:
    """The page's own addresses it names: `<link rel=canonical>`, then `og:url`."""
    links = [link.get("href") or "" for link in marked.link if (link.get("rel") or "").lower() == "canonical"]
    metas = [meta.get("content") or "" for meta in marked.meta
             if (meta.get("property") or meta.get("name") or "").lower() == "og:url"]
    return [a for a in links + metas if a][:3]


def page_words(root: lxml.html.HtmlElement, doc: PageDoc, url: str = "",
               budget: Budget = UNBOUNDED) -> list[DateClaim]:
    """The page's words into `doc` (image alts, then the visible text, at most MAX_TEXT_CHARS) and
    the dates written in the text (`text_dates`). Takes the tree apart: call it last."""
    for img in budget.each(_IMG_ALTS(root)):
        if alt := (img.get("alt") or "").strip():
            doc.add_segment("image alt", alt)
    budget.check()
    text = visible_text(root, in_place=True)
    doc.add_segment("text", text[:500_000])
    return text_dates(text, url, budget)


def page_title(root: lxml.html.HtmlElement) -> str:
    """The `<title>`, one line, at most 300 characters."""
    title = root.find(".//title")
    if title is None:
        return ""
    return re.sub(r"\s+", " ", title.text_content()[:3000]).strip()[:300]


def extract(body: bytes | str, headers: Mapping[str, str], url: str, today: date, *,
            use_htmldate: bool = True, budget: Budget | None = None) -> PageEvidence:
    """All page dates and the page's words. Never raises on hostile markup.

    Work is linear in the first MAX_PARSE_BYTES of the body and every list is capped (see the
    constants above). With a `budget`, extraction stops at its deadline and returns what it found
    so far with `complete=False`; the strongest signals (structured data, asset URLs) come first.
    """
    budget = budget or Budget()
    claims = header_claims(headers, url)
    doc = PageDoc()
    complete = True
    try:
        budget.check()
        raw = body_text(body, headers)[:MAX_PARSE_BYTES]
        root = parse_html(raw)
        budget.check()
        if root is not None and (title := page_title(root)):
            doc.title = title
            doc.add_segment("title", title)
        for found in page_dates(root, raw, url, today, doc, use_htmldate=use_htmldate, budget=budget):
            claims += found
        budget.check()
        if root is not None:
            claims += page_words(root, doc, url, budget)  # last reader of the tree
    except ExtractionTimeout:
        complete = False
    return PageEvidence([c for c in claims if plausible(c.value, today)], doc, complete)
