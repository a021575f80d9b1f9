"""A page is read in the charset it declares: GBK, Big5 and Shift_JIS shops, UTF-16 saved files.

Chinese and Japanese storefronts often send legacy encodings; a browser's "Save page as" keeps the
bytes and the `<meta charset>`, and Windows tools save UTF-16 with a byte-order mark. Their text,
their dates written in words and the seller's brand word must read the same as in UTF-8.
"""

from __future__ import annotations

from datetime import date

import pytest

from chatbot.evidence import page
from chatbot.evidence.saved import SavedPageError, analyse, from_bytes

TODAY = date(2026, 12, 1)
PAGE = ("<!DOCTYPE html>\n<!-- saved from url=(0041)https://copycat-shop.com/products/lamp -->\n"
        "<html><head><meta charset=\"{charset}\"><title>光明台灯</title>"
        "<script src=\"//cdn.shopify.com/s/files/1/0001/theme.js\"></script></head>"
        "<body><h1>光明台灯 GlowPeak</h1><p>上架日期：2019年3月5日</p></body></html>")
CASES = [
    ("gbk", PAGE.format(charset="gbk").encode("gbk")),
    ("gb2312 label, GBK bytes", PAGE.format(charset="gb2312").encode("gbk")),
    ("big5", PAGE.format(charset="big5").replace("灯", "燈").encode("big5")),
    ("shift_jis", PAGE.format(charset="shift_jis").encode("shift_jis")),
    ("utf-16 le with BOM", b"\xff\xfe" + PAGE.format(charset="utf-16").encode("utf-16-le")),
    ("utf-16 be with BOM", b"\xfe\xff" + PAGE.format(charset="utf-16").encode("utf-16-be")),
    ("utf-8 with BOM", b"\xef\xbb\xbf" + PAGE.format(charset="utf-8").encode("utf-8")),
]


@pytest.mark.parametrize(("name", "body"), CASES, ids=[c[0] for c in CASES])
def test_page_text_and_text_dates_in_the_declared_charset(name: str, body: bytes) -> None:
    evidence = page.extract(body, {}, "https://copycat-shop.com/products/lamp", TODAY)
    assert evidence.doc.title.startswith("光明台")
    assert any("GlowPeak" in " ".join(words) and "上架日期" in " ".join(words)
               for words in evidence.doc.segments)
    assert date(2019, 3, 5) in {c.value for c in evidence.claims if c.kind == "text"}


def test_the_content_type_header_names_the_charset_of_a_live_page() -> None:
    body = "<html><body><p>上架日期：2019年3月5日</p></body></html>".encode("gbk")
    evidence = page.extract(body, {"content-type": "text/html; charset=GBK"}, "https://shop.example/p", TODAY)
    assert date(2019, 3, 5) in {c.value for c in evidence.claims}


@pytest.mark.parametrize(("name", "body"), CASES, ids=[c[0] for c in CASES])
def test_saved_file_address_and_platform_in_any_charset(name: str, body: bytes) -> None:
    saved = from_bytes("lamp.html", body)
    assert saved.url == "https://copycat-shop.com/products/lamp"
    sources, _, _, detection = analyse(saved, saved.url, TODAY)
    assert detection.key == "shopify"
    assert date(2019, 3, 5) in {c.value for s in sources for c in s.dates}


@pytest.mark.parametrize("body", [b"\xff\xfe" + " \r\n".encode("utf-16-le"), b"\xef\xbb\xbf \n", b"\xfe\xff"])
def test_a_file_of_a_byte_order_mark_and_blanks_is_empty(body: bytes) -> None:
    with pytest.raises(SavedPageError) as caught:
        from_bytes("blank.html", body)
    assert caught.value.code == "empty"
