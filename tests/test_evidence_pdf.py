"""The PDF report read back: every font embedded, Chinese and every URL exactly as written, no
empty boxes, whatever the report language and whatever script the copycat's page used."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from typing import Any

import pytest
from pdfminer.high_level import extract_text

from chatbot.evidence import fonts, pdf, report, timeline
from tests.fixtures.lookups import CHINESE, PAGE, THAI, TRADITIONAL, lookup


def read_back(data: bytes) -> str:
    return extract_text(io.BytesIO(data))


def flat(text: str) -> str:
    """Text with the line breaks of wrapped cells taken out."""
    return re.sub(r"\s*\n\s*", "", text)


def assert_clean(text: str) -> None:
    assert "\u25a0" not in text and "(cid:" not in text and "\ufffd" not in text


@pytest.mark.parametrize("lang", ["en", "zh-Hans", "zh-Hant"])
def test_every_string_comes_back_exactly(lang: Any) -> None:
    result = lookup(records=30)
    data = report.render_pdf(result, lang, timeline=report.render_timeline(result, lang))
    text = read_back(data)
    assert_clean(text)
    joined = flat(text)
    for entry in result["evidence"]:
        assert entry["url"] in joined
        assert entry["sha256"] in joined
    assert PAGE in joined  # the checked URL, with its Chinese path, wrapped but whole
    assert flat(CHINESE) in joined and flat(TRADITIONAL) in joined
    assert "Store/domain first seen" in text or "店铺/域名最早出现" in text or "店鋪/域名最早出現" in text
    # The Thai title has no glyph in the font: spelled as code points, and the report says so.
    assert THAI not in text and "[U+0E42" in text
    assert ("U+0E23" in text) and ("code points" in text or "码位" in text or "碼位" in text)
    if lang == "zh-Hans":
        assert "证据日志" in text
    if lang == "zh-Hant":
        assert "證據日誌" in text


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="pdffonts (poppler-utils) is not installed")
@pytest.mark.parametrize("lang", ["en", "zh-Hans"])
def test_pdffonts_shows_every_font_embedded(tmp_path: Any, lang: Any) -> None:
    target = tmp_path / "r.pdf"
    target.write_bytes(report.render_pdf(lookup(), lang))
    listing = subprocess.run(["pdffonts", str(target)], capture_output=True, text=True, check=True).stdout
    rows = listing.splitlines()[2:]
    assert rows, listing
    for row in rows:
        emb, sub = row.split()[-5:-3]
        assert (emb, sub) == ("yes", "yes"), listing


def test_a_long_log_breaks_across_pages_and_stays_small() -> None:
    result = lookup(records=200)
    data = report.render_pdf(result, "zh-Hans", timeline=report.render_timeline(result, "zh-Hans"))
    assert len(data) < 1_000_000  # subset fonts: a few hundred KB, not the 5 MB font file
    text = read_back(data)
    assert flat(result["evidence"][-1]["url"]) in flat(text)
    assert text.count("\f") > 3  # several pages


def test_a_two_megabyte_title_makes_a_normal_report() -> None:
    result = lookup(title="巨" * 2_000_000)
    data = report.render_pdf(result, "en")
    assert data.startswith(b"%PDF") and len(data) < 1_000_000
    assert "巨" * 100 in flat(read_back(data))


def test_no_dates_means_no_picture_and_a_sentence_saying_why() -> None:
    result = lookup(dated=False)
    assert report.render_timeline(result, "zh-Hans") is None
    text = read_back(report.render_pdf(result, "en", timeline=None))
    assert "No source gave a date for this page or store" in text
    assert "1970" not in text
    html = report.render_html(result, "zh-Hans")
    assert "没有任何来源给出该页面或店铺的日期" in html


def test_url_wrapping_breaks_at_separators_and_loses_nothing() -> None:
    fonts.register_reportlab()
    url = "https://shop.example/collections/all/products/" + "x" * 300 + "?a=1&b=2"
    lines = pdf.wrap_url(url, fonts.FONT_NAME, 7, 120)
    assert "".join(lines) == url
    assert lines[0].endswith("/") and len(lines) > 3
    assert pdf.wrap_url("", fonts.FONT_NAME, 7, 120) == [""]


def test_printable_spells_missing_scripts_once_per_run() -> None:
    text, replaced = fonts.printable("店 " + THAI + " shop")
    assert replaced and text.startswith("店 [U+0E42 ") and text.endswith(" …] shop")
    assert fonts.printable("北歐 lamp")[1] is False


def test_timeline_speaks_the_report_language() -> None:
    result = lookup()
    rows = set(timeline.points(result, "zh-Hans"))
    assert rows == {"页面本身", "Wayback Machine 网页存档", "域名注册信息(RDAP)"}
    labels = [m.label for m in timeline.marks(result, "zh-Hans")]
    assert labels[0] == "您的商品"  # the seller's own date is marked first
    png = timeline.render(result, "zh-Hant")
    assert png is not None and png.startswith(b"\x89PNG")
