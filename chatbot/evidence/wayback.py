"""The Wayback Machine's CDX API: the first capture of the page and of the store, with links a
seller can cite. A third party's record: a copycat cannot move it."""

from __future__ import annotations

import asyncio
import json
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
    """A CDX query. The domain query collapses on the URL key: one row (the earliest, rows of a
    key being in time order) per URL, so the bounded sample spans many URLs, not the many
    captures of the home page."""
    query = f"url={quote(target, safe='')}&output=json&{FIELDS}&{STATUS_FILTER}"
    query += f"&matchType=domain&collapse=urlkey&limit={DOMAIN_ROWS}" if domain else "&limit=1"
    return f"{base}/cdx/search/cdx?{query}"


def archive_link(base: str, timestamp: str, original: str) -> str:
    return f"{base}/web/{timestamp}/{original}"


# The CDX server's default text columns (no `fl`): urlkey timestamp original mimetype statuscode
# digest length. With our `fl` a text line is: timestamp original statuscode.
_TEXT_DEFAULT = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length")
_ALIASES = {"url": "original", "status": "statuscode"}  # pywb's names for the same columns


def _counts(status: str) -> bool:
    """A capture that shows the URL answered: 2xx, or a 3xx redirect. A 4xx/5xx capture is no
    proof the page existed; "-" (a revisit or a capture without a status) is no first capture."""
    return status[:1] in {"2", "3"} if status else True


def _records(answer: Any) -> list[dict[str, str]]:
    """The rows of a CDX answer as {column: value}, in every shape CDX servers give:

    - `output=json` (Wayback Machine): a list of lists, the first the header row; a resume key
      (`showResumeKey`) comes after an empty row as a one-item row;
    - `output=json` of pywb-style servers: one JSON object a line (NDJSON), `url`/`status`
      for `original`/`statuscode`;
    - text: one capture a line, space-separated, in our `fl` order (3 columns) or the default
      order (7 columns); a resume key is a one-token line after a blank one.
    `answer` is the parsed JSON, or the body as text when it was not one JSON document."""
    out: list[dict[str, str]] = []
    if isinstance(answer, list):
        if not answer or not isinstance(answer[0], list):
            return out
        header = [_ALIASES.get(str(h), str(h)) for h in answer[0]]
        for row in answer[1:MAX_ROWS + 1]:
            if isinstance(row, list) and len(row) == len(header):
                out.append({h: str(v) for h, v in zip(header, row, strict=True)})
        return out
    if not isinstance(answer, str):
        return out
    for line in answer.splitlines()[:MAX_ROWS]:
        line = line.strip()
        if line.startswith("{"):
            try:
                item = json.loads(line)
            except ValueError:
                continue
            if isinstance(item, dict):
                out.append({_ALIASES.get(str(k), str(k)): str(v) for k, v in item.items()})
            continue
        cells = line.split()
        if len(cells) == 3:
            out.append(dict(zip(("timestamp", "original", "statuscode"), cells, strict=True)))
        elif len(cells) == len(_TEXT_DEFAULT):
            out.append(dict(zip(_TEXT_DEFAULT, cells, strict=True)))
    return out


def first_row(answer: Any) -> tuple[str, str] | None:
    """The earliest (timestamp, original) in a CDX answer (any shape `_records` reads), or None.

    Every row counts: the answer is in URL-key order, and one timestamp can have several rows
    (one per original form, or a redirect and its target); the earliest timestamp wins, on a
    tie the first original in sort order. A row whose status shows the URL did not answer
    (404, 500, "-") is left out even when the server did not apply our status filter."""
    rows = [(r["timestamp"], r["original"]) for r in _records(answer)
            if r.get("original") and from_wayback(r.get("timestamp", ""))
            and _counts(r.get("statuscode", ""))]
    return min(rows) if rows else None


async def _query(client: EvidenceClient, url: str) -> tuple[tuple[str, str] | None, str | None]:
    try:
        fetched, record = await client.get(url, source=SOURCE, max_bytes=2_000_000,
                                           accept="application/json", service=True)
    except FetchError as exc:
        return None, f"fetch.{exc.code}"
    if fetched.status != 200:
        return None, f"http_{fetched.status}"
    text = fetched.body.decode("utf-8-sig", "replace")
    if fetched.truncated:  # a line cut short is no row
        text = text[:text.rfind("\n") + 1]
    try:
        answer: Any = json.loads(text)
    except (ValueError, RecursionError):
        answer = text  # NDJSON or text lines
    row = first_row(answer)
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
