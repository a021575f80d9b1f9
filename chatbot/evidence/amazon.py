"""Amazon's "Date First Available" for the seller's own ASIN — best effort: Amazon often answers
servers with a robot check, so the seller can state the date instead (`--since`)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from chatbot.evidence.client import EvidenceClient
from chatbot.evidence.dates import plausible
from chatbot.evidence.model import DateClaim, SourceResult
from chatbot.evidence.page import parse_html
from chatbot.months import MONTHS
from chatbot.net.fetcher import FetchError

SOURCE = "amazon"
MARKETPLACES = ("com", "de", "co.uk", "co.jp", "fr", "es", "it", "ca", "cn")
ASIN = re.compile(r"^[A-Z0-9]{10}$")
W_FIRST_AVAILABLE = 0.9

LABELS = (
    "date first available",  # EN, also "Date first available at Amazon.co.uk:"
    "im angebot von amazon",  # DE "Im Angebot von Amazon.de seit"
    "date de mise en ligne sur amazon",  # FR
    "producto en amazon",  # ES "Producto en Amazon.es desde"
    "disponibile su amazon",  # IT "Disponibile su Amazon.it a partire dal"
    "での取り扱い開始日",  # JP "Amazon.co.jp での取り扱い開始日"
    "上架时间",  # CN "Amazon.cn上架时间"
)
_MARKS = "\u200e\u200f\u200b\ufeff"
_CJK_DATE = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_NUMERIC_YMD = re.compile(r"\b((?:19|20)\d{2})[/.\-](\d{1,2})[/.\-](\d{1,2})\b")
_NUMERIC_DMY = re.compile(r"\b(\d{1,2})[/.](\d{1,2})[/.]((?:19|20)\d{2})\b")


def _fold(text: str) -> str:
    text = "".join(ch for ch in text if ch not in _MARKS)
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("\u00a0", " ")


def parse_date(text: str) -> date | None:
    """"March 5, 2019", "15. Oktober 2018", "5 mars 2019", "5 de marzo de 2019", "2019/3/5",
    "2017年5月31日" → a date."""
    try:
        if match := _CJK_DATE.search(text):
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if match := _NUMERIC_YMD.search(text):
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if match := _NUMERIC_DMY.search(text):  # European marketplaces write day first
            return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        folded = _fold(text)
        words = re.findall(r"[a-z]+|\d+", folded)
        # German "märz" folds to "marz"
        month = next((MONTHS[w] for w in words if w.isalpha() and w in MONTHS), None)
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


def find_first_available(html: str) -> tuple[date, str] | None:
    """(date, the label line) from the detail bullets or the product details table."""
    root = parse_html(html)
    if root is None:
        return None
    rows = root.xpath("//*[@id='detailBullets_feature_div']//li | //*[starts-with(@id,'productDetails')]//tr"
                      " | //tr[contains(@class,'date-first-available')] | //li | //tr")
    for row in rows[:3000]:
        text = re.sub(r"\s+", " ", row.text_content() or "").strip()
        folded = _fold(text)
        for label in LABELS:
            at = folded.find(_fold(label))
            if at < 0:
                continue
            rest = folded[at + len(_fold(label)):]
            # Keep the CJK digits for the CJK parser: search the original text after the label.
            original_rest = text[text.find(label) + len(label):] if label in text else rest
            value = parse_date(original_rest) or parse_date(rest)
            if value is not None:
                return value, "".join(ch for ch in text if ch not in _MARKS)[:200]
    return None


async def run(client: EvidenceClient, template: str, asin: str, marketplace: str,
              today: date) -> SourceResult:
    result = SourceResult(SOURCE)
    url = template.format(marketplace=marketplace, asin=asin)
    result.info["url"] = url
    try:
        fetched, record = await client.get(url, source=SOURCE, max_bytes=4_000_000,
                                           accept="text/html")
    except FetchError as exc:
        return result.fail(f"fetch.{exc.code}", exc.detail)
    html = fetched.text
    if fetched.status in {503, 429} or is_robot_check(html):
        record.extracted.append("robot check")
        return result.fail("amazon_blocked")
    if fetched.status == 404:
        return result.fail("not_found", asin)
    found = find_first_available(html)
    if found is None or not plausible(found[0], today):
        record.extracted.append("no Date First Available")
        return result.fail("no_dates")
    value, line = found
    record.extracted.append(f"Date First Available {value.isoformat()} ({line})")
    result.dates.append(DateClaim("first_available", value, SOURCE, "seller", W_FIRST_AVAILABLE,
                                  line, url=url))
    return result
