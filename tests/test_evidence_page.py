"""Dates read from the page itself: headers, metadata, asset URLs, text — on real-looking pages."""

from __future__ import annotations

import json
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from chatbot.evidence import amazon, dates, page
from tests.fixtures.sites.server import ROOT

TODAY = date(2026, 11, 29)


def claims_of(path: str, headers: dict[str, str] | None = None) -> page.PageEvidence:
    return page.extract((ROOT / path).read_bytes(), headers or {}, f"https://shop.example/{path}", TODAY)


def test_shopify_cdn_upload_times_are_split_into_product_and_store_images() -> None:
    found = claims_of("shopify/products/aurora-lamp.html")
    uploads = [c for c in found.claims if c.kind == "uploaded"]
    product = [c for c in uploads if c.scope == "page"]
    store = [c for c in uploads if c.scope == "site"]
    # The product's own photo (named by og:image and JSON-LD) dates the page…
    assert [(c.value, "aurora-lamp-main" in c.detail) for c in product] == [(date(2023, 4, 12), True)]
    # …the logo and favicon date the store; theme assets (?v= on .css/.js) date nothing.
    assert {c.value for c in store} == {date(2023, 1, 29), date(2023, 4, 12)}
    assert not any(".css" in c.detail or ".js" in c.detail for c in uploads)


def test_jsonld_meta_and_text_dates() -> None:
    found = claims_of("shopify/products/aurora-lamp.html")
    details = {(c.kind, c.value) for c in found.claims}
    assert ("published", date(2016, 5, 1)) in details  # what the page claims; weighed later
    assert ("text", date(2023, 5, 14)) in details  # the review date
    # priceValidUntil is a future price promise, not a date the page existed.
    assert all(c.value <= TODAY for c in found.claims)
    assert ("json-ld brand", "GlowPeak") in found.doc.segments


def test_every_url_of_a_srcset_is_read_with_or_without_descriptors() -> None:
    html = ('<img srcset="https://cdn.shopify.com/s/files/1/0001/files/a.jpg?v=1700000000,'
            'https://cdn.shopify.com/s/files/1/0001/files/b.jpg?v=1500000000">'
            '<img srcset="/wp-content/uploads/2021/05/c-300x300.jpg 300w,'
            '/wp-content/uploads/2020/02/c.jpg 800w">')
    found = {(c.value, c.detail.rsplit("/", 1)[1]) for c in page.asset_claims(html, set())}
    assert found == {(date(2023, 11, 14), "a.jpg?v=1700000000"), (date(2017, 7, 14), "b.jpg?v=1500000000"),
                     (date(2021, 5, 1), "c-300x300.jpg"), (date(2020, 2, 1), "c.jpg")}


def test_every_value_of_a_json_ld_property_is_read() -> None:
    # Lists of values, JSON-LD value objects and several brands: none is dropped, none cut short.
    ld = {"@context": "https://schema.org", "@graph": [{
        "@type": ["Product", "ItemPage"], "name": ["Sandy Throw Blanket", "Sandy Throw"],
        "brand": [{"@type": "Brand", "name": "LUMIVA"}, "Lumiva Home", {"@type": "Brand", "name": ["LMV"]}],
        "datePublished": [{"@value": "2019-10-16", "@type": "Date"}, "2020-01-05"],
        "dateModified": {"@value": "2021-02-01T08:00:00+08:00"},
        "offers": [{"@type": "Offer", "validFrom": "2019-10-20"},
                   {"@type": "Offer", "validFrom": ["2019-11-01"]}],
    }]}
    html = f'<html><head><script type="application/ld+json">{json.dumps(ld)}</script></head></html>'
    found = page.extract(html.encode(), {}, "https://copycat.example/products/throw", TODAY)
    dates = sorted((c.kind, c.value.isoformat()) for c in found.claims if c.detail.startswith("JSON-LD"))
    assert dates == [("modified", "2021-02-01"), ("published", "2019-10-16"), ("published", "2019-10-20"),
                     ("published", "2019-11-01"), ("published", "2020-01-05")]
    segments = found.doc.segments
    assert [t for w, t in segments if w == "json-ld brand"] == ["LUMIVA", "Lumiva Home", "LMV"]
    assert [t for w, t in segments if w == "json-ld name"] == ["Sandy Throw Blanket", "Sandy Throw"]


def test_headers() -> None:
    found = page.header_claims({"last-modified": "Thu, 02 Oct 2025 20:40:05 GMT",
                                "date": "Sun, 29 Nov 2026 03:00:00 GMT"})
    assert [(c.kind, c.value, c.weight) for c in found] == [
        ("modified", date(2025, 10, 2), page.W_LAST_MODIFIED), ("fetched", date(2026, 11, 29), 0.0)]
    assert page.header_claims({"last-modified": "yesterday-ish"}) == []


def test_wordpress_upload_folders_have_month_precision() -> None:
    found = claims_of("woo/product/rose-planter/index.html")
    uploads = [c for c in found.claims if c.kind == "uploaded"]
    assert {(c.scope, c.value, c.precision) for c in uploads} == {
        ("page", date(2024, 2, 1), "month"), ("site", date(2023, 12, 1), "month")}
    assert {(c.kind, c.value) for c in found.claims} >= {("published", date(2024, 2, 3)),
                                                          ("modified", date(2025, 6, 1))}


def test_upload_times_are_read_in_every_way_a_page_writes_an_image_url() -> None:
    # Absolute and shop-relative Shopify URLs, and both kinds inside inline JSON (`\\/`), in one
    # page: each is read once, shown as the page means it.
    html = (
        '<img src="//cdn.shopify.com/s/files/1/0001/products/lamp_600x.jpg?v=1586736000">'
        '<img src="/cdn/shop/files/logo.png?width=200&amp;v=1580515200">'
        '<script>var p = {"img": "https:\\/\\/cdn.shopify.com\\/s\\/files\\/1\\/0001\\/files\\/'
        'banner.webp?v=1577836800", "rel": "\\/cdn\\/shop\\/files\\/badge.png?v=1583020800",'
        ' "wp": "https:\\/\\/x.example\\/wp-content\\/uploads\\/2019\\/07\\/pot-300x300.jpg"}</script>'
        '<img src="/wp-content/uploads/2018/11/pot.jpg">'
    )
    found = page.asset_claims(html, {"https://cdn.shopify.com/s/files/1/0001/products/lamp.jpg"})
    shown = {(c.scope, c.value, c.detail.rsplit(": ", 1)[1]) for c in found}
    assert shown == {
        ("page", date(2020, 4, 13), "cdn.shopify.com/s/files/1/0001/products/lamp_600x.jpg?v=1586736000"),
        ("site", date(2020, 2, 1), "/cdn/shop/files/logo.png?width=200&amp;v=1580515200"),
        ("site", date(2020, 1, 1), "cdn.shopify.com/s/files/1/0001/files/banner.webp?v=1577836800"),
        ("site", date(2020, 3, 1), "/cdn/shop/files/badge.png?v=1583020800"),
        ("site", date(2019, 7, 1), "/wp-content/uploads/2019/07/pot-300x300.jpg"),
        ("site", date(2018, 11, 1), "/wp-content/uploads/2018/11/pot.jpg"),
    }


def test_generic_page() -> None:
    found = claims_of("generic/index.html", {"last-modified": "Sat, 03 Aug 2024 10:00:00 GMT"})
    kinds = {(c.kind, c.value) for c in found.claims}
    assert ("published", date(2024, 8, 1)) in kinds
    assert ("declared", date(2024, 8, 3)) in kinds  # <time datetime>
    assert ("text", date(2025, 3, 5)) in kinds
    assert ("modified", date(2024, 8, 3)) in kinds


def test_text_date_formats() -> None:
    text = "Posted 2019-03-05, 2018年7月9日 and on 5 March 2017 or Jan. 2, 2016; not 2019-13-45"
    found = [c.value for c in page.text_dates(text)]
    assert found == [date(2016, 1, 2), date(2017, 3, 5), date(2018, 7, 9), date(2019, 3, 5)]


def test_hostile_markup_never_raises() -> None:
    for body in [b"", b"\x00\xff\xfe", b"<", b"<html><head><script type='application/ld+json'>{{{</script>",
                 (ROOT / "hostile/malformed.html").read_bytes(), b"<div>" * 50_000,
                 "<p>中文 日期 2023年5月1日</p>".encode("gb18030")]:
        page.extract(body, {}, "https://shop.example/", TODAY)
    found = claims_of("hostile/malformed.html")
    assert date(2023, 7, 9) in {c.value for c in found.claims}
    assert not any(c.value.year > 2026 for c in found.claims)  # ?v=99999999999999 is not a date


def test_implausible_dates_are_dropped() -> None:
    html = ('<meta property="article:published_time" content="1980-01-01">'
            '<meta property="article:modified_time" content="2090-01-01">')
    assert page.extract(html, {}, "", TODAY).claims == []


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=3000) | st.text(max_size=3000).map(lambda s: s.encode("utf-8", "replace")))
def test_any_bytes_are_read_without_raising(body: bytes) -> None:
    found = page.extract(b"<html><body>" + body, {"last-modified": body[:40].decode("latin-1")},
                         "https://shop.example/", TODAY)
    assert all(date(1995, 1, 1) <= c.value <= TODAY for c in found.claims)


@given(st.text(max_size=200))
def test_date_parsers_never_raise(text: str) -> None:
    for parse in (dates.parse_iso, dates.parse_http_date, amazon.parse_date, dates.from_wayback):
        parse(text)
