"""Evidence reports: JSON, HTML, PDF and the timeline picture, in English and Chinese."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from chatbot.config import Settings
from chatbot.context import Context
from chatbot.db import Database
from chatbot.evidence import report
from chatbot.evidence.engine import EvidenceEngine, LookupRequest
from tests.fixtures.sites.server import resolver, serve, settings_for


@pytest.fixture
def result(settings: Settings, db: Database) -> Iterator[dict[str, Any]]:
    with serve() as web:
        engine = EvidenceEngine(Context(settings_for(web, settings), db), resolver=resolver)  # type: ignore[arg-type]
        yield engine.check(LookupRequest(web.shop("glowpeak-shop.com", "/products/aurora-lamp"),
                                         since=date(2021, 9, 15), brand="LumiNest"))


def test_html_report_carries_the_evidence_log(result: dict[str, Any]) -> None:
    html = report.render_html(result, "en", timeline=report.render_timeline(result, "en"))
    for entry in result["evidence"]:
        assert entry["url"].replace("&", "&amp;") in html
        if entry["sha256"]:
            assert entry["sha256"] in html
    for link in result["archive_links"]:
        assert link["url"] in html
    assert "data:image/png;base64," in html
    assert "predates this page by 574 days" in html
    assert "not legal advice" in html


def test_html_escapes_what_the_copycat_wrote(result: dict[str, Any]) -> None:
    hostile = dict(result, brand_hits=[{"where": "text", "snippet": "<script>alert('x')</script>"}])
    html = report.render_html(hostile, "en")
    assert "<script>alert" not in html and "&lt;script&gt;" in html


def test_chinese_reports(result: dict[str, Any], tmp_path: Path) -> None:
    html = report.render_html(result, "zh-Hans")
    assert "证据日志" in html and 'lang="zh-CN"' in html
    assert "證據日誌" in report.render_html(result, "zh-Hant")
    pdf = report.render_pdf(result, "zh-Hans")
    assert pdf.startswith(b"%PDF") and b"STSong-Light" not in pdf  # the font is embedded, not assumed


def test_write_each_format_with_a_timeline(result: dict[str, Any], tmp_path: Path) -> None:
    for name in ("r.json", "r.html", "r.pdf"):
        written = report.write(result, "en", tmp_path / name)
        assert [p.name for p in written] == [name, "r.png"]
    assert json.loads((tmp_path / "r.json").read_text())["normalized_url"] == result["normalized_url"]
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
    assert (tmp_path / "r.png").read_bytes().startswith(b"\x89PNG")
    assert not list(tmp_path.glob(".*.part"))  # no half-written files left behind
    with pytest.raises(ValueError):
        report.write(result, "en", tmp_path / "r.docx")


def test_timeline_with_no_dates() -> None:
    empty = {"host": "x.example", "sources": [], "comparison": {}}
    assert report.render_timeline(empty, "zh-Hans") is None  # nothing to draw: no picture at all
    pdf = report.render_pdf(dict(empty, normalized_url="https://x.example/", evidence=[]), "en")
    assert pdf.startswith(b"%PDF")
