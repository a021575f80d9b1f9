"""Upload dates hidden in a page's image URLs: Shopify CDN `?v=<unix time>` and WordPress
`/wp-content/uploads/YYYY/MM/`. A product's own photos date the page, the rest date the store.

Pure and linear in the markup: each URL is matched once without backtracking, and every loop is
capped (a copycat controls how many URLs its page repeats).
"""

from __future__ import annotations

import re
from datetime import date

from chatbot.evidence.budget import UNBOUNDED, Budget
from chatbot.evidence.dates import from_unix
from chatbot.evidence.model import DateClaim

SOURCE = "page"
MAX_ASSET_URLS = 5_000  # image URLs examined for upload dates
MAX_ASSET_CLAIMS = 10  # per scope (product / site): a gallery of 300 images says nothing more
W_CDN_PRODUCT, W_CDN_OTHER = 0.55, 0.5
W_UPLOAD_PRODUCT, W_UPLOAD_OTHER = 0.3, 0.3

# Shopify serves images from cdn.shopify.com or the shop's own /cdn/shop/; `v` is the upload time.
# Each pattern starts with a literal ("cdn", "wp-content"), so the regex engine finds candidates at
# the speed of a substring search, and reads `\/` (URLs inside inline JSON) where a `/` can be:
# one pass over the markup each, no copy of it (a page of 1.5 MB took ten passes and a copy). The
# URL is taken whole (a possessive run: no backtracking; a "," ends it, as between the URLs of a
# `srcset` written without descriptors) and its parts are read in Python; a
# single pattern for "path, image suffix, ?…&v=" backtracked quadratically on `x.jpg?` × 32,000.
_SHOPIFY_URL = re.compile(r"cdn(?:\.shopify\.com|\\?/shop)\\?/[^\s\"'<>(),]++")
_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif")
_UPLOAD_TIME = re.compile(r"(\d{9,10})\b")
_WP_UPLOAD = re.compile(r"wp-content\\?/uploads\\?/((?:19|20)\d{2})\\?/(0[1-9]|1[0-2])\\?/[^\s\"'<>(),]++")
_SIZE_SUFFIX = re.compile(r"[-_]\d{2,4}x\d{0,4}(?=\.\w+$)")  # WordPress -600x600, Shopify _300x


def _image_name(url: str) -> str:
    return _SIZE_SUFFIX.sub("", url.split("?", 1)[0].rsplit("/", 1)[-1].lower())


def _image_names(images: set[str]) -> frozenset[str]:
    """Names of the product's pictures, for a set look-up per candidate (not a pairwise loop)."""
    return frozenset(name for name in (_image_name(image) for image in images) if name)


def _shopify_upload(candidate: str) -> tuple[str, str] | None:
    """(the URL up to `v=<unix time>`, the time) for a Shopify image URL with a `v` parameter."""
    path, mark, query = candidate.partition("?")
    if not mark or not path.lower().endswith(_IMAGE_SUFFIXES):
        return None
    offset = len(path) + 1
    for param in query.split("&"):
        name = param.removeprefix("amp;")
        if name.startswith("v=") and (found := _UPLOAD_TIME.match(name, 2)):
            end = offset + (len(param) - len(name)) + found.end()
            return candidate[:end], found.group(1)
        offset += len(param) + 1
    return None


def _unescaped(found: str, host: str = "") -> str:
    """A matched URL as the page means it: `\\/` (inline JSON) read as `/`, and the leading `/`
    of a path on the shop's own host (`/cdn/shop/…`, `/wp-content/…`) that the match starts after."""
    found = found.replace("\\/", "/")
    return found if host and found.startswith(host) else "/" + found


def asset_claims(html: str, product_images: set[str], url: str = "",
                 budget: Budget = UNBOUNDED) -> list[DateClaim]:
    """Dates hidden in image URLs anywhere in the markup (attributes, inline JSON, CSS).

    Linear in the markup: each URL is matched once without backtracking, at most MAX_ASSET_URLS
    are examined, and the earliest MAX_ASSET_CLAIMS per scope are kept.
    """
    names = _image_names(product_images)
    seen: dict[tuple[str, date], DateClaim] = {}
    examined = 0
    for match in budget.each(_SHOPIFY_URL.finditer(html)):
        examined += 1
        if examined > MAX_ASSET_URLS:
            break
        found = _shopify_upload(_unescaped(match.group(0), "cdn.shopify.com"))
        if found is None:
            continue
        shown, stamp = found
        value = from_unix(int(stamp))
        if value is None:
            continue
        key = (shown.split("?", 1)[0], value)
        if key not in seen:  # a theme repeats each image URL many times: name each one once
            product = _image_name(shown) in names
            seen[key] = DateClaim("uploaded", value, SOURCE, "page" if product else "site",
                                  W_CDN_PRODUCT if product else W_CDN_OTHER,
                                  f"Shopify CDN image ?v={stamp}: {shown[-120:]}", url=url,
                                  item=_image_name(key[0]))
    for match in budget.each(_WP_UPLOAD.finditer(html)):
        examined += 1
        if examined > 2 * MAX_ASSET_URLS:
            break
        value = date(int(match.group(1)), int(match.group(2)), 1)
        shown = _unescaped(match.group(0))
        key = (shown.split("?", 1)[0], value)
        if key not in seen:
            product = _image_name(shown) in names
            seen[key] = DateClaim("uploaded", value, SOURCE, "page" if product else "site",
                                  W_UPLOAD_PRODUCT if product else W_UPLOAD_OTHER,
                                  f"WordPress upload folder {match.group(1)}/{match.group(2)}: "
                                  f"{shown[-120:]}", precision="month", url=url,
                                  item=_image_name(key[0]))
    # Keep the earliest few of each scope: a gallery of 300 images says nothing more.
    by_scope: dict[str, list[DateClaim]] = {}
    for claim in sorted(seen.values(), key=lambda c: c.value):
        by_scope.setdefault(claim.scope, []).append(claim)
    return [c for claims in by_scope.values() for c in claims[:MAX_ASSET_CLAIMS]]
