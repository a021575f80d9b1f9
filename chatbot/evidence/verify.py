"""`sellerguard evidence verify FILE.wacz`: re-check an evidence package and say what it holds.

Checks, in order: the ZIP is readable and sane (bounded entry count and sizes, no absolute or
`..` names); `datapackage-digest.json` matches `datapackage.json`; every resource listed there has
its stated size and SHA-256, and no file is unlisted; every WARC record's digest matches its
content; the RFC 3161 timestamp token, when there is one, covers this datapackage.json (tsa.py).
Any failure makes the package invalid: the caller exits 1.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

MAX_ENTRIES = 64  # files in one package
MAX_FILE_BYTES = 1_000_000_000  # uncompressed bytes of one file
MAX_MANIFEST_BYTES = 2_000_000  # datapackage.json and its digest
MAX_RECORDS = 20_000  # WARC records read
CHUNK = 1 << 20
FIXED = ("datapackage.json", "datapackage-digest.json")


@dataclass
class Verdict:
    """What `check` found. `problems` are (code, detail) pairs; the package is valid without any."""

    path: Path
    problems: list[tuple[str, str]] = field(default_factory=list)
    files: list[tuple[str, int]] = field(default_factory=list)  # (path, bytes), as checked
    urls: list[tuple[str, str, str]] = field(default_factory=list)  # (UTC time, status, URL) of responses
    records: int = 0
    created: str = ""
    main_url: str = ""
    timestamp: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def fail(self, code: str, detail: str = "") -> Verdict:
        self.problems.append((code, detail))
        return self


def _safe_name(name: str) -> bool:
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts and "\\" not in name


def _digest(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[str, int]:
    sha, size = hashlib.sha256(), 0
    with archive.open(info) as handle:
        while chunk := handle.read(CHUNK):
            size += len(chunk)
            if size > MAX_FILE_BYTES:
                raise ValueError("too large")
            sha.update(chunk)
    return "sha256:" + sha.hexdigest(), size


def _json(archive: zipfile.ZipFile, name: str) -> Any:
    info = archive.getinfo(name)
    if info.file_size > MAX_MANIFEST_BYTES:
        raise ValueError(f"{name} is too large")
    return json.loads(archive.read(info).decode("utf-8"))


def _check_warc(archive: zipfile.ZipFile, name: str, verdict: Verdict) -> None:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    try:
        with archive.open(name) as handle:
            for record in ArchiveIterator(handle, check_digests="raise"):
                verdict.records += 1
                if verdict.records > MAX_RECORDS:
                    verdict.fail("too_many_records", str(MAX_RECORDS))
                    return
                while record.content_stream().read(CHUNK):
                    pass  # reading is what checks the digests
                if record.rec_type == "response":
                    status = record.http_headers.get_statuscode() if record.http_headers else ""
                    verdict.urls.append((record.rec_headers.get_header("WARC-Date") or "", status or "",
                                         record.rec_headers.get_header("WARC-Target-URI") or ""))
    except ArchiveLoadFailed as exc:
        verdict.fail("warc_digest", f"{name}: {exc}")
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:  # BadZipFile: a bad CRC-32
        verdict.fail("warc_unreadable", f"{name}: {type(exc).__name__}")


def check(path: Path) -> Verdict:
    """Verify the package at `path`; never raises for a bad package, only reports."""
    verdict = Verdict(path)
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        return verdict.fail("not_a_package", type(exc).__name__)
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ENTRIES:
            return verdict.fail("too_many_files", str(len(infos)))
        names = [i.filename for i in infos]
        bad = [n for n in names if not _safe_name(n)]
        if bad:
            return verdict.fail("unsafe_name", bad[0][:200])
        if len(set(names)) != len(names):
            return verdict.fail("duplicate_name")
        for name in FIXED:
            if name not in names:
                return verdict.fail("missing_file", name)
        try:
            digest = _json(archive, "datapackage-digest.json")
            manifest_hash, _ = _digest(archive, archive.getinfo("datapackage.json"))
            manifest = _json(archive, "datapackage.json")
        except (ValueError, UnicodeDecodeError, zipfile.BadZipFile, OSError) as exc:
            return verdict.fail("manifest_unreadable", str(exc)[:200])
        if not isinstance(digest, dict) or not isinstance(manifest, dict):
            return verdict.fail("manifest_unreadable", "not a JSON object")
        if digest.get("hash") != manifest_hash:
            verdict.fail("manifest_changed", "datapackage.json does not match datapackage-digest.json")
        verdict.created = str(manifest.get("created", ""))
        verdict.main_url = str(manifest.get("mainPageUrl", ""))
        resources = manifest.get("resources")
        if not isinstance(resources, list):
            return verdict.fail("manifest_unreadable", "no resources")
        listed = set()
        for resource in resources:
            rpath = str(resource.get("path", "")) if isinstance(resource, dict) else ""
            if rpath not in names or rpath in FIXED:
                verdict.fail("missing_file", rpath[:200])
                continue
            listed.add(rpath)
            try:
                actual, size = _digest(archive, archive.getinfo(rpath))
            except (ValueError, zipfile.BadZipFile, OSError) as exc:
                verdict.fail("file_unreadable", f"{rpath}: {type(exc).__name__}")
                continue
            verdict.files.append((rpath, size))
            if actual != resource.get("hash") or size != resource.get("bytes"):
                verdict.fail("file_changed", rpath)
        for extra in sorted(set(names) - listed - set(FIXED)):
            if not extra.endswith("/"):  # folder entries that `zip -r` adds hold nothing
                verdict.fail("unlisted_file", extra[:200])
        for rpath in sorted(listed):
            if rpath.startswith("archive/") and (rpath.endswith(".warc.gz") or rpath.endswith(".warc")):
                _check_warc(archive, rpath, verdict)
        stamp = digest.get("timestamp")
        if stamp:
            from chatbot.evidence import tsa

            verdict.timestamp = tsa.check(stamp, hashlib.sha256(archive.read("datapackage.json")).digest())
            if not verdict.timestamp.get("ok"):
                verdict.fail("timestamp_invalid", str(verdict.timestamp.get("detail", "")))
        else:
            verdict.timestamp = {"ok": None}
    return verdict
