"""The picture URLs a page offers: what an `<img>` or `<picture><source>` shows once the page's
lazy loading has run, the `srcset` lists of any attribute, and a JSON-LD product's `image`.

One reader for every caller that wants a page's pictures (the copy check's `listing`, the Store
API's `srcset`s in `platform_api`). Pure and bounded: every list is capped, every attribute is
read once, left to right, without backtracking (a copycat controls the markup).

Lazy loading: themes and plugins keep the real picture in `data-src`, `data-lazy-src`,
`data-original`, `data-srcset` or `data-lazy-srcset` and a placeholder in `src` / `srcset`
(a 1-pixel `data:` GIF, an SVG box, a spinner); a script swaps them in. When an element offers a
lazy picture, its `src` and `srcset` are therefore not read; `<noscript>` fallbacks are ordinary
`<img>` elements in the parsed tree. Shopify's lazysizes themes write `data-src` as a template,
`…/lamp_{width}x.jpg?v=…`, with the widths they serve in `data-widths`: it is read at the largest
of them (DEFAULT_WIDTH without them), never fetched with the placeholder in it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

import lxml.html

from chatbot.evidence import jsonld

MAX_SRCSET_CHARS = 20_000  # of one attribute
MAX_CANDIDATES = 40  # URLs read from one srcset
MAX_URL = 2_000
MAX_LD_SCRIPTS = 20
MAX_LD_NODES = 2_000  # JSON-LD objects walked over all scripts
MAX_LD_IMAGES = 100
MAX_WIDTHS = 30  # numbers read from one data-widths
MAX_WIDTH = 4_096
DEFAULT_WIDTH = 1_080  # a Shopify template without data-widths: a width every theme requests

# The largest picture an element names, before anything else: zoom and gallery originals.
LARGE_ATTRIBUTES = ("data-zoom-image", "data-large_image")
LAZY_SRCSETS = ("data-srcset", "data-lazy-srcset")
LAZY_SOURCES = ("data-lazy-src", "data-original", "data-src")

_SEPARATORS = re.compile(r"[\s,]*")
_URL_RUN = re.compile(r"\S*")
_DESCRIPTORS = re.compile(r"[^,]*")
_WIDTH = re.compile(r"\s*(\d{1,5})w\s*$")
_DENSITY = re.compile(r"\s*(\d{1,2}(?:\.\d{1,3})?)x\s*$")
# Where a URL glued to the previous one by a bare comma starts: a scheme, a path, or a file name
# (`a.jpg,b.jpg`); a comma inside one URL (`…/w_400,h_400/…`, `?crop=1,2`) is not followed by one.
_URL_START = re.compile(r"[a-z][a-z0-9+.-]{0,20}:|/|\.|[^/?#.,]{1,200}\.[a-z0-9]{2,5}(?:[?#/]|$)",
                        re.IGNORECASE)
_TEMPLATE = re.compile(r"\{width\}|%7Bwidth%7D", re.IGNORECASE)
_NUMBER = re.compile(r"\d{1,5}")


@dataclass(frozen=True)
class Candidate:
    """One URL of a srcset with its descriptor: `width` for `800w`, `density` for `2x` (1.0 when
    none is written, as a browser reads it)."""

    url: str
    width: int = 0
    density: float = 1.0


def _split_glued(run: str) -> list[str]:
    """`a.jpg,b.jpg` → both; `…/w_400,h_400/x.jpg` and `data:…;base64,…` stay whole."""
    if "," not in run or run[:5].lower() == "data:":
        return [run]
    pieces: list[str] = []
    for piece in run.split(",")[:MAX_CANDIDATES]:
        if pieces and not _URL_START.match(piece):
            pieces[-1] += "," + piece
        else:
            pieces.append(piece)
    return [p for p in pieces if p]


def srcset_candidates(value: str) -> list[Candidate]:
    """Every URL of a `srcset` (at most MAX_CANDIDATES, from its first MAX_SRCSET_CHARS), in the
    order written, with its width or density descriptor.

    Reads `a.jpg 800w, b.jpg 1600w`, `a.jpg 1x, b.jpg 2x`, `a.jpg, b.jpg` and `a.jpg,b.jpg` (URLs
    joined by a bare comma are taken apart where the next one starts: see `_split_glued`). A
    descriptor that is neither `Nw` nor `Nx` is ignored. Never raises; linear in the value.
    """
    value = value[:MAX_SRCSET_CHARS]
    out: list[Candidate] = []
    pos = 0
    while len(out) < MAX_CANDIDATES:
        pos = _SEPARATORS.match(value, pos).end()  # type: ignore[union-attr]
        if pos >= len(value):
            break
        run = _URL_RUN.match(value, pos).group(0)  # type: ignore[union-attr]
        pos += len(run)
        descriptor = ""
        if run.endswith(","):
            run = run.rstrip(",")
        else:
            descriptor = _DESCRIPTORS.match(value, pos).group(0)  # type: ignore[union-attr]
            pos += len(descriptor)
        urls = _split_glued(run)
        for url in urls[:-1]:
            out.append(Candidate(url))
        if urls:
            width = _WIDTH.match(descriptor)
            density = _DENSITY.match(descriptor)
            out.append(Candidate(urls[-1], int(width.group(1)) if width else 0,
                                 float(density.group(1)) if density else 1.0))
    return out[:MAX_CANDIDATES]


def srcset_urls(value: str) -> list[str]:
    """The URLs of a `srcset`, largest first (by width, else density; written order on ties)."""
    candidates = srcset_candidates(value)
    return [c.url for c in sorted(candidates, key=lambda c: (-c.width, -c.density))]


def _widths(element: lxml.html.HtmlElement) -> list[int]:
    """The widths a Shopify lazysizes theme serves, from `data-widths="[180, 360, …]"`."""
    found = (int(n) for n in _NUMBER.findall((element.get("data-widths") or "")[:500]))
    return [n for n in islice(found, MAX_WIDTHS) if 0 < n <= MAX_WIDTH]


def fill_template(url: str, widths: list[int] | None = None) -> str:
    """A Shopify `{width}` template at the largest of `widths` (else DEFAULT_WIDTH); any other URL
    unchanged. `…/lamp_{width}x.jpg?v=1` → `…/lamp_1080x.jpg?v=1`."""
    if "{" not in url and "%" not in url:
        return url
    return _TEMPLATE.sub(str(max(widths or [DEFAULT_WIDTH])), url)


def usable(url: str) -> bool:
    """Whether a URL can be fetched as a picture: not empty, not a `data:` placeholder, not an
    unfilled template (`{…}`), not longer than MAX_URL."""
    url = url.strip()
    return bool(url) and len(url) <= MAX_URL and url[:5].lower() != "data:" and "{" not in url \
        and "%7b" not in url.lower()


def element_pictures(element: lxml.html.HtmlElement) -> list[str]:
    """The picture URLs an `<img>` or `<source>` offers, the largest first, as written (relative
    URLs are the caller's to resolve); at most 2 × MAX_CANDIDATES + 5, each `usable`.

    Order: LARGE_ATTRIBUTES; the lazy srcsets, then the lazy single URLs (Shopify templates filled,
    see `fill_template`); only when those offer nothing, `srcset` and `src`. Never raises.
    """
    widths = _widths(element)
    urls = [element.get(name) or "" for name in LARGE_ATTRIBUTES]
    lazy: list[str] = []
    for name in LAZY_SRCSETS:
        lazy += srcset_urls(element.get(name) or "")
    lazy += [element.get(name) or "" for name in LAZY_SOURCES]
    lazy = [u for u in (fill_template(u.strip(), widths) for u in lazy) if usable(u)]
    if not lazy:
        lazy = [*srcset_urls(element.get("srcset") or ""), element.get("src") or ""]
    return list(dict.fromkeys(u.strip() for u in urls + lazy if usable(u)))


def picture_elements(root: lxml.html.HtmlElement, limit: int) -> Iterator[lxml.html.HtmlElement]:
    """The `<img>` elements and the `<source>` elements of `<picture>` (not of `<video>` or
    `<audio>`), in document order, at most `limit` looked at (`<noscript>` fallbacks included)."""
    for element in islice(root.iter("img", "source"), limit):
        if element.tag == "img" or (element.getparent() is not None and element.getparent().tag == "picture"):
            yield element


def _ld_nodes(scripts: list[lxml.html.HtmlElement]) -> Iterator[tuple[dict[str, Any], bool]]:
    """(node, whether it is a document's top node) of every JSON-LD script, `@graph` included,
    at most MAX_LD_NODES over MAX_LD_SCRIPTS scripts; broken JSON is skipped."""
    walked = 0
    for script in scripts[:MAX_LD_SCRIPTS]:
        if "ld+json" not in (script.get("type") or "").lower():
            continue
        try:
            data = json.loads(script.text_content() or "")
        except (ValueError, RecursionError):
            continue
        tops = {id(node) for node in (data if isinstance(data, list) else [data])[:200]}
        for node in jsonld.walk(data):
            walked += 1
            if walked > MAX_LD_NODES:
                return
            yield node, id(node) in tops


def jsonld_pictures(scripts: list[lxml.html.HtmlElement]) -> list[str]:
    """The `image` of every JSON-LD Product or ProductGroup, wherever it is (top level, in a list,
    in `@graph`, a variant), and of any top-level node; an image given as a reference
    (`{"@id": "…#primaryimage"}`) is read from the ImageObject node of that `@id`. At most
    MAX_LD_IMAGES URLs, in document order."""
    by_id: dict[str, dict[str, Any]] = {}
    wanted: list[Any] = []
    for node, top in _ld_nodes(scripts):
        if isinstance(node.get("@id"), str) and "imageobject" in jsonld.types_of(node):
            by_id.setdefault(node["@id"], node)
        if "image" in node and (top or jsonld.types_of(node) & {"product", "productgroup"}):
            wanted.append(node["image"])
    out: list[str] = []
    for image in wanted:
        items = image[:50] if isinstance(image, list) else [image]
        for item in items:
            if isinstance(item, dict) and "url" not in item and "contentUrl" not in item:
                item = by_id.get(item.get("@id")) if isinstance(item.get("@id"), str) else None
            out += [u for u in jsonld.images_of(item) if isinstance(u, str)]
        if len(out) >= MAX_LD_IMAGES:
            break
    return out[:MAX_LD_IMAGES]
