"""A saved copy of the copycat's page, read offline with every page-level source.

A seller often has the page saved (the site is down now). The file is read as the page would
have been: HTML metadata, JSON-LD, CDN upload times, visible text dates, platform detection, the
brand check. Nothing is fetched. The page's address comes from `--url`, else from what the
browser wrote into the file (`<!-- saved from url=(0045)https://… -->`, SingleFile's `url:`
header); a Wayback snapshot address also gives the snapshot's time as evidence. A page saved from
the Wayback Machine carries the archive's own record of the capture (its toolbar script names the
original address and the 14-digit capture time; its closing comment says "FILE ARCHIVED ON
06:15:22 Mar 14, 2020"), which dates the copy even when the address the seller has is a short
`/web/2019/…` link.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from chatbot.evidence import combiner, page, platform
from chatbot.evidence.dates import parse_http_date, parse_iso
from chatbot.evidence.model import DateClaim, FetchRecord, SourceResult
from chatbot.evidence.snapshot import Snapshot, archived_original, parse_snapshot
from chatbot.net.typed_url import typed_host

MAX_SAVED_BYTES = 20_000_000  # a saved page with inlined images is larger than a live one
HEADER_CHARS = 4096  # where browsers and SingleFile write the original address
W_SAVED = 0.2  # the file's own note of when it was saved: the seller's file, easy to edit
_SAVED_FROM = re.compile(r"<!--\s*saved from url=\(\d{1,5}\)\s*(\S{1,2048}?)\s*-->", re.IGNORECASE)
_SINGLEFILE_URL = re.compile(r"Page saved with SingleFile\s+url:\s*(\S{1,2048})", re.IGNORECASE)
_SINGLEFILE_DATE = re.compile(r"saved date:\s*([^\n]{1,80})", re.IGNORECASE)
# The Wayback Machine's own record in a page saved from it (see the module docstring).
_WOMBAT = re.compile(r"__wm\.wombat\(\s*[\"']([^\"'\s]{1,2048})[\"']\s*,\s*[\"'](\d{14})[\"']")
_ARCHIVED_ON = re.compile(r"FILE ARCHIVED ON (\d{2}:\d{2}:\d{2} [A-Z][a-z]{2} \d{1,2}, \d{4})")
ARCHIVE_RECORD_CHARS = 65_536  # the toolbar script is in <head>, the comment closes the file


class SavedPageError(ValueError):
    """`code` keys the message (evidence.saved.<code>): missing, not_a_file, unreadable, too_large,
    empty."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class SavedPage:
    name: str
    body: bytes
    sha256: str
    url: str | None  # the page's address as the file records it, if it does
    saved_on: date | None  # when the file says it was saved (SingleFile), if it does
    # The archive's own record in a page saved from the Wayback Machine (`_archive_record`).
    capture_time: str | None = None
    capture_original: str | None = None


def read_saved(path: Path) -> SavedPage:
    """Read a saved page file (at most MAX_SAVED_BYTES); raise SavedPageError."""
    try:
        size = path.stat().st_size
        if size > MAX_SAVED_BYTES:
            raise SavedPageError("too_large", str(size))
        body = path.read_bytes()
    except FileNotFoundError:
        raise SavedPageError("missing", str(path)) from None
    except IsADirectoryError:
        raise SavedPageError("not_a_file", str(path)) from None
    except PermissionError as exc:
        raise SavedPageError("unreadable", str(exc)) from None
    except OSError as exc:  # a name too long, a broken device: nothing we can read
        raise SavedPageError("missing", str(exc)) from None
    return from_bytes(path.name, body)


def from_bytes(name: str, body: bytes) -> SavedPage:
    """A saved page from an upload (Slack file) or a file's bytes."""
    if len(body) > MAX_SAVED_BYTES:
        raise SavedPageError("too_large", str(len(body)))
    if not body.strip() or not page.body_text(body, {}).strip():
        raise SavedPageError("empty", name)  # also a UTF-16 file of a BOM and blanks
    head = page.body_text(body[:HEADER_CHARS * 4], {})[:HEADER_CHARS]  # UTF-16 takes 2-4 bytes a character
    found = _SAVED_FROM.search(head) or _SINGLEFILE_URL.search(head)
    saved_on = None
    if (when := _SINGLEFILE_DATE.search(head)) is not None:
        raw = when.group(1).strip()
        saved_on = parse_http_date(raw) or parse_iso(raw)
    address = found.group(1) if found else None
    return SavedPage(name, body, hashlib.sha256(body).hexdigest(), address, saved_on, *_archive_record(body))


def _archive_record(body: bytes) -> tuple[str | None, str | None]:
    """(the capture time as 14 digits, the original address) that a page saved from the Wayback
    Machine records of itself: both from the toolbar script, else the time from the closing
    comment; (None, None) for any other page."""
    head = page.body_text(body[:ARCHIVE_RECORD_CHARS], {})
    if (wombat := _WOMBAT.search(head)) is not None:
        return wombat.group(2), wombat.group(1)
    tail = page.body_text(body[-ARCHIVE_RECORD_CHARS:], {})
    if (archived := _ARCHIVED_ON.search(tail)) is None:
        return None, None
    try:
        return f"{datetime.strptime(archived.group(1), '%H:%M:%S %b %d, %Y'):%Y%m%d%H%M%S}", None
    except ValueError:
        return None, None


def snapshot_of(saved: SavedPage) -> Snapshot | None:
    """Which Wayback capture the saved page is: the snapshot link it was saved from (or given as
    its address), made exact by the archive's own record in the file when the link names no
    single capture (`/web/2019/…`), or the record alone; None when it is no archive copy."""
    given = parse_snapshot(saved.url or "")
    if given is not None and given.exact:
        return given
    original = saved.capture_original or (given.original if given else None)
    if saved.capture_time is None or original is None:
        return given
    return Snapshot(saved.capture_time, original, f"https://web.archive.org/web/{saved.capture_time}/{original}")


def analyse(saved: SavedPage, url: str | None, today: date) -> tuple[list[SourceResult], FetchRecord,
                                                                     page.PageEvidence, platform.Detection]:
    """Page-level sources of the saved file: (sources, its evidence-log line, the page evidence,
    the platform). `url` is the page's checked address (or None)."""
    record = FetchRecord(source="page", url=f"file:{saved.name}",
                         fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
                         final_url=url or "", sha256=saved.sha256, size=len(saved.body))
    evidence = page.extract(saved.body, {}, url or "", today)
    html = page.body_text(saved.body, {})
    detection = platform.detect(html, {}, typed_host(url or ""))
    result = SourceResult("page", dates=list(evidence.claims))
    result.info.update({"saved_file": saved.name, "sha256": saved.sha256})
    sources = [result]
    if saved.saved_on is not None:
        result.dates.append(DateClaim("declared", saved.saved_on, "page", "page", W_SAVED,
                                      f"saved date written in the file: {saved.saved_on.isoformat()}"))
    snap = snapshot_of(saved)
    if snap is not None and (claim := snap.claim(today)) is not None:
        archive = SourceResult("wayback", dates=[claim])
        archive.info["archive_links"] = [{"scope": "page", "timestamp": snap.timestamp, "url": snap.link}]
        sources.append(archive)
    record.extracted.extend(f"{c.kind} {c.value.isoformat()} ({c.detail})" for c in result.dates[:40])
    record.extracted.append(f"platform: {detection.name}")
    return sources, record, evidence, detection


def verdict(sources: list[SourceResult]) -> combiner.Verdict:
    return combiner.combine([c for s in sources for c in s.dates])


def page_address(saved: SavedPage) -> str | None:
    """The absolute address the saved page names for itself (canonical link, og:url), for a copy
    saved without a note of where it came from (Firefox writes none), or None."""
    root = page.parse_html(page.body_text(saved.body, {}))
    addresses = page.own_addresses(root) if root is not None else []
    return next((a for a in addresses if a.lower().startswith(("http://", "https://"))), None)


def original_url(saved: SavedPage, given: str | None) -> str | None:
    """The address to read the page as: `--url`, else the snapshot's original, else the file's note."""
    if given:
        return archived_original(given) or given
    snap = snapshot_of(saved)
    return snap.original if snap else archived_original(saved.url or "") or saved.url


def summary_base(url: str | None, normalized: str | None, names: Any, detection: platform.Detection,
                 sources: list[SourceResult], record: FetchRecord) -> dict[str, Any]:
    """The result keys /checksite always has (see engine._run_sources), for a saved page."""
    found = verdict(sources)
    links = [link for s in sources for link in s.info.get("archive_links", [])]
    return {
        "url": url or "",
        "normalized_url": normalized or "",
        "host": names.unit if names else "",
        "site": names.unit if names else "",
        "registrable": names.registrable if names else "",
        "shared_platform": names.shared_platform if names else None,
        "checked_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "platform": detection.key,
        "platform_name": detection.name,
        "platform_signals": list(detection.matched),
        "page_first_seen": found.page.to_json() if found.page else None,
        "site_first_seen": found.site.to_json() if found.site else None,
        "sources": [s.to_json() for s in sources],
        "abuse": {},
        "archive_links": links,
        "evidence": [record.to_json()],
        "page_status": None,
        "network": {"state": "saved", "services_down": []},
        "saved_page": {"file": record.url.removeprefix("file:"), "sha256": record.sha256},
    }
