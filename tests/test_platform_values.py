"""Platform answers carry several values of one fact (variants, images, posts, pages of
products): every value is read, and the earliest dates the product or the store."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from typing import Any

from chatbot.evidence import page, platform_api
from chatbot.evidence.model import FetchRecord, SourceResult
from tests.fixtures.sites.server import ROOT

TODAY = date(2026, 11, 29)


def _by_kind(claims: list[Any]) -> dict[str, date]:
    return {c.kind: c.value for c in claims}


def test_shopify_json_reads_every_variant_date() -> None:
    # A product re-created by an import keeps its variants' original records.
    product = json.loads((ROOT / "shopify/products/aurora-lamp.json").read_text())["product"]
    first = {**product["variants"][0], "created_at": "2024-05-02T08:00:00-04:00"}
    second = {**product["variants"][0], "id": 44587212341544, "title": "Warm white",
              "created_at": "2023-02-14T11:30:00-05:00", "updated_at": "2023-03-01T09:00:00-05:00"}
    product = {**product, "created_at": "2024-05-02T08:00:00-04:00", "variants": [first, second]}
    claims = _by_kind(platform_api.shopify_product_claims(product, "u", TODAY, ".json"))
    assert claims["created"] == date(2023, 2, 14)
    assert claims["modified"] == date(2023, 3, 1)


def test_shopify_js_picture_urls_carry_their_upload_time() -> None:
    # The `.js` shape lists pictures as URLs: no image created_at, only `?v=<unix time>`.
    product = json.loads((ROOT / "shopify/products/aurora-lamp.js").read_text())
    product["images"].append("//glowpeak-shop.com/cdn/shop/files/aurora-lamp-box.jpg?v=1650000000")
    claims = platform_api.shopify_product_claims(product, "u", TODAY, ".js")
    uploaded = [c for c in claims if c.kind == "uploaded"]
    assert [c.value for c in uploaded] == [date(2022, 4, 15)]
    assert "aurora-lamp-box.jpg" in uploaded[0].detail


def test_shopify_js_variant_pictures_are_read() -> None:
    product = json.loads((ROOT / "shopify/products/aurora-lamp.js").read_text())
    product["variants"].append({**product["variants"][0], "id": 44587212341545, "featured_image": {
        "id": 41279112601899, "created_at": "2022-12-01T10:00:00-05:00",
        "src": "//glowpeak-shop.com/cdn/shop/files/aurora-lamp-blue.jpg?v=1669906800"}})
    claims = _by_kind(platform_api.shopify_product_claims(product, "u", TODAY, ".js"))
    assert claims["uploaded"] == date(2022, 12, 1)


def test_products_json_reads_variant_created_at() -> None:
    data = json.loads((ROOT / "shopify/products.json").read_text())
    data["products"][0]["variants"] = [{"id": 1, "created_at": "2021-06-30T22:10:00-04:00"}]
    claims, _ = platform_api.shopify_store_claims(data, "u", TODAY)
    assert [c.value for c in claims] == [date(2021, 7, 1)]  # 22:10 at -04:00 is the 1st in UTC


class _Pages:
    """A shop whose `/products.json` lists its products newest first, 250 a page."""

    def __init__(self, pages: list[list[dict[str, Any]]]) -> None:
        self.pages = pages
        self.asked: list[str] = []

    async def get_json(self, url: str, **_: Any) -> tuple[Any, FetchRecord]:
        self.asked.append(url)
        page = int(url.rsplit("page=", 1)[1]) if "page=" in url else 1
        products = self.pages[page - 1] if page <= len(self.pages) else []
        return {"products": products}, FetchRecord("platform_api", url, "2026-11-29T00:00:00Z", status=200)


def test_products_json_reads_every_page() -> None:
    newest = [{"handle": f"lamp-{i}", "created_at": "2025-01-10T10:00:00Z"} for i in range(250)]
    oldest = [{"handle": "first-lamp", "created_at": "2020-08-09T10:00:00Z"}]
    client = _Pages([newest, oldest])
    info: dict[str, Any] = {}
    result = SourceResult("platform_api")
    url, parse, follow = platform_api.shopify_probes("https://s.example", None, TODAY, info)[0]
    asyncio.run(platform_api._probe(client, url, parse, result, follow))  # type: ignore[arg-type]
    assert [c.value for c in result.dates] == [date(2025, 1, 10), date(2020, 8, 9)]
    assert info == {"products_listed": 251}
    assert client.asked[-1] == "https://s.example/products.json?limit=250&page=2"


def test_products_json_pages_are_capped() -> None:
    full = [{"handle": "x", "created_at": "2025-01-10T10:00:00Z"}] * 250
    client = _Pages([full] * 10)
    url, parse, follow = platform_api.shopify_probes("https://s.example", None, TODAY, {})[0]
    asyncio.run(platform_api._probe(client, url, parse, SourceResult("platform_api"), follow))  # type: ignore[arg-type]
    assert len(client.asked) == platform_api.MAX_STORE_PAGES


def test_wordpress_reads_every_post_of_one_slug() -> None:
    # The same slug as a product and as its translation: the earlier post dates the product.
    items = json.loads((ROOT / "woo/wp-json/wp/v2/product/rose-planter.json").read_text())
    items = [*items, {**items[0], "id": 977, "date_gmt": "2023-09-18T06:00:00",
                      "modified_gmt": "2023-09-20T06:00:00"}]
    claims = _by_kind(platform_api.wordpress_claims(items, "u", TODAY, "wp/v2/product"))
    assert claims["published"] == date(2023, 9, 18)
    assert claims["modified"] == date(2023, 9, 20)


def test_wordpress_date_when_date_gmt_is_empty() -> None:
    items = [{"id": 5, "date": "2022-03-04T09:00:00", "date_gmt": None, "modified": "2022-03-05T09:00:00"}]
    claims = _by_kind(platform_api.wordpress_claims(items, "u", TODAY, "wp/v2/posts"))
    assert claims == {"published": date(2022, 3, 4), "modified": date(2022, 3, 5)}


def test_wordpress_embedded_media_dates() -> None:
    items = [{"id": 5, "date_gmt": "2024-02-03T10:00:00", "_embedded": {"wp:featuredmedia": [
        {"id": 6, "date_gmt": "2023-11-20T08:00:00", "source_url": "https://w.example/a.jpg"}]}}]
    claims = _by_kind(platform_api.wordpress_claims(items, "u", TODAY, "wp/v2/product"))
    assert claims["uploaded"] == date(2023, 11, 20)


def test_store_api_reads_every_product_and_srcset_url() -> None:
    items = json.loads((ROOT / "woo/wp-json/wc/store/v1/products/rose-planter.json").read_text())
    second = {**items[0], "id": 420, "images": [{
        "id": 421, "src": "https://bloom-garden.net/wp-content/uploads/2024/02/rose-planter-2.jpg",
        "srcset": "https://bloom-garden.net/wp-content/uploads/2024/02/rose-planter-2-300x300.jpg 300w, "
                  "https://bloom-garden.net/wp-content/uploads/2023/07/rose-planter-2-600x600.jpg 600w"}]}
    claims = platform_api.store_api_claims([*items, second], "u", TODAY)
    assert [(c.value, c.precision) for c in claims] == [(date(2023, 7, 1), "month")]


def test_media_reads_every_item() -> None:
    items = [{"date_gmt": None, "date": "2023-01-09T22:00:00"},
             {"date_gmt": "2023-12-05T14:02:00"}]
    claims = platform_api.media_claims(items, "u", TODAY)
    assert [(c.value, c.scope) for c in claims] == [(date(2023, 1, 9), "site")]


def test_repeated_last_modified_headers_are_each_read() -> None:
    # Sent twice (the shop and the cache in front of it), the values arrive joined with ", ".
    headers = {"last-modified": "Wed, 02 Oct 2025 20:40:05 GMT, Thu, 13 Apr 2023 09:15:22 GMT"}
    claims = page.header_claims(headers, "u")
    assert [(c.kind, c.value) for c in claims] == [("modified", date(2023, 4, 13))]
    assert page.header_claims({"last-modified": "Tue, 05 Mar 2019 23:20:00 GMT"})[0].value == date(2019, 3, 5)
    assert page.header_claims({"last-modified": "yesterday"}) == []
