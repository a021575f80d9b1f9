"""The one reader of an Amazon marketplace a seller names, for every path that takes one:
`checksite --marketplace`, `compare --marketplace`, `/checksite … --marketplace` in chat, and the
marketplace a pasted notice mentions.

A marketplace is one key of knowledge/amazon/first_available.yaml (`com`, `co.uk`, `com.mx`…),
the Amazon host's suffix after `amazon.`. Sellers write it as that key, as the host or a product
address (`amazon.co.uk`, `https://www.amazon.co.uk/dp/…`), as a country code (`uk`, `gb`, `jp`,
`mx`) or as the country's name in English, its own language or Chinese (`Germany`, `德国`,
`美国站`), as listed in knowledge/amazon/marketplace_names.yaml.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from chatbot import knowledge

MAX_MARKETPLACE_TEXT = 2_000  # characters read from a typed marketplace or address

# `amazon.<key>` in a host or text: `com`, `co.uk`, `com.mx`, `de` … (longest form first). Not in
# an e-mail address: Amazon writes from @amazon.com whatever the marketplace.
_KEY = r"((?:com|co)\.[a-z]{2}|[a-z]{2,3})"  # the host's suffix after "amazon.": com, co.uk, com.mx
AMAZON_HOST = re.compile(rf"(?<![@\w-])amazon\.{_KEY}(?![\w-]|\.[a-z])", re.IGNORECASE)
# A whole host: www.amazon.co.uk, smile.amazon.de, m.amazon.co.jp (a trailing dot allowed).
_HOST = re.compile(rf"(?:[a-z0-9-]{{1,63}}\.){{0,3}}amazon\.{_KEY}\.?")
_SITE_SUFFIXES = ("站点", "站點", "站")


@lru_cache(maxsize=1)
def keys() -> tuple[str, ...]:
    """Every marketplace we read, in the order of the table."""
    return tuple(str(key) for key in knowledge.load_yaml("amazon/first_available.yaml")["marketplaces"])


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    table = knowledge.load_yaml("amazon/marketplace_names.yaml")
    return {unicodedata.normalize("NFKC", str(name)).lower(): str(key)
            for key, names in table.items() for name in names}


def read_marketplace(text: str) -> str | None:
    """The marketplace key `text` names (`"UK"` → `"co.uk"`, `"www.amazon.com.mx"` → `"com.mx"`,
    `"德国站"` → `"de"`), or None when it names none we know."""
    value = unicodedata.normalize("NFKC", text or "")[:MAX_MARKETPLACE_TEXT].strip().lower()
    if (host := AMAZON_HOST.search(value)) is not None:
        value = host.group(1)
    value = value.removeprefix("www.").removeprefix(".").strip()
    for suffix in _SITE_SUFFIXES:
        value = value.removesuffix(suffix).strip()
    if value in keys():
        return value
    return _names().get(value)


def host_marketplace(host: str) -> str | None:
    """The marketplace whose Amazon host `host` is (`www.amazon.co.uk`, `smile.amazon.de`,
    `m.amazon.co.jp` → its key), None for any other host (`amazon.co.uk.evil.com`)."""
    match = _HOST.fullmatch((host or "").lower()[:300])
    return match.group(1) if match is not None and match.group(1) in keys() else None


def marketplace_in(text: str) -> str | None:
    """The marketplace a longer text (a notice) names most often by its host (`amazon.de`), or
    None; only hosts of marketplaces we know count."""
    counts: dict[str, int] = {}
    for match in AMAZON_HOST.finditer(text[:50_000]):
        key = match.group(1).lower()
        if key in keys():
            counts[key] = counts.get(key, 0) + 1
    return max(counts, key=lambda k: counts[k]) if counts else None
