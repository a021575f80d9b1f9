"""What a product page shows: its product photos (with the upload date a URL gives away) and its
words (title, bullets, description), read from an Amazon detail page or any shop's page.

Amazon: the image block's `colorImages.initial[*].hiRes` (else `large`), then the main image's
`data-old-hires` and `data-a-dynamic-image` (a JSON object of URL → [width, height]); title
`#productTitle`, bullets `#feature-bullets`, description `#productDescription`.
Shops: og:image, JSON-LD Product `image` (in `@graph` too), then every picture the page's `<img>`
and `<picture><source>` elements offer once lazy loading has run (`pictures.element_pictures`:
`data-src`, `data-srcset`, `srcset` lists, `<noscript>` fallbacks, Shopify `{width}` templates),
without logos, icons, SVG and pictures declared smaller than MIN_DECLARED_SIDE. The sizes of one
photo count once, the largest offered first (`image_key`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import urljoin

import lxml.html

from chatbot.evidence.dates import from_unix
from chatbot.evidence.page import parse_html
from chatbot.evidence.pictures import element_pictures, jsonld_pictures, picture_elements, usable
from chatbot.evidence.text import visible_text
from chatbot.evidence.textmatch import Passage, split

MAX_IMAGES_SEEN = 2000  # candidate image URLs read from one page; the rest are not even counted
MAX_IMG_TAGS = 3000
MAX_TEXT_BLOCKS = 400
MIN_DECLARED_SIDE = 100  # width/height attributes below this: icons, badges, payment logos
_SKIP_WORDS = re.compile(r"logo|icon|favicon|sprite|badge|payment|flag|avatar|placeholder|pixel|spinner",
                         re.IGNORECASE)
# Size marks in file names: WordPress -600x600, Shopify _300x, _530x@2x and @2x, Amazon ._AC_SL1500_
_SIZE_SUFFIX = re.compile(r"([-_]\d{2,4}x\d{0,4}(?:@\dx)?|@\dx|\._[A-Z0-9_,]+_)(?=\.\w+$)", re.IGNORECASE)
_SHOPIFY_V = re.compile(r"[?&]v=(\d{9,10})\b")
_WP_UPLOAD = re.compile(r"/wp-content/uploads/((?:19|20)\d{2})/(0[1-9]|1[0-2])/")
_COLOR_IMAGES = re.compile(r"""['"]colorImages['"]\s*:\s*\{\s*['"]initial['"]\s*:\s*""")


@dataclass(frozen=True)
class ListingImage:
    url: str
    uploaded: date | None = None  # Shopify ?v= upload time; WordPress upload month (1st of it)
    uploaded_detail: str = ""


@dataclass(frozen=True)
class Listing:
    images: tuple[ListingImage, ...]
    passages: tuple[Passage, ...]
    images_seen: int  # image URLs found before de-duplication (at most MAX_IMAGES_SEEN)
    title: str = ""


def image_key(url: str) -> str:
    """The same photo in another size or with another query: one key."""
    name = url.split("?", 1)[0].split("#", 1)[0].rsplit("/", 1)[-1].lower()
    return _SIZE_SUFFIX.sub("", name)


def upload_date(url: str) -> tuple[date | None, str]:
    if "cdn.shopify.com" in url or "/cdn/shop/" in url:
        match = _SHOPIFY_V.search(url)
        if match and (value := from_unix(int(match.group(1)))):
            return value, f"Shopify CDN ?v={match.group(1)}"
    if match := _WP_UPLOAD.search(url):
        return date(int(match.group(1)), int(match.group(2)), 1), f"WordPress uploads {match.group(1)}/" \
            f"{match.group(2)}"
    return None, ""


def _collect(urls: list[str], base: str) -> tuple[tuple[ListingImage, ...], int]:
    seen: dict[str, ListingImage] = {}
    count = 0
    for raw in urls:
        raw = (raw or "").strip()
        if not usable(raw):
            continue
        url = urljoin(base, raw)
        if not url.startswith(("http://", "https://")) or _SKIP_WORDS.search(url.rsplit("/", 1)[-1]):
            continue
        count += 1
        key = image_key(url)
        if key and key not in seen:
            value, detail = upload_date(url)
            seen[key] = ListingImage(url, value, detail)
        if count >= MAX_IMAGES_SEEN:
            break
    return tuple(seen.values()), count


def _text(root: lxml.html.HtmlElement, xpath: str, limit: int = 50) -> list[str]:
    """The visible text of each element `xpath` finds (at most `limit`), words kept apart at
    block boundaries (text.visible_text): `<p>Soft<br>LUMIVA fleece</p>` is "Soft LUMIVA fleece".
    Marks the tree in place (no copy per element): callers read the text last."""
    out = []
    for element in root.xpath(xpath)[:limit]:
        text = visible_text(element, in_place=True)
        if text:
            out.append(text)
    return out


def _declared_small(img: lxml.html.HtmlElement) -> bool:
    for name in ("width", "height"):
        value = (img.get(name) or "").strip().removesuffix("px")
        if value.isdigit() and int(value) < MIN_DECLARED_SIDE:
            return True
    return False


def shop_listing(html: bytes | str, base_url: str) -> Listing:
    """Any shop's product page (Shopify, WooCommerce, others) → its photos and words."""
    root = parse_html(html)
    if root is None:
        return Listing((), (), 0)
    urls = [m.get("content", "") for m in root.xpath("//meta[@property='og:image' or @name='og:image']")[:10]]
    urls += jsonld_pictures(root.xpath("//script[@type='application/ld+json']"))
    for element in picture_elements(root, MAX_IMG_TAGS):
        if _declared_small(element) or _SKIP_WORDS.search(element.get("alt") or "") or _SKIP_WORDS.search(
                element.get("class") or ""):
            continue
        urls += element_pictures(element)
        if len(urls) >= MAX_IMAGES_SEEN:
            break
    images, seen = _collect(urls, base_url)
    titles = _text(root, "//h1", 3) or _text(root, "//title", 1)
    title = titles[0] if titles else ""
    passages = [*split("title", title)] if title else []
    for meta in root.xpath("//meta[@name='description' or @property='og:description']")[:2]:
        passages += split("description", meta.get("content", ""))
    for bad in root.xpath("//script | //style | //noscript | //template | //nav | //footer | //header"):
        bad.drop_tree()
    for block in _text(root, "//li | //p | //h2 | //h3 | //td", MAX_TEXT_BLOCKS):
        passages += split("text", block)
    return Listing(images, tuple(dict.fromkeys(passages)), seen, title)


def _color_images(html: str) -> list[str]:
    match = _COLOR_IMAGES.search(html)
    if not match:
        return []
    try:
        data, _ = json.JSONDecoder().raw_decode(html, match.end())
    except ValueError:
        return []
    urls = []
    for item in data if isinstance(data, list) else []:
        if isinstance(item, dict):
            url = item.get("hiRes") or item.get("large")
            if isinstance(url, str):
                urls.append(url)
    return urls


def amazon_listing(html: str, base_url: str) -> Listing:
    """An Amazon detail page → its gallery photos (hi-res) and its title, bullets and description."""
    root = parse_html(html)
    if root is None:
        return Listing((), (), 0)
    urls = _color_images(html[:3_000_000])
    for img in root.xpath("//*[@id='landingImage' or @id='imgBlkFront']")[:2]:
        urls.append(img.get("data-old-hires") or "")
        try:
            dynamic = json.loads(img.get("data-a-dynamic-image") or "{}")
        except ValueError:
            dynamic = {}
        if isinstance(dynamic, dict) and dynamic:
            urls.append(max(dynamic, key=lambda u: _area(dynamic[u])))
    images, seen = _collect(urls, base_url)
    title = next(iter(_text(root, "//*[@id='productTitle']", 1)), "")
    passages = [*split("title", title)] if title else []
    for bullet in _text(root, "//*[@id='feature-bullets']//li", 20):
        passages += split("bullet", bullet)
    for block in _text(root, "//*[@id='productDescription']//p | //*[@id='productDescription']", 20):
        passages += split("description", block)
    return Listing(images, tuple(dict.fromkeys(passages)), seen, title)


def _area(size: object) -> int:
    if isinstance(size, list) and len(size) == 2 and all(isinstance(v, int) for v in size):
        return int(size[0]) * int(size[1])
    return 0


def text_file_passages(text: str) -> tuple[Passage, ...]:
    """The seller's own words from a file (`--text`): the first line is the title."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return ()
    passages = split("title", lines[0])
    for line in lines[1:]:
        passages += split("description", line)
    return tuple(dict.fromkeys(passages))
