"""The Wayback Machine's CDX API: the first capture of the page and of the store, with links a
seller can cite. A third party's record: a copycat cannot move it."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any
from urllib.parse import quote

import httpx

from chatbot.evidence.client import EvidenceClient
from chatbot.evidence.dates import from_wayback, plausible
from chatbot.evidence.model import DateClaim, SourceResult
from chatbot.net.canonical import page_forms
from chatbot.net.fetcher import FetchError

SOURCE = "wayback"
W_CAPTURE = 0.9
DOMAIN_ROWS = 1000  # domain rows come in URL order, not date order: read a bounded sample
FIELDS = "fl=timestamp,original,statuscode"
STATUS_FILTER = "filter=statuscode:[23].."  # a 404 capture is no proof the page existed
MAX_PAGE_FORMS = 3  # canonical, as given, other www form: one query each
MAX_ROWS = 10_000  # rows read from one answer
FORM_NOTES = {"canonical": "the link without tracking parameters", "as_given": "the link as given",
              "alternate_host": "the link on the other www/bare host"}


def cdx_url(base: str, target: str, *, domain: bool = False) -> str:
    query = f"url={quote(target, safe='')}&output=json&{FIELDS}&{STATUS_FILTER}"
    query += f"&matchType=domain&limit={DOMAIN_ROWS}" if domain else "&limit=1"
    return f"{base}/cdx/search/cdx?{query}"


def archive_link(base: str, timestamp: str, original: str) -> str:
    return f"{base}/web/{timestamp}/{original}"


def first_row(data: Any) -> tuple[str, str] | None:
    """The earliest (timestamp, original) in a CDX JSON answer (header row first), or None."""
    if not isinstance(data, list) or len(data) < 2 or not isinstance(data[0], list):
        return None
    header = [str(h) for h in data[0]]
    if "timestamp" not in header or "original" not in header:
        return None
    ts, orig = header.index("timestamp"), header.index("original")
    # Every row counts: the answer is in URL-key order, and one timestamp can have several rows
    # (one per original form, or a redirect and its target); the earliest timestamp wins.
    rows = [(str(r[ts]), str(r[orig])) for r in data[1:MAX_ROWS + 1]
            if isinstance(r, list) and len(r) > max(ts, orig) and from_wayback(str(r[ts]))]
    return min(rows) if rows else None


async def _query(client: EvidenceClient, url: str) -> tuple[tuple[str, str] | None, str | None]:
    try:
        data, record = await client.get_json(url, source=SOURCE, max_bytes=2_000_000, service=True)
    except FetchError as exc:
        return None, f"fetch.{exc.code}"
    if record.status != 200:
        return None, f"http_{record.status}"
    row = first_row(data)
    record.extracted.append(f"first capture {row[0]} of {row[1]}" if row else "no captures")
    return row, None


async def run(client: EvidenceClient, base: str, page: httpx.URL, site_unit: str,
              today: date) -> SourceResult:
    """First captures of the page (in each of its forms, see net.canonical) and of the store.

    The index keys a page by its URL with the query, so a pasted link with tracking parameters
    finds nothing while its canonical form does: every form is asked, the earliest wins, and
    `info["page_match"]` says which form matched and what the archive captured."""
    result = SourceResult(SOURCE)
    forms = page_forms(page).ordered()[:MAX_PAGE_FORMS]
    netloc = page.netloc.decode("ascii")
    queries = [cdx_url(base, target) for _, target in forms]
    queries += [cdx_url(base, f"{netloc}/"), cdx_url(base, site_unit, domain=True)]
    answers = await asyncio.gather(*(_query(client, q) for q in queries))
    page_answers, (home_row, home_err), (domain_row, domain_err) = answers[:-2], answers[-2], answers[-1]
    links: list[dict[str, str]] = []
    matched = [(row, name, target) for (row, _), (name, target) in zip(page_answers, forms, strict=True)
               if row]
    if matched:
        page_row, form, target = min(matched, key=lambda m: m[0])
        value = from_wayback(page_row[0])
        if value and plausible(value, today):
            link = archive_link(base, *page_row)
            result.dates.append(DateClaim("first_capture", value, SOURCE, "page", W_CAPTURE,
                                          f"first Wayback capture of this page ({FORM_NOTES[form]}): {link}",
                                          url=link))
            links.append({"scope": "page", "timestamp": page_row[0], "url": link})
            result.info["page_match"] = {"form": form, "query": target, "original": page_row[1]}
    site_rows = [r for r in (home_row, domain_row) if r]
    if site_rows:
        row = min(site_rows)
        value = from_wayback(row[0])
        if value and plausible(value, today):
            link = archive_link(base, *row)
            result.dates.append(DateClaim("first_capture", value, SOURCE, "site", W_CAPTURE,
                                          f"first Wayback capture on {site_unit}: {link}", url=link))
            links.append({"scope": "site", "timestamp": row[0], "url": link})
    result.info["archive_links"] = links
    errors = [e for _, e in page_answers if e] + [e for e in (home_err, domain_err) if e]
    if errors and len(errors) == len(answers):
        return result.fail(errors[0])
    if errors:
        result.info["problems"] = sorted(set(errors))
    if not result.dates:
        result.info["note"] = "never archived"
    return result
