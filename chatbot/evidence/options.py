"""What a user may ask of /checksite, checked once for chat and terminal alike."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePath
from typing import Any

from chatbot.asin import AsinError, amazon_product_asin, is_short_link, read_asin
from chatbot.evidence.engine import LookupRequest
from chatbot.marketplace import keys as marketplace_keys
from chatbot.marketplace import read_marketplace
from chatbot.printable import has_control
from chatbot.typed_date import TypedDateError, read_typed_date

MAX_BRAND = 60
REPORT_SUFFIXES = (".html", ".htm", ".pdf", ".json")
_VALUED = {"--since", "--asin", "--marketplace", "--brand", "--report", "--listing"}
_FLAGS = {"--refresh"}
_EXAMPLES = {"--since": "--since 2021-09-15", "--asin": "--asin B08XYZ1234",
             "--marketplace": "--marketplace de", "--brand": "--brand LumiNest",
             "--report": "--report evidence.pdf", "--listing": "--listing https://myshop.example/products/lamp"}
# Chat apps turn "--" into an en or em dash; people type the Chinese full-width dash too.
_DASHES = re.compile(r"^(?:—|–|－－|——)")


class OptionError(ValueError):
    """`key` is a checksite.* message key; `params` fill it."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass
class Parsed:
    request: LookupRequest
    report: str | None = None
    extras: dict[str, Any] = field(default_factory=dict)


_SINCE_KEYS = {"format": "checksite.invalid.since_format", "future": "checksite.invalid.since_future",
               "too_early": "checksite.invalid.since_too_early", "ambiguous": "dates.ambiguous",
               "no_such_day": "dates.no_such_day", "no_such_month": "dates.no_such_month"}


def parse_since(value: str, today: date) -> date:
    """`--since`: the seller's listing date, read by the one typed-date reader; OptionError."""
    try:
        return read_typed_date(value, today)
    except TypedDateError as exc:
        params: dict[str, Any] = {"value": value, **exc.params}
        if exc.options:
            params.update(day_first=exc.options[0].isoformat(), month_first=exc.options[1].isoformat())
        raise OptionError(_SINCE_KEYS[exc.code], **params) from None


def check_asin(value: str) -> str:
    """`--asin`: the seller's ASIN, read by the one ASIN reader (`chatbot.asin`); OptionError."""
    try:
        return read_asin(value)
    except AsinError as exc:
        key = "asin_short_link" if exc.code == "short_link" else "asin_format"
        raise OptionError(f"checksite.invalid.{key}", value=exc.value) from None


def check_marketplace(value: str) -> str:
    """`--marketplace`: the Amazon site of `--asin`, read by the one marketplace reader
    (`chatbot.marketplace`: `co.uk`, `uk`, `amazon.co.uk`, `英国站` are one); OptionError."""
    market = read_marketplace(value)
    if market is None:
        raise OptionError("checksite.invalid.marketplace", value=value, choices=", ".join(marketplace_keys()))
    return market


def check_brand(value: str) -> str:
    brand = value.strip()
    if not brand or len(brand) > MAX_BRAND or "\n" in brand or has_control(brand):
        raise OptionError("checksite.invalid.brand_length")
    return brand


def check_report(value: str) -> str:
    if not value.lower().endswith(REPORT_SUFFIXES):
        raise OptionError("checksite.invalid.report_name")
    return value


def build(url: str | None, *, since: str | None, asin: str | None, marketplace: str | None,
          brand: str | None, today: date, refresh: bool = False, listing: str | None = None,
          images: tuple[str, ...] = ()) -> LookupRequest:
    if not url:
        raise OptionError("checksite.invalid.missing_url")
    if (listed := amazon_product_asin(url)) is not None:  # Amazon is not the complainant's shop
        raise OptionError("checksite.invalid.amazon_listing", asin=listed)
    if is_short_link(url):
        raise OptionError("checksite.invalid.amazon_short_link", value=url.strip()[:100])
    if since and asin:
        raise OptionError("checksite.invalid.since_and_asin")
    if marketplace and not asin:
        raise OptionError("checksite.invalid.marketplace_without_asin")
    return LookupRequest(
        url=url,
        since=parse_since(since, today) if since else None,
        asin=check_asin(asin) if asin else None,
        marketplace=check_marketplace(marketplace) if marketplace else "com",
        brand=check_brand(brand) if brand is not None else None,
        refresh=refresh,
        listing=listing.strip() or None if listing is not None else None,
        images=images,
    )


def _tokens(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:  # an unbalanced quote: fall back to plain words
        return text.split()


def parse_chat(text: str, today: date) -> Parsed:
    """`<url> [--since D | --asin A [--marketplace M]] [--listing URL] [--brand W] [--report NAME]
    [--refresh]`."""
    values: dict[str, str] = {}
    flags: set[str] = set()
    words: list[str] = []
    tokens = _tokens(text)
    index = 0
    while index < len(tokens):
        token = _DASHES.sub("--", tokens[index])
        name, eq, inline = token.partition("=")
        if name.startswith("--"):
            name = name.lower()
            if name in _FLAGS:
                flags.add(name)
            elif name in _VALUED:
                if eq:
                    values[name] = inline
                elif index + 1 < len(tokens) and not _DASHES.sub("--", tokens[index + 1]).startswith("--"):
                    index += 1
                    values[name] = tokens[index]
                else:
                    raise OptionError("checksite.invalid.missing_value", option=name, example=_EXAMPLES[name])
            else:
                raise OptionError("checksite.invalid.unknown_option", option=name)
        else:
            words.append(tokens[index])
        index += 1
    if len(words) > 1:
        raise OptionError("checksite.invalid.extra_words", words=" ".join(words[1:])[:80])
    request = build(words[0] if words else None, since=values.get("--since"), asin=values.get("--asin"),
                    marketplace=values.get("--marketplace"), brand=values.get("--brand"), today=today,
                    refresh="--refresh" in flags, listing=values.get("--listing"))
    report = values.get("--report")
    if report is not None:
        # In chat the name is only a name: the file always lands in the report folder.
        name = PurePath(report.replace("\\", "/")).name
        report = check_report(re.sub(r"[^\w.\-]", "_", name)[:80])
    return Parsed(request, report)
