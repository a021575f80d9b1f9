"""The same page under its other names: tracking parameters, www, non-Latin paths."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from chatbot.config import Settings
from chatbot.context import Context
from chatbot.db import Database
from chatbot.evidence import platform_api
from chatbot.evidence.engine import EvidenceEngine, LookupRequest
from chatbot.net.canonical import canonical_url, comparable, page_forms
from tests.fixtures.sites.server import Web, resolver, serve, settings_for


@pytest.fixture(scope="module")
def web() -> Iterator[Web]:
    with serve() as running:
        yield running


def engine_for(web: Web, settings: Settings, db: Database) -> EvidenceEngine:
    return EvidenceEngine(Context(settings_for(web, settings), db), resolver=resolver)  # type: ignore[arg-type]


def source(result: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in result["sources"] if s["name"] == name)


@pytest.mark.parametrize(("pasted", "canonical"), [
    ("http://copycat-shop.com/products/lamp?variant=39912345678&utm_source=facebook",
     "http://copycat-shop.com/products/lamp"),
    ("https://shop.example/products/a?fbclid=IwAR0x&gclid=Cj0K&ref=ig&size=L", "https://shop.example/products/a?size=L"),
    ("https://shop.example/?p=4127&utm_medium=social&mc_eid=9f", "https://shop.example/?p=4127"),
    ("https://shop.example/item?_pos=1&_sid=a1b2&_ss=r&srsltid=AfmB", "https://shop.example/item"),
    # Shopify search and recommendations, the Shop app, Klaviyo, Google Ads, affiliate apps
    ("https://shop.example/products/a?_pos=2&_psq=lamp&_ss=e&_v=1.0", "https://shop.example/products/a"),
    ("https://shop.example/products/a?pr_prod_strat=e5_desc&pr_rec_id=1f&pr_rec_pid=77&pr_ref_pid=76&pr_seq=uniform",
     "https://shop.example/products/a"),
    ("https://shop.example/products/a?_ab=0&_fd=0&_sc=1", "https://shop.example/products/a"),
    ("https://shop.example/products/a?_kx=Ab.Cd&gad_source=1&gad_campaignid=22&_gl=1*x", "https://shop.example/products/a"),
    ("https://shop.example/products/a?sca_ref=511.x&rfsn=7.a&irgwc=1", "https://shop.example/products/a"),
    ("https://shop.example/products/a?__hstc=1.2&__hssc=3&_hsenc=p2&UTM_Source=x", "https://shop.example/products/a"),
    # WooCommerce: the chosen variation is the same product page
    ("https://shop.example/product/rose/?attribute_pa_color=red&attribute_size=L", "https://shop.example/product/rose/"),
    # AliExpress and Temu share links
    ("https://shop.example/item/1.html?spm=a2g0o&scm=1007&pvid=9&algo_pvid=9&aff_fcid=3&aff_trace_key=4",
     "https://shop.example/item/1.html"),
    ("https://shop.example/g-1.html?_x_ads_channel=google&refer_page_name=home&_x_sessn_id=7",
     "https://shop.example/g-1.html"),
    # the pairs that stay are kept exactly as written: an archive keys the page by them
    ("https://shop.example/search?q=desk+lamp&utm_source=x&c=%e5%8f%b0", "https://shop.example/search?q=desk+lamp&c=%e5%8f%b0"),
    ("https://shop.example/p?a=1&&b=&utm_medium=x", "https://shop.example/p?a=1&b="),
])
def test_tracking_parameters_are_not_part_of_the_page(pasted: str, canonical: str) -> None:
    assert str(canonical_url(httpx.URL(pasted))) == canonical
    assert comparable(pasted) == comparable(canonical)


def test_forms_cover_www_and_the_link_as_given() -> None:
    forms = page_forms(httpx.URL("https://www.shop.example/products/a?utm_source=x"))
    assert forms.ordered() == [("canonical", "www.shop.example/products/a"),
                               ("as_given", "www.shop.example/products/a?utm_source=x"),
                               ("alternate_host", "shop.example/products/a")]


def test_wayback_finds_the_page_behind_a_tracked_link(web: Web, settings: Settings, db: Database) -> None:
    url = web.shop("copycat-shop.com", "/products/lamp?variant=39912345678&utm_source=facebook")
    result = engine_for(web, settings, db).check(LookupRequest(url, only=frozenset({"wayback"})))
    wayback = source(result, "wayback")
    page = next(c for c in wayback["dates"] if c["scope"] == "page")
    assert page["value"] == "2020-03-14"
    assert wayback["info"]["page_match"]["form"] == "canonical"
    assert wayback["info"]["page_match"]["original"] == "http://copycat-shop.com/products/lamp"
    assert result["page_first_seen"]["date"] == "2020-03-14"


@pytest.mark.parametrize("path", [
    "/panasonic-85mm-%e9%8f%a1%e9%a0%ad%e8%a9%95%e6%b8%ac/",
    "/panasonic-85mm-%E9%8F%A1%E9%A0%AD%E8%A9%95%E6%B8%AC/",
    "/panasonic-85mm-鏡頭評測/",
])
def test_wordpress_slug_in_chinese(web: Web, settings: Settings, db: Database, path: str) -> None:
    result = engine_for(web, settings, db).check(
        LookupRequest(web.shop("lens-notes.net", path), only=frozenset({"page", "platform_api"})))
    assert result["platform"] == "wordpress"
    api = source(result, "platform_api")
    assert api["ok"], api
    assert any(c["kind"] == "published" and c["value"] == "2020-11-03" for c in api["dates"])
    assert result["page_first_seen"]["date"] == "2020-11-03"


@pytest.mark.parametrize(("path", "handle"), [
    ("/products/%E5%8F%B0%E7%81%AF-led", "台灯-led"),
    ("/products/台灯-led.json", "台灯-led"),
    ("/products/лампа", "лампа"),
    ("/collections/x/products/aurora-lamp", "aurora-lamp"),
    # scripts written with combining marks: vowel signs, tone marks, a decomposed accent
    ("/products/दीपक-लैंप", "दीपक-लैंप"),
    ("/products/%E0%A4%A6%E0%A5%80%E0%A4%AA%E0%A4%95", "दीपक"),
    ("/products/โคมไฟตั้งโต๊ะ", "โคมไฟตั้งโต๊ะ"),
    ("/products/விளக்கு", "விளக்கு"),
    ("/products/cafe%CC%81-lamp", "cafe\u0301-lamp"),
    ("/products/%d9%85%d9%90%d8%b5%d9%92%d8%a8%d8%a7%d8%ad", "مِصْباح"),
    ("/products/_hidden", None),
])
def test_shopify_handles_in_any_script(path: str, handle: str | None) -> None:
    assert platform_api.shopify_handle(path) == handle
    if handle:
        assert platform_api.path_part(handle).isascii()
        assert path.endswith(".json") or platform_api.wordpress_slug(path) == handle.lower()


def test_wordpress_slug_reader() -> None:
    assert platform_api.wordpress_slug("/2020/11/03/%E9%8F%A1%E9%A0%AD/") == "鏡頭"
    assert platform_api.wordpress_slug("/Rose-Planter/") == "rose-planter"
    assert platform_api.wordpress_slug("/") is None
    assert platform_api.wordpress_slug("/2019/03/05/Rose-Planter.html") == "rose-planter"  # .html permalinks
    assert platform_api.wordpress_slug("/%E0%A4%A6%E0%A5%80%E0%A4%AA%E0%A4%95/") == "दीपक"


@pytest.mark.parametrize("path", ["/products/%E5%8F%B0%E7%81%AF-led", "/products/台灯-led"])
def test_shopify_chinese_handle(web: Web, settings: Settings, db: Database, path: str) -> None:
    result = engine_for(web, settings, db).check(
        LookupRequest(web.shop("copycat-shop.com", path), brand="LUMIVA", only=frozenset({"platform_api"})))
    api = source(result, "platform_api")
    assert any(c["kind"] == "created" and c["value"] == "2021-05-18" for c in api["dates"]), api
    assert any(h["where"] == "platform description" for h in result["brand_hits"])
