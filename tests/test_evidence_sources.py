"""The parsers behind each source: sitemaps (safely), CDX, RDAP, Amazon, platform endpoints."""

from __future__ import annotations

import json
from datetime import date

import pytest

from chatbot.evidence import amazon, dates, platform_api, rdap, sitemap, wayback
from tests.fixtures.sites.server import ROOT

TODAY = date(2026, 11, 29)


# -- sitemaps ----------------------------------------------------------------------------------
def test_sitemap_index_and_urlset() -> None:
    index = sitemap.parse((ROOT / "shopify/sitemap.xml").read_bytes())
    assert index.kind == "index" and len(index.entries) == 3
    urlset = sitemap.parse((ROOT / "shopify/sitemap_products_1.xml").read_bytes())
    assert urlset.kind == "urlset"
    assert ("https://glowpeak-shop.com/products/aurora-lamp", "2025-10-02T16:40:05-04:00") in urlset.entries
    assert urlset.images == [("https://glowpeak-shop.com/products/galaxy-star-projector",
                              "https://cdn.shopify.com/s/files/1/0712/3456/7890/files/galaxy.jpg?v=1667526250")]


def test_every_address_date_and_picture_of_a_sitemap_url_is_read() -> None:
    body = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml"
        xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
  <url><loc>https://s.example/products/lamp</loc>
    <xhtml:link rel="alternate" hreflang="de" href="https://s.example/de/products/lamp"/>
    <lastmod>2024-06-01</lastmod><lastmod>2021-01-05</lastmod>
    <image:image><image:loc>https://s.example/cdn/shop/products/lamp.jpg?v=1609459200</image:loc></image:image>
    <image:image><image:loc>https://s.example/cdn/shop/products/lamp-2.jpg?v=1612137600</image:loc></image:image>
  </url>
</urlset>"""
    parsed = sitemap.parse(body)
    assert parsed.entries == [("https://s.example/products/lamp", "2024-06-01"),
                              ("https://s.example/products/lamp", "2021-01-05"),
                              ("https://s.example/de/products/lamp", "2024-06-01"),
                              ("https://s.example/de/products/lamp", "2021-01-05")]
    assert [p for loc, p in parsed.images if loc.endswith("/de/products/lamp")] == [
        "https://s.example/cdn/shop/products/lamp.jpg?v=1609459200",
        "https://s.example/cdn/shop/products/lamp-2.jpg?v=1612137600"]


@pytest.mark.parametrize(("body", "code"), [
    ((ROOT / "bomb/sitemap.xml").read_bytes(), "xml_refused"),
    (b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://169.254.169.254/x.dtd"><urlset/>', "xml_refused"),
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><urlset>&e;</urlset>',
     "xml_refused"),
    (b"<urlset><url><loc>x</loc>", "xml_invalid"),
    (b"", "xml_invalid"),
    (b"<html><body>not a sitemap</body></html>", "not_sitemap"),
])
def test_hostile_sitemaps_are_refused(body: bytes, code: str) -> None:
    with pytest.raises(sitemap.SitemapRefused) as caught:
        sitemap.parse(body)
    assert caught.value.code == code


def test_sitemap_url_count_is_bounded() -> None:
    many = b"".join(b"<url><loc>https://s.example/p%d</loc></url>" % i for i in range(sitemap.MAX_URLS + 10))
    head = b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    assert len(sitemap.parse(head + many + b"</urlset>").entries) == sitemap.MAX_URLS


# -- Wayback CDX -------------------------------------------------------------------------------
def test_cdx_first_row_takes_the_earliest_even_in_url_order() -> None:
    answer = [["timestamp", "original", "statuscode"],
              ["20230101000000", "https://a.example/z", "200"],
              ["20191231235959", "https://a.example/b", "301"],
              ["garbage", "https://a.example/c", "200"]]
    assert wayback.first_row(answer) == ("20191231235959", "https://a.example/b")
    assert wayback.first_row([]) is None
    assert wayback.first_row({"error": "x"}) is None
    assert wayback.first_row([["timestamp"], ["20200101"]]) is None


def test_cdx_query_urls() -> None:
    page = wayback.cdx_url("https://web.archive.org", "shop.example/products/a b")
    assert page.startswith("https://web.archive.org/cdx/search/cdx?url=shop.example%2Fproducts%2Fa%20b&")
    assert "limit=1" in page and "matchType" not in page
    assert "matchType=domain" in wayback.cdx_url("https://web.archive.org", "shop.example", domain=True)
    assert wayback.archive_link("https://web.archive.org", "20200101", "https://x/") == \
        "https://web.archive.org/web/20200101/https://x/"


# -- RDAP --------------------------------------------------------------------------------------
def test_rdap_domain() -> None:
    data = json.loads((ROOT / "rdap/domain/glowpeak-shop.com.json").read_text())
    claims, info = rdap.parse_domain(data, TODAY)
    assert [(c.kind, c.value, c.scope) for c in claims] == [("registered", date(2022, 10, 28), "site")]
    assert info == {"expiration": "2026-10-28", "last_changed": "2025-09-30", "registrar": "NameCheap, Inc.",
                    "registrar_iana_id": "1068", "registrar_abuse_email": "abuse@namecheap.com",
                    "registrar_abuse_phone": "+1.6613102107"}
    assert rdap.parse_domain({"events": "nonsense", "entities": [None, 3]}, TODAY) == ([], {})


def test_rdap_ip() -> None:
    data = json.loads((ROOT / "rdap/ip/127.0.0.1.json").read_text())
    assert rdap.parse_ip(data) == {"host_network": "CLOUDFLARENET",
                                   "host_abuse_email": "abuse@cloudflare.com",
                                   "host_owner": "Cloudflare, Inc."}


# -- Amazon ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "expected"), [
    ("September 15, 2021", date(2021, 9, 15)),
    ("15 Sept. 2021", date(2021, 9, 15)),
    ("15. Oktober 2018", date(2018, 10, 15)),
    ("3. März 2020", date(2020, 3, 3)),
    ("1 février 2020", date(2020, 2, 1)),
    ("5 de marzo de 2019", date(2019, 3, 5)),
    ("12 settembre 2019", date(2019, 9, 12)),
    ("2020/6/28", date(2020, 6, 28)),
    ("2017年5月31日", date(2017, 5, 31)),
    ("31.05.2017", date(2017, 5, 31)),
    ("soon", None),
])
def test_amazon_dates_in_every_language(text: str, expected: date | None) -> None:
    assert amazon.parse_date(text) == expected


@pytest.mark.parametrize(("fixture", "expected"), [
    ("B0SELLER01", date(2021, 9, 15)), ("B0SELLERDE", date(2018, 10, 15)), ("B0SELLERJP", date(2020, 6, 28)),
])
def test_amazon_date_first_available(fixture: str, expected: date) -> None:
    found = amazon.find_first_available((ROOT / f"amazon/{fixture}.html").read_text(encoding="utf-8"))
    assert found is not None and found[0] == expected


def test_amazon_labels_fr_es_it_cn() -> None:
    for label, value, expected in [
        ("Date de mise en ligne sur Amazon.fr", "5 mars 2019", date(2019, 3, 5)),
        ("Producto en Amazon.es desde", "5 marzo 2019", date(2019, 3, 5)),
        ("Disponibile su Amazon.it a partire dal", "5 marzo 2019", date(2019, 3, 5)),
        ("Amazon.cn上架时间", "2017年5月31日", date(2017, 5, 31)),
        ("Date first available at Amazon.co.uk:", "5 Mar. 2019", date(2019, 3, 5)),
    ]:
        html = f"<table><tr><th>{label}</th><td>{value}</td></tr></table>"
        assert amazon.find_first_available(html)[0] == expected, label  # type: ignore[index]


def test_amazon_robot_check() -> None:
    assert amazon.is_robot_check((ROOT / "amazon/robot-check.html").read_text())
    assert not amazon.is_robot_check((ROOT / "amazon/B0SELLER01.html").read_text())


# -- platform endpoints --------------------------------------------------------------------------
def test_shopify_trusts_created_at_over_a_reset_published_at() -> None:
    product = json.loads((ROOT / "shopify/products/aurora-lamp.json").read_text())["product"]
    claims = {c.kind: c for c in platform_api.shopify_product_claims(product, "u", TODAY, ".json")}
    assert claims["created"].value == date(2023, 4, 12) and claims["created"].weight >= 0.6
    assert claims["published"].value == date(2024, 1, 20) and claims["published"].weight < 0.6
    assert "can reset" in claims["published"].detail
    assert claims["uploaded"].value == date(2023, 4, 12)


def test_shopify_store_listing() -> None:
    data = json.loads((ROOT / "shopify/products.json").read_text())
    claims, info = platform_api.shopify_store_claims(data, "u", TODAY)
    assert info == {"products_listed": 3}
    # 21:44 at -04:00 on the 3rd is the 4th in UTC.
    assert [(c.scope, c.value) for c in claims] == [("site", date(2022, 11, 4))]
    assert platform_api.shopify_store_claims({"products": "x"}, "u", TODAY) == ([], {})


def test_handles_and_slugs() -> None:
    assert platform_api.shopify_handle("/products/aurora-lamp") == "aurora-lamp"
    assert platform_api.shopify_handle("/collections/lamps/products/aurora-lamp.json") == "aurora-lamp"
    assert platform_api.shopify_handle("/pages/about") is None
    assert platform_api.wordpress_slug("/product/rose-planter/") == "rose-planter"
    assert platform_api.wordpress_slug("/") is None


def test_wordpress_dates_are_gmt() -> None:
    items = json.loads((ROOT / "woo/wp-json/wp/v2/product/rose-planter.json").read_text())
    claims = platform_api.wordpress_claims(items, "u", TODAY, "wp/v2/product")
    assert [(c.kind, c.value) for c in claims] == [("published", date(2024, 2, 3)),
                                                   ("modified", date(2025, 6, 1))]
    assert platform_api.wordpress_claims([], "u", TODAY, "x") == []


# -- date spellings ------------------------------------------------------------------------------
def test_date_parsers() -> None:
    assert dates.parse_iso("2023-04-12T23:30:00-04:00") == date(2023, 4, 13)
    assert dates.parse_iso("2023-04-12T09:15:22+0800") == date(2023, 4, 12)
    assert dates.parse_iso("2023-02-30") is None and dates.parse_iso(None) is None
    assert dates.parse_http_date("Tue, 05 Mar 2019 23:20:00 GMT") == date(2019, 3, 5)
    assert dates.from_wayback("20190305102000") == date(2019, 3, 5) and dates.from_wayback("2019") is None
    assert dates.from_unix(1681305322) == date(2023, 4, 12)
