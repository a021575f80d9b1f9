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
from chatbot.net.fetcher import FetchError

SOURCE = "wayback"
W_CAPTURE = 0.9
DOMAIN_ROWS = 1000  # domain rows come in URL order, not date order: read a bounded sample
MAX_ROWS_READ = 2 * DOMAIN_ROWS  # an answer with more rows than asked for is read this far only
FIELDS = "fl=timestamp,original,statuscode"
STATUS_FILTER = "filter=statuscode:[23].."  # a 404 capture is no proof the page existed


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
    rows = [(str(r[ts]), str(r[orig])) for r in data[1:MAX_ROWS_READ + 1]
            if isinstance(r, list) and len(r) > max(ts, orig) and from_wayback(str(r[ts]))]
    return min(rows) if rows else None


async def _query(client: EvidenceClient, url: str) -> tuple[tuple[str, str] | None, str | None]:
    try:
        data, record = await client.get_json(url, source=SOURCE, max_bytes=2_000_000)
    except FetchError as exc:
        return None, f"fetch.{exc.code}"
    if record.status != 200:
        return None, f"http_{record.status}"
    row = first_row(data)
    record.extracted.append(f"first capture {row[0]} of {row[1]}" if row else "no captures")
    return row, None


async def run(client: EvidenceClient, base: str, page: httpx.URL, site_unit: str,
              today: date) -> SourceResult:
    result = SourceResult(SOURCE)
    page_target = f"{page.netloc.decode('ascii')}{page.raw_path.decode('ascii')}"
    (page_row, page_err), (home_row, home_err), (domain_row, domain_err) = await asyncio.gather(
        _query(client, cdx_url(base, page_target)),
        _query(client, cdx_url(base, f"{page.netloc.decode('ascii')}/")),
        _query(client, cdx_url(base, site_unit, domain=True)),
    )
    links: list[dict[str, str]] = []
    if page_row and (value := from_wayback(page_row[0])) and plausible(value, today):
        link = archive_link(base, *page_row)
        result.dates.append(DateClaim("first_capture", value, SOURCE, "page", W_CAPTURE,
                                      f"first Wayback capture of this page: {link}", url=link))
        links.append({"scope": "page", "timestamp": page_row[0], "url": link})
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
    errors = [e for e in (page_err, home_err, domain_err) if e]
    if errors and len(errors) == 3:
        return result.fail(errors[0])
    if errors:
        result.info["problems"] = sorted(set(errors))
    if not result.dates:
        result.info["note"] = "never archived"
    return result
