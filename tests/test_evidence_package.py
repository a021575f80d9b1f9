"""The evidence package: every fetch of a lookup kept as WARC records in a WACZ file, named in the
report with its SHA-256, and re-checked by `sellerguard evidence verify` in a subprocess."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pdfminer.high_level import extract_text
from warcio.archiveiterator import ArchiveIterator

from chatbot.config import Settings
from chatbot.evidence import archive, verify, wacz
from chatbot.evidence.client import Capture
from tests.fixtures.lookups import PAGE, fetch_result
from tests.fixtures.sites.server import Web, cli_env, serve
from tests.fixtures.tsa import authority
from tests.webserve import free_port


@pytest.fixture(scope="module")
def web() -> Iterator[Web]:
    with serve() as running:
        yield running


def lookup(run_cli, web: Web, tmp_path: Path, **env: str) -> tuple[dict[str, Any], Path]:  # type: ignore[no-untyped-def]
    url = f"{web.base}/products/aurora-lamp"
    report = tmp_path / "evidence.pdf"
    proc = run_cli("checksite", url, "--json", "--refresh", "--report", str(report), env=cli_env(web, **env))
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    package = tmp_path / "reports" / "packages" / result["package"]["file"]
    return result, package


def test_every_fetch_is_kept_and_the_package_verifies(run_cli, web: Web, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result, package = lookup(run_cli, web, tmp_path)
    data = package.read_bytes()
    assert result["package"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert result["package"]["bytes"] == len(data)
    assert package.stat().st_mode & 0o222 == 0  # read-only on disk: written once
    with zipfile.ZipFile(package) as z:
        names = set(z.namelist())
        assert names == {"archive/data.warc.gz", "indexes/index.cdxj", "pages/pages.jsonl",
                         "datapackage.json", "datapackage-digest.json"}
        assert z.getinfo("archive/data.warc.gz").compress_type == zipfile.ZIP_STORED
        manifest = json.loads(z.read("datapackage.json"))
        assert manifest["mainPageUrl"] == result["normalized_url"]
        for resource in manifest["resources"]:
            assert resource["hash"] == "sha256:" + hashlib.sha256(z.read(resource["path"])).hexdigest()
        digest = json.loads(z.read("datapackage-digest.json"))
        assert digest["hash"] == "sha256:" + hashlib.sha256(z.read("datapackage.json")).hexdigest()
        # Every successful fetch of the evidence log is a response record, body and all.
        with z.open("archive/data.warc.gz") as handle:
            responses = {}
            for record in ArchiveIterator(handle):
                if record.rec_type == "response":
                    assert record.http_headers.protocol == "HTTP/1.1"  # once, as replay tools read it
                    assert record.http_headers.get_statuscode().isdigit()
                    body = record.content_stream().read()
                    uri = record.rec_headers.get_header("WARC-Target-URI")
                    responses[uri] = hashlib.sha256(body).hexdigest()
        for entry in result["evidence"]:
            if entry["status"] is not None:
                assert responses[entry["final_url"] or entry["url"]] == entry["sha256"]
        # The index points at each response: offset and length inside the WARC.
        warc = z.read("archive/data.warc.gz")
        for line in z.read("indexes/index.cdxj").decode().splitlines():
            fields = json.loads(line.split(" ", 2)[2])
            chunk = warc[int(fields["offset"]): int(fields["offset"]) + int(fields["length"])]
            record = next(iter(ArchiveIterator(io.BytesIO(chunk))))
            assert record.rec_type == "response"
            assert record.rec_headers.get_header("WARC-Target-URI") == fields["url"]
    proc = run_cli("evidence", "verify", str(package))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("VALID") and result["normalized_url"] in proc.stdout
    assert "No trusted timestamp" in proc.stdout
    # The report names the package and its hash.
    pdf = (tmp_path / "evidence.pdf").read_bytes()
    text = "".join(extract_text(io.BytesIO(pdf)).split())
    assert result["package"]["file"] in text and result["package"]["sha256"] in text


def _rewrite(source: Path, target: Path, change: dict[str, bytes]) -> None:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            new.writestr(info.filename, change.get(info.filename, old.read(info.filename)))
        for name, data in change.items():
            if name not in old.namelist():
                new.writestr(name, data)


def test_a_tampered_package_fails(run_cli, web: Web, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, package = lookup(run_cli, web, tmp_path)
    with zipfile.ZipFile(package) as z:
        warc = bytearray(z.read("archive/data.warc.gz"))
        pages = z.read("pages/pages.jsonl")
    cases = {
        "pages": {"pages/pages.jsonl": pages.replace(b"aurora", b"zzzzzz")},
        "warc": {"archive/data.warc.gz": bytes(warc[:-10]) + b"\0" * 10},
        "extra": {"archive/more.warc": b"WARC/1.0\r\n"},
        "manifest": {"datapackage.json": b'{"resources": []}'},
    }
    for name, change in cases.items():
        tampered = tmp_path / f"tampered-{name}.wacz"
        _rewrite(package, tampered, change)
        proc = run_cli("evidence", "verify", str(tampered))
        assert proc.returncode == 1, (name, proc.stdout)
        assert proc.stdout.startswith("INVALID"), proc.stdout
    junk = tmp_path / "junk.wacz"
    junk.write_bytes(b"not a zip at all")
    proc = run_cli("evidence", "verify", str(junk), "--lang", "zh")
    assert proc.returncode == 1 and "无效" in proc.stdout and "不是可读取的 WACZ" in proc.stdout
    proc = run_cli("evidence", "verify", str(tmp_path / "missing.wacz"))
    assert proc.returncode == 2 and "No such file" in proc.stderr


def test_one_flipped_byte_in_the_stored_warc_is_invalid_not_a_crash(tmp_path: Path) -> None:
    """A byte changed inside the ZIP itself (the stored WARC's CRC-32 no longer matches)."""
    data, _ = wacz.build([Capture("page", {"user-agent": "x"}, fetch_result(PAGE, b"<title>lamp</title>"))],
                         main_url=PAGE, title="lamp", created=datetime.now(UTC))
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        info = z.getinfo("archive/data.warc.gz")
        start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    flipped = bytearray(data)
    flipped[start + info.compress_size // 2] ^= 0xFF
    target = tmp_path / "flipped.wacz"
    target.write_bytes(bytes(flipped))
    verdict = verify.check(target)
    assert verdict.problems and {code for code, _ in verdict.problems} <= {"file_unreadable", "file_changed",
                                                                            "warc_unreadable", "warc_digest"}


def test_a_record_changed_inside_the_warc_is_named(tmp_path: Path) -> None:
    """Even with the manifest rewritten to match, a changed body fails its WARC digest."""
    data, _ = wacz.build([Capture("page", {"user-agent": "x"}, fetch_result(PAGE, b"<title>lamp</title>"))],
                         main_url=PAGE, title="lamp", created=datetime.now(UTC))
    source = tmp_path / "a.wacz"
    source.write_bytes(data)
    with zipfile.ZipFile(source) as z:
        warc = gzip.decompress(z.read("archive/data.warc.gz")).replace(b"lamp</title>", b"LAMP</title>")
        manifest = json.loads(z.read("datapackage.json"))
    changed = gzip.compress(warc)
    for resource in manifest["resources"]:
        if resource["path"] == "archive/data.warc.gz":
            resource["hash"] = "sha256:" + hashlib.sha256(changed).hexdigest()
            resource["bytes"] = len(changed)
    body = json.dumps(manifest).encode()
    digest = json.dumps({"path": "datapackage.json", "hash": "sha256:" + hashlib.sha256(body).hexdigest()})
    target = tmp_path / "b.wacz"
    _rewrite(source, target, {"archive/data.warc.gz": changed, "datapackage.json": body,
                              "datapackage-digest.json": digest.encode()})
    verdict = verify.check(target)
    assert [code for code, _ in verdict.problems] == ["warc_digest"]


def test_names_from_outside_never_reach_another_path(tmp_path: Path) -> None:
    settings = Settings(report_dir=str(tmp_path))
    for name in ("../x.wacz", "/etc/passwd", "lookup-20240101T000000Z-a-0123456789ab.wacz/../../x",
                 "lookup-20240101T000000Z-a-0123456789ab.wacz"):
        assert archive.locate(settings, name) is None
    with pytest.raises(FileExistsError):
        wacz.write_once(tmp_path, "x.wacz", b"1") and wacz.write_once(tmp_path, "x.wacz", b"2")
    assert (tmp_path / "x.wacz").read_bytes() == b"1"  # never rewritten


def test_a_trusted_timestamp_is_added_and_checked(run_cli, web: Web, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with authority(tmp_path) as tsa_stand_in:
        result, package = lookup(run_cli, web, tmp_path, SELLERGUARD_TSA_URL=tsa_stand_in.url)
        assert len(tsa_stand_in.requests) == 1
    stamp = result["package"]["timestamp"]
    assert stamp == {"status": "timestamped", "tsa": "127.0.0.1", "time": "2024-07-01T08:00:05Z"}
    text = " ".join(extract_text(io.BytesIO((tmp_path / "evidence.pdf").read_bytes())).split())
    assert "RFC 3161 timestamp of the package by 127.0.0.1, 2024-07-01T08:00:05Z" in text
    proc = run_cli("evidence", "verify", str(package), env={"SELLERGUARD_TSA_CA": str(tsa_stand_in.root_pem)})
    assert proc.returncode == 0, proc.stdout
    assert "Trusted timestamp: 2024-07-01T08:00:05Z (UTC) by 127.0.0.1" in proc.stdout
    assert "checked against tsa-root.pem" in proc.stdout
    proc = run_cli("evidence", "verify", str(package))
    assert proc.returncode == 0 and "SELLERGUARD_TSA_CA" in proc.stdout  # chain not checked: says how
    # Another authority's root does not vouch for this token.
    other = tmp_path / "other"
    other.mkdir()
    with authority(other) as stranger:
        proc = run_cli("evidence", "verify", str(package), env={"SELLERGUARD_TSA_CA": str(stranger.root_pem)})
    assert proc.returncode == 1 and "trusted timestamp does not hold" in proc.stdout
    # A package rewritten with a consistent manifest keeps the old token: it no longer matches.
    with zipfile.ZipFile(package) as z:
        manifest = json.loads(z.read("datapackage.json"))
        digest = json.loads(z.read("datapackage-digest.json"))
    manifest["created"] = "2020-01-01T00:00:00Z"  # back-dated
    body = json.dumps(manifest).encode()
    digest["hash"] = "sha256:" + hashlib.sha256(body).hexdigest()
    forged = tmp_path / "forged.wacz"
    _rewrite(package, forged, {"datapackage.json": body,
                               "datapackage-digest.json": json.dumps(digest).encode()})
    proc = run_cli("evidence", "verify", str(forged))
    assert proc.returncode == 1 and "timestamp is for different contents" in proc.stdout


def test_a_tsa_that_is_down_leaves_the_report_not_timestamped(  # type: ignore[no-untyped-def]
        run_cli, web: Web, tmp_path: Path) -> None:
    down = f"http://127.0.0.1:{free_port()}/tsa"  # nothing listens there
    result, package = lookup(run_cli, web, tmp_path, SELLERGUARD_TSA_URL=down)
    assert result["package"]["timestamp"]["status"] == "failed"
    text = " ".join(extract_text(io.BytesIO((tmp_path / "evidence.pdf").read_bytes())).split())
    assert "not timestamped" in text
    proc = run_cli("evidence", "verify", str(package))
    assert proc.returncode == 0 and "No trusted timestamp" in proc.stdout


def test_save_page_now_puts_the_new_capture_in_the_report(  # type: ignore[no-untyped-def]
        run_cli, web: Web, tmp_path: Path) -> None:
    result, _ = lookup(run_cli, web, tmp_path, SELLERGUARD_SAVE_PAGE_NOW="1")
    saved = result["save_page_now"]
    assert saved["status"] == "saved"
    assert saved["url"].endswith(f"/web/20240701080000/{result['normalized_url']}")
    assert saved["url"] in [link["url"] for link in result["archive_links"]]
    text = "".join(extract_text(io.BytesIO((tmp_path / "evidence.pdf").read_bytes())).split())
    assert saved["url"] in text
    assert any(e["source"] == "save_page_now" for e in result["evidence"])


def test_bodies_past_the_cap_are_recorded_but_left_out(tmp_path: Path) -> None:
    settings = Settings(report_dir=str(tmp_path), package_max_bytes=1500)
    captures = [Capture("page", {}, fetch_result(f"{PAGE}&n={n}", b"x" * 1000)) for n in range(3)]
    kept = archive.keep(settings, captures, host="lumi-copy.example", key="0123456789abcdef",
                        main_url=PAGE, title="t")
    path = archive.locate(settings, kept["file"])
    assert path is not None and verify.check(path).ok
    with zipfile.ZipFile(path) as z, z.open("archive/data.warc.gz") as handle:
        bodies = [(r.rec_headers.get_header("WARC-Truncated"), len(r.content_stream().read()))
                  for r in ArchiveIterator(handle) if r.rec_type == "response"]
    assert bodies == [(None, 1000), ("length", 0), ("length", 0)]


def test_prune_deletes_only_old_packages(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "reports" / "packages"
    old = wacz.write_once(folder, "lookup-20200101T000000Z-old.example-0123456789ab.wacz", b"old")
    new = wacz.write_once(folder, "lookup-20260101T000000Z-new.example-0123456789ab.wacz", b"new")
    other = wacz.write_once(folder, "notes.txt", b"not a package")
    os.utime(old, (0, 0))
    os.utime(other, (0, 0))
    proc = run_cli("evidence", "prune", env={"SELLERGUARD_REPORT_RETENTION_DAYS": "30"})
    assert proc.returncode == 0 and "Deleted 1 evidence package older than 30 days" in proc.stdout
    assert not old.exists() and new.exists() and other.exists()
