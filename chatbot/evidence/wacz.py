"""The evidence package: every fetch of a lookup as WARC records, packaged as a WACZ file.

WACZ (Webrecorder's Web Archive Collection Zipped, spec 1.1.1) is a ZIP holding
`archive/data.warc.gz` (a request and a response record per fetch, written with warcio),
`indexes/index.cdxj` (where each response lies in the WARC), `pages/pages.jsonl` (the checked
page), `datapackage.json` (every file with its size and SHA-256) and `datapackage-digest.json`
(the SHA-256 of datapackage.json, and an RFC 3161 timestamp token over it when a time-stamping
authority is configured). ReplayWeb.page and pywb replay it; `sellerguard evidence verify`
re-checks it (verify.py).

Bodies are the decoded bytes the fetcher read (Content-Encoding undone, so the stored headers say
identity and the real length); a body cut at the fetch cap is marked `WARC-Truncated: length`.
A package is written once, by exclusive create, and never rewritten.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from chatbot import __version__
from chatbot.evidence.client import Capture

WACZ_VERSION = "1.1.1"
MAX_BODY_TOTAL = 50_000_000  # bytes of response bodies kept per package; later bodies are left out
MAX_CAPTURES = 2_000  # exchanges kept per package
WARC_NAME = "data.warc.gz"
# Headers the stored response must not carry: the body is stored decoded and whole.
_DROPPED = frozenset({"content-encoding", "transfer-encoding", "content-length"})
_SAFE_NAME = re.compile(r"[^A-Za-z0-9.\-]+")

Stamper = Callable[[bytes], dict[str, Any]]  # sha256 digest -> {"status": ..., "token": base64, ...}


@dataclass(frozen=True)
class Package:
    """A written package: its path, size in bytes and SHA-256 (hex) of the whole file."""

    path: Path
    size: int
    sha256: str
    timestamp: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        stamp = {k: v for k, v in self.timestamp.items() if k != "token"}
        return {"file": self.path.name, "bytes": self.size, "sha256": self.sha256, "timestamp": stamp}


def surt(url: str) -> str:
    """The sort key of a URL in a CDXJ index: host labels reversed, "www." dropped, lower case,
    e.g. https://www.Shop.example/a?b=1 → "example,shop)/a?b=1"."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    port = f":{parts.port}" if parts.port and parts.port not in (80, 443) else ""
    key = ",".join(reversed(host.split("."))) + port + ")" + (parts.path or "/").lower()
    return key + (f"?{parts.query.lower()}" if parts.query else "")


def _timestamp14(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _request_line(url: str) -> str:
    return f"GET {httpx.URL(url).raw_path.decode('ascii')} HTTP/1.1"


def _wire(url: str) -> str:
    """The URL as it went over the wire: non-ASCII paths percent-encoded, IDN hosts in punycode."""
    try:
        return str(httpx.URL(url))
    except (httpx.InvalidURL, ValueError):
        return url


def _status_line(status: int) -> str:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Unknown"
    return f"{status} {phrase}"  # warcio writes the protocol in front


def write_warc(captures: Sequence[Capture], out: io.BytesIO,
               body_budget: int = MAX_BODY_TOTAL) -> list[dict[str, Any]]:
    """Write a warcinfo record and a request/response pair per capture into `out` (gzip, one
    member per record); returns the CDXJ entries of the responses (url, ts, offset, length...)."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    writer = WARCWriter(out, gzip=True)
    info = writer.create_warcinfo_record(WARC_NAME, {"software": f"SellerGuard {__version__}",
                                                     "format": "WARC File Format 1.0",
                                                     "description": "storefront evidence lookup"})
    writer.write_record(info)
    entries = []
    for capture in captures[:MAX_CAPTURES]:
        result = capture.result
        url = _wire(result.final_url or result.url)
        when = _iso(result.fetched_at)
        host = urlsplit(url).netloc
        sent = [(k, v) for k, v in capture.request_headers.items() if k != "host"]
        request_headers = [("Host", host), *sent]
        request = writer.create_warc_record(
            url, "request", payload=io.BytesIO(b""), length=0,
            warc_headers_dict={"WARC-Date": when},
            http_headers=StatusAndHeaders(_request_line(url), request_headers, is_http_request=True))
        body = result.body
        omitted = len(body) > body_budget
        if omitted:
            body = b""
        body_budget -= len(body)
        headers = [(k, v) for k, v in result.headers.items() if k.lower() not in _DROPPED]
        headers.append(("Content-Length", str(len(body))))
        extra = {"WARC-Date": when, "WARC-IP-Address": result.peer_ip or ""}
        if result.truncated or omitted:
            extra["WARC-Truncated"] = "length"
        extra = {k: v for k, v in extra.items() if v}
        response = writer.create_warc_record(
            url, "response", payload=io.BytesIO(body), length=len(body), warc_headers_dict=extra,
            http_headers=StatusAndHeaders(_status_line(result.status), headers, protocol="HTTP/1.1"))
        response_id = response.rec_headers.get_header("WARC-Record-ID")
        request.rec_headers.add_header("WARC-Concurrent-To", response_id)
        offset = out.tell()
        writer.write_record(response)
        length = out.tell() - offset
        writer.write_record(request)
        entries.append({"url": url, "ts": _timestamp14(result.fetched_at), "status": str(result.status),
                        "mime": result.content_type or "application/octet-stream",
                        "digest": response.rec_headers.get_header("WARC-Payload-Digest") or "",
                        "offset": str(offset), "length": str(length), "filename": WARC_NAME,
                        "source": capture.source})
    return entries


def _cdxj(entries: list[dict[str, Any]]) -> bytes:
    lines = []
    for entry in entries:
        fields = {k: entry[k] for k in ("url", "mime", "status", "digest", "length", "offset", "filename")}
        lines.append(f"{surt(entry['url'])} {entry['ts']} {json.dumps(fields, ensure_ascii=False)}")
    return ("\n".join(sorted(lines)) + "\n").encode("utf-8") if lines else b""


def _pages(main_url: str, main_ts: str, title: str) -> bytes:
    lines = [{"format": "json-pages-1.0", "id": "pages", "title": "All Pages"},
             {"id": hashlib.sha256(main_url.encode()).hexdigest()[:10], "url": main_url, "ts": main_ts,
              "title": title[:300]}]
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines).encode("utf-8")


def _sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def build(captures: Sequence[Capture], *, main_url: str, title: str, created: datetime,
          stamper: Stamper | None = None) -> tuple[bytes, dict[str, Any]]:
    """The WACZ file as bytes, and the timestamp outcome ({"status": "off"} without a stamper).

    `stamper` gets the SHA-256 digest of datapackage.json and returns the timestamp outcome
    (tsa.py); it must not raise."""
    import zipfile

    warc = io.BytesIO()
    entries = write_warc(captures, warc)
    main_url = _wire(main_url)
    main = next((e for e in entries if e["url"] == main_url), entries[0] if entries else None)
    main_ts = _iso(created) if main is None else _iso(datetime.strptime(main["ts"], "%Y%m%d%H%M%S")
                                                      .replace(tzinfo=UTC))
    files = {f"archive/{WARC_NAME}": warc.getvalue(), "indexes/index.cdxj": _cdxj(entries),
             "pages/pages.jsonl": _pages(main_url, main_ts, title)}
    datapackage = {
        "profile": "data-package", "wacz_version": WACZ_VERSION,
        "title": f"SellerGuard evidence: {main_url}"[:500],
        "description": "Every request and response of one storefront evidence lookup.",
        "created": _iso(created), "software": f"SellerGuard {__version__}",
        "mainPageUrl": main_url, "mainPageDate": main_ts,
        "resources": [{"name": Path(path).name, "path": path, "hash": _sha256(data), "bytes": len(data)}
                      for path, data in files.items()],
    }
    manifest = json.dumps(datapackage, ensure_ascii=False, indent=2).encode("utf-8")
    digest: dict[str, Any] = {"path": "datapackage.json", "hash": _sha256(manifest)}
    stamp: dict[str, Any] = {"status": "off"}
    if stamper is not None:
        stamp = stamper(hashlib.sha256(manifest).digest())
        if stamp.get("token"):
            digest["timestamp"] = {"type": "rfc3161", "token": stamp["token"], "tsa": stamp.get("tsa", ""),
                                   "time": stamp.get("time", "")}
    buffer = io.BytesIO()
    stamp_time = (1980, 1, 1, 0, 0, 0)  # fixed entry times: the same records, the same package bytes
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, data in [*files.items(), ("datapackage.json", manifest),
                           ("datapackage-digest.json", json.dumps(digest, indent=2).encode("utf-8"))]:
            info = zipfile.ZipInfo(path, date_time=stamp_time)
            # Already-compressed WARC data is stored as is, so replay tools can read it by range.
            info.compress_type = zipfile.ZIP_STORED if path.endswith(".gz") else zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue(), stamp


def file_name(host: str, created: datetime, key: str) -> str:
    """`lookup-<UTC time>-<host>-<key prefix>.wacz`: unique per lookup, safe on every file system."""
    safe_host = _SAFE_NAME.sub("_", host)[:80] or "site"
    return f"lookup-{created.astimezone(UTC):%Y%m%dT%H%M%SZ}-{safe_host}-{key[:12]}.wacz"


def write_once(folder: Path, name: str, data: bytes) -> Path:
    """Write `data` to folder/name, refusing to replace an existing file (FileExistsError), then
    make it read-only. The file appears whole or not at all."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    if target.exists():
        raise FileExistsError(target)
    temporary = folder / f".{name}.part"
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    try:
        os.link(temporary, target)  # fails if the name was taken meanwhile: never replaces
    finally:
        temporary.unlink(missing_ok=True)
    target.chmod(0o444)
    return target
