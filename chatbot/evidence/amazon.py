"""Amazon's "Date First Available" for the seller's own ASIN — best effort: Amazon often answers
servers with a robot check, so the seller can state the date instead (`--since`)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from chatbot import knowledge
from chatbot.evidence.client import EvidenceClient
from chatbot.evidence.dates import plausible
from chatbot.evidence.model import DateClaim, SourceResult
from chatbot.evidence.page import parse_html
from chatbot.evidence.text import visible_text
from chatbot.months import ABBREVIATED, MONTHS
from chatbot.net.fetcher import FetchError

SOURCE = "amazon"
ASIN = re.compile(r"^[A-Z0-9]{10}$")
W_FIRST_AVAILABLE = 0.9
MAX_ROWS = 3000  # detail rows read from one page
MAX_ROW_CHARS = 400  # a label row longer than this is a paragraph, not a detail row


@dataclass(frozen=True)
class Marketplace:
    """One row of knowledge/amazon/first_available.yaml: labels in its language, date order."""

    key: str
    language: str
    order: str  # mdy | dmy | ymd: how the marketplace writes a numeric date
    labels: tuple[str, ...]


@lru_cache(maxsize=1)
def marketplaces() -> dict[str, Marketplace]:
    """The sourced table of "Date First Available" labels per marketplace (see the YAML file)."""
    table = knowledge.load_yaml("amazon/first_available.yaml")["marketplaces"]
    return {str(key): Marketplace(str(key), str(row["language"]), str(row["order"]),
                                  tuple(str(label) for label in row["labels"]))
            for key, row in table.items()}


MARKETPLACES = tuple(marketplaces())
_MARKS = "\u200e\u200f\u200b\ufeff"
_CJK_DATE = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_NUMERIC_YMD = re.compile(r"\b((?:19|20)\d{2})[/.\-](\d{1,2})[/.\-](\d{1,2})\b")
_NUMERIC_OTHER = re.compile(r"\b(\d{1,2})[/.\-](\d{1,2})[/.\-]((?:19|20)\d{2})\b")
_WORDS = re.compile(r"[^\W\d_]+|\d+")


def _fold(text: str) -> str:
    text = "".join(ch for ch in text if ch not in _MARKS)
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("\u00a0", " ")


@lru_cache(maxsize=1)
def _folded_months() -> dict[str, int]:
    """Full month names and their abbreviations in every marketplace language, as written and
    folded (accents and case dropped: "févr" → "fevr", "paź" → "paz")."""
    names = ABBREVIATED | MONTHS
    return {_fold(name): number for name, number in names.items()} | names


def parse_date(text: str, order: str = "dmy") -> date | None:
    """A detail-row date in any marketplace's language: "March 5, 2019", "15. Oktober 2018",
    "15. Okt. 2018", "5 de marzo de 2019", "12 marca 2019", "15 paź 2018", "2019/3/5",
    "2017年5月31日"; a numeric `05/03/2019`
    is read in the marketplace's `order` (mdy on amazon.com, dmy in Europe)."""
    try:
        if match := _CJK_DATE.search(text):
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if match := _NUMERIC_YMD.search(text):
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if match := _NUMERIC_OTHER.search(text):
            first, second, year = int(match.group(1)), int(match.group(2)), int(match.group(3))
            month, day = (first, second) if order == "mdy" else (second, first)
            return date(year, month, day)
        months = _folded_months()
        words = _WORDS.findall(_fold(text))
        month = next((months[w] for w in words if not w.isdigit() and w in months), None)
        numbers = [int(w) for w in words if w.isdigit()]
        year = next((n for n in numbers if 1990 <= n <= 2100), None)
        day = next((n for n in numbers if 1 <= n <= 31), None)
        if month and year and day:
            return date(year, month, day)
    except ValueError:
        return None
    return None


def is_robot_check(html: str) -> bool:
    sample = html[:200_000].lower()
    return ("captcha" in sample and "amazon" in sample) or "api-services-support@amazon.com" in sample \
        or "<title>robot check</title>" in sample


def _labels_for(marketplace: str) -> list[tuple[str, str]]:
    """(folded label, numeric order) to try: the marketplace's own first, then every other one
    (a page served in English, or a seller who named the wrong marketplace)."""
    table = marketplaces()
    own = table.get(marketplace)
    rows = ([own] if own else []) + [m for m in table.values() if m is not own]
    out: list[tuple[str, str]] = []
    for row in rows:
        for label in row.labels:
            folded = _fold(label).rstrip(":").strip()
            if folded not in {f for f, _ in out}:
                out.append((folded, row.order if row is own or own is None else own.order))
    return out


# Detail bullets, the product details table, technical details, older layouts, the product facts
# grid (a row of two `div` columns, no `li` or `tr`); then any row.
_ROWS = ("//*[@id='detailBullets_feature_div']//li | //*[starts-with(@id,'productDetails')]//tr"
         " | //*[@id='tech-specs-desktop']//tr | //*[@id='prodDetails']//tr"
         " | //tr[contains(@class,'date-first-available')]"
         " | //*[contains(concat(' ', normalize-space(@class), ' '), ' product-facts-detail ')]"
         " | //li | //tr")


def find_first_available(html: str, marketplace: str = "com") -> tuple[date, str] | None:
    """(date, the label line) from the detail bullets, the product details table, the technical
    details or the product facts grid, with the labels of knowledge/amazon/first_available.yaml."""
    root = parse_html(html)
    if root is None:
        return None
    labels = _labels_for(marketplace)
    for row in root.xpath(_ROWS)[:MAX_ROWS]:
        text = visible_text(row, limit=MAX_ROW_CHARS)
        if not text or len(text) >= MAX_ROW_CHARS:
            continue
        folded = _fold(text)
        for label, order in labels:
            at = folded.find(label)
            if at < 0:
                continue
            value = parse_date(folded[at + len(label):].lstrip(" :\u200e\u200f"), order)
            if value is None:  # CJK digits and marks survive in the original text
                value = parse_date(text, order)
            if value is not None:
                return value, text[:200]
    return None


async def run(client: EvidenceClient, template: str, asin: str, marketplace: str,
              today: date) -> SourceResult:
    result = SourceResult(SOURCE)
    url = template.format(marketplace=marketplace, asin=asin)
    result.info["url"] = url
    try:
        fetched, record = await client.get(url, source=SOURCE, max_bytes=4_000_000,
                                           accept="text/html", service=True)
    except FetchError as exc:
        return result.fail(f"fetch.{exc.code}", exc.detail)
    html = fetched.text
    if fetched.status in {503, 429} or is_robot_check(html):
        record.extracted.append("robot check")
        return result.fail("amazon_blocked")
    if fetched.status == 404:
        return result.fail("not_found", asin)
    found = find_first_available(html, marketplace)
    if found is None or not plausible(found[0], today):
        record.extracted.append("no Date First Available")
        return result.fail("no_dates")
    value, line = found
    record.extracted.append(f"Date First Available {value.isoformat()} ({line})")
    result.dates.append(DateClaim("first_available", value, SOURCE, "seller", W_FIRST_AVAILABLE,
                                  line, url=url))
    return result
