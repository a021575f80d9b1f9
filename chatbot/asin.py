"""The one reader of Amazon ASINs, for every path that takes one: a pasted notice, `/case N asin`,
a bare ASIN offered to an open case, `checksite --asin` and `compare --asin`; and of the Amazon
product address a seller gives where a storefront is asked for (`amazon_product_asin`: their own
listing, not the complainant's site).

An ASIN (Amazon Standard Identification Number, Amazon's own catalogue key) is 10 characters:
`B0` and 8 letters or digits for everything but books, or the book's ISBN-10 (9 digits, then a
digit or `X`). Sellers write it in any case (`b08xyz1234`) and often paste the product page
instead: `amazon.<marketplace>/<words>/dp/B0…`, `/gp/product/B0…`, `/gp/aw/d/B0…`,
`/exec/obidos/ASIN/B0…`, `/product-reviews/B0…`. Amazon's short links (`amzn.to/…`, `a.co/…`,
`amzn.eu/…`) name no ASIN until followed, which we do not do for a typed value: the reader says
so, so the seller can paste the full address or the ASIN itself.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from chatbot.marketplace import host_marketplace

MAX_ASIN_TEXT = 200_000  # characters searched for ASINs in one text (a pasted notice at most)
MAX_ADDRESS = 2_000  # characters of one typed address

_CODE = r"(?:B0[0-9A-Z]{8}|[0-9]{9}[0-9X])"
_STANDARD = re.compile(r"(?<![0-9A-Z])(B0[0-9A-Z]{8})(?![0-9A-Z])", re.IGNORECASE)
_ANY = re.compile(rf"(?<![0-9A-Z])({_CODE})(?![0-9A-Z])", re.IGNORECASE)
_IN_ADDRESS = re.compile(
    rf"/(?:dp|gp/product|gp/aw/d|exec/obidos/asin|o/asin|product-reviews|product)/({_CODE})(?![0-9A-Z])",
    re.IGNORECASE)
_ADDRESS_TOKEN = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_SHORT_LINK = re.compile(r"^(?:https?://)?(?:www\.)?(?:amzn\.to|a\.co|amzn\.eu|amzn\.asia)(?:/|$)",
                         re.IGNORECASE)


class AsinError(ValueError):
    """`code`: `format` (no ASIN in the text) or `short_link` (an Amazon short link, which names
    no ASIN until opened). Replies: `checksite.invalid.asin_format` / `asin_short_link` and
    `notice.invalid.asin` / `asin_short_link`."""

    def __init__(self, code: str, value: str) -> None:
        super().__init__(code)
        self.code = code
        self.value = value


def read_asin(text: str) -> str:
    """The one ASIN a typed value names, upper-case: `B08XYZ1234`, `b08xyz1234`, an ISBN-10 ASIN
    (`031234567X`), or an Amazon product address holding one. Raises AsinError (anything else,
    two different ASINs, a short link)."""
    value = text.strip()[:MAX_ASIN_TEXT]
    found = list(dict.fromkeys(m.group(1).upper() for m in _IN_ADDRESS.finditer(value)))
    if not found and (bare := _ANY.fullmatch(value)):
        found = [bare.group(1).upper()]
    if len(found) == 1:
        return found[0]
    raise AsinError("short_link" if is_short_link(value) else "format", value[:60])


def amazon_product_asin(text: str) -> str | None:
    """The ASIN when `text` is one Amazon product address: a host on a marketplace we know
    (`amazon.com`, `www.amazon.co.uk`, `smile.amazon.de`, `m.amazon.co.jp`; the scheme may be left
    out) and a product path naming one ASIN (`/x/dp/B08XYZ1234`, `/gp/product/…`, `/gp/aw/d/…`).
    None for anything else, including other Amazon pages (a brand store, a seller profile, a
    search) and short links. Never raises; reads at most MAX_ADDRESS characters."""
    value = text.strip()[:MAX_ADDRESS]
    if not value or any(c.isspace() for c in value):
        return None
    try:
        parts = urlsplit(value if "://" in value else "https://" + value)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or host_marketplace(host) is None:
        return None
    found = {m.group(1).upper() for m in _IN_ADDRESS.finditer(parts.path)}
    return found.pop() if len(found) == 1 else None


def is_short_link(text: str) -> bool:
    """Whether `text` is an Amazon short link (`amzn.to/…`, `a.co/…`), which names no ASIN."""
    return _SHORT_LINK.match(text.strip()) is not None


def find_asins(text: str, *, books: bool = True) -> list[str]:
    """Every ASIN in `text`, upper-case, each once, in order: those in Amazon product addresses,
    then bare ones. `books=False` leaves out bare 10-digit numbers (in free text they are more
    often other numbers; in an address or under an ASIN label they are book ASINs). Reads at
    most MAX_ASIN_TEXT characters; linear."""
    text = text[:MAX_ASIN_TEXT]
    found = [m.group(1).upper() for m in _IN_ADDRESS.finditer(text)]
    words = _ADDRESS_TOKEN.sub(" ", text)  # a number in an address's query is not an ASIN
    found += [m.group(1).upper() for m in (_ANY if books else _STANDARD).finditer(words)]
    return list(dict.fromkeys(found))
