"""`sellerguard checksite` in a subprocess: JSON for scripts, report files, exit codes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.sites.server import Web, cli_env, serve


@pytest.fixture(scope="module")
def web() -> Iterator[Web]:
    with serve() as running:
        yield running


def test_json_for_scripts(run_cli, web: Web) -> None:  # type: ignore[no-untyped-def]
    url = f"{web.base}/products/aurora-lamp"
    proc = run_cli("checksite", url, "--since", "2021-09-15", "--brand", "LumiNest", "--json",
                   env=cli_env(web))
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["url"] == url and result["normalized_url"] == url
    assert result["platform"] == "shopify"
    page = result["page_first_seen"]
    assert page["date"] == "2023-04-12" and page["confidence"] == "high" and "platform_api" in page["sources"]
    for source in result["sources"]:
        assert set(source) >= {"name", "ok", "dates", "error"}
        for claim in source["dates"]:
            assert set(claim) >= {"kind", "value", "detail"}
    assert result["comparison"]["verdict"] == "seller_first"
    assert result["brand_hits"]
    assert "blocklist" in result and result["evidence"]
    # A bare address is no domain: the registry is asked and says so, the rest still reports.
    rdap = next(s for s in result["sources"] if s["name"] == "rdap")
    assert rdap["error"] == "not_found"


def test_report_files(run_cli, web: Web, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "out" / "evidence.pdf"
    proc = run_cli("checksite", f"{web.base}/products/aurora-lamp", "--report", str(target), env=cli_env(web))
    assert proc.returncode == 0, proc.stderr
    assert target.read_bytes().startswith(b"%PDF")
    assert target.with_suffix(".png").read_bytes().startswith(b"\x89PNG")
    assert "Product page first seen" in proc.stdout and str(target) in proc.stdout
    html = tmp_path / "evidence.html"
    proc = run_cli("checksite", f"{web.base}/products/aurora-lamp", "--report", str(html), "--lang", "zh",
                   env=cli_env(web))
    assert proc.returncode == 0, proc.stderr
    assert "证据日志" in html.read_text(encoding="utf-8")


@pytest.mark.parametrize(("args", "reason"), [
    (["ftp://example.com/x"], "http://"),
    (["not a url"], "does not look like a web address"),
    (["http://169.254.169.254/latest/"], "private network"),
    (["https://example.com", "--since", "2021-02-30"], "2021-02 has only 28 days"),
    (["https://example.com", "--since", "someday"], "--since needs the date"),
    (["https://example.com", "--asin", "nope"], "An ASIN is B0 and 8 letters"),
    (["https://example.com", "--report", "x.docx"], "--report takes a file name"),
])
def test_refused_input_exits_2(run_cli, web: Web, args: list[str], reason: str) -> None:  # type: ignore[no-untyped-def]
    proc = run_cli("checksite", *args, env=cli_env(web, SELLERGUARD_ALLOW_PRIVATE_NETWORKS="0"))
    assert proc.returncode == 2
    assert reason in proc.stderr


def test_refused_json_names_the_reason(run_cli, web: Web) -> None:  # type: ignore[no-untyped-def]
    env = cli_env(web, SELLERGUARD_ALLOW_PRIVATE_NETWORKS="0")
    proc = run_cli("checksite", "http://10.0.0.1/", "--json", env=env)
    assert proc.returncode == 2
    assert json.loads(proc.stdout)["refused"]["code"] == "fetch.url.ip_literal_private"
