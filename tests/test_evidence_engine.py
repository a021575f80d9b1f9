"""The evidence engine end to end against local storefronts, stand-in services and hostile pages."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from chatbot.config import Settings
from chatbot.context import Context
from chatbot.db import Database, utcnow
from chatbot.evidence.engine import EvidenceEngine, LookupRefused, LookupRequest
from chatbot.evidence.models import SiteLookup
from tests.fixtures.sites.server import ROOT, Web, resolver, serve, settings_for


@pytest.fixture(scope="module")
def web() -> Iterator[Web]:
    with serve() as running:
        yield running


def engine_for(web: Web, settings: Settings, db: Database, **changes: object) -> EvidenceEngine:
    config = settings_for(web, settings, **changes)
    return EvidenceEngine(Context(config, db), resolver=resolver)  # type: ignore[arg-type]


def source(result: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in result["sources"] if s["name"] == name)


def test_shopify_store_dates_with_provenance(web: Web, settings: Settings, db: Database) -> None:
    engine = engine_for(web, settings, db)
    result = engine.check(LookupRequest(web.shop("glowpeak-shop.com", "/products/aurora-lamp"),
                                        since=date(2021, 9, 15), brand="LumiNest"))
    assert result["platform"] == "shopify"
    page = result["page_first_seen"]
    # created_at (trusted) and the CDN upload time agree; the reset published_at does not win.
    assert page["date"] == "2023-04-12"
    assert page["confidence"] == "high"
    assert set(page["sources"]) == {"page", "platform_api"}
    # The page's own claim to date from 2016 is older than the domain: set aside, not believed.
    assert any(c["value"] == "2016-05-01" and c["reason"] == "before_registration" for c in page["set_aside"])
    site = result["site_first_seen"]
    assert site["date"] == "2022-10-28"
    assert {"rdap", "wayback", "platform_api"} <= set(site["sources"])
    comparison = result["comparison"]
    assert comparison["verdict"] == "seller_first"
    assert comparison["days"] == (date(2023, 4, 12) - date(2021, 9, 15)).days
    assert result["brand_hits"] and all("luminest" in h["snippet"].lower() for h in result["brand_hits"])
    assert result["abuse"]["registrar"] == "NameCheap, Inc."
    assert result["abuse"]["registrar_abuse_email"] == "abuse@namecheap.com"
    assert result["abuse"]["host_abuse_email"] == "abuse@cloudflare.com"
    assert [link["timestamp"] for link in result["archive_links"]] == ["20230520114502", "20221115093000"]
    api = source(result, "platform_api")
    published = [d for d in api["dates"] if d["kind"] == "published"]
    assert published and published[0]["value"] == "2024-01-20" and published[0]["weight"] < 0.6
    sitemap = source(result, "sitemap")
    assert sitemap["ok"]
    assert any(d["scope"] == "page" and d["value"] == "2025-10-02" for d in sitemap["dates"])
    # Only same-site sitemaps are followed.
    assert not any("evil-elsewhere" in e["url"] for e in result["evidence"])


def test_a_product_picture_listed_in_the_sitemap_dates_the_page(web: Web, settings: Settings,
                                                                 db: Database) -> None:
    result = engine_for(web, settings, db).check(
        LookupRequest(web.shop("glowpeak-shop.com", "/products/galaxy-star-projector")))
    pictures = [d for d in source(result, "sitemap")["dates"] if d["kind"] == "uploaded"]
    assert [(d["scope"], d["value"]) for d in pictures] == [("page", "2022-11-04")]  # ?v=1667526250
    assert "galaxy.jpg?v=1667526250" in pictures[0]["detail"]


def test_evidence_log_records_every_fetch_with_hash(web: Web, settings: Settings, db: Database) -> None:
    result = engine_for(web, settings, db).check(
        LookupRequest(web.shop("glowpeak-shop.com", "/products/aurora-lamp")))
    log = result["evidence"]
    page = next(e for e in log if e["source"] == "page")
    body = (ROOT / "shopify/products/aurora-lamp.html").read_bytes()
    assert page["status"] == 200
    assert page["sha256"] == hashlib.sha256(body).hexdigest()
    assert page["fetched_at"].endswith("+00:00")
    assert any("platform: Shopify" in line for line in page["extracted"])
    assert {e["source"] for e in log} >= {"page", "platform_api", "sitemap", "wayback", "rdap"}
    assert len({e["url"] for e in log}) == len(log)  # each request logged once
    assert all(e["status"] is not None or e["error"] for e in log)
    js = next(e for e in log if e["url"].endswith("/products/aurora-lamp.js"))
    assert any("created 2023-04-12" in line for line in js["extracted"])


def test_woocommerce_shop(web: Web, settings: Settings, db: Database) -> None:
    result = engine_for(web, settings, db).check(
        LookupRequest(web.shop("bloom-garden.net", "/product/rose-planter/"), since=date(2024, 6, 1)))
    assert result["platform"] == "woocommerce"
    api = source(result, "platform_api")
    kinds = {(d["kind"], d["value"]) for d in api["dates"]}
    assert ("published", "2024-02-03") in kinds and ("modified", "2025-06-01") in kinds
    uploads = [d for d in api["dates"] if d["kind"] == "uploaded" and d["scope"] == "page"]
    assert uploads and uploads[0]["value"] == "2024-02"
    assert result["page_first_seen"]["date"] == "2024-02-03"
    assert result["site_first_seen"]["date"] == "2023-11-20"
    assert result["comparison"]["verdict"] == "page_first"
    assert result["comparison"]["days"] == (date(2024, 6, 1) - date(2024, 2, 3)).days


def test_generic_shop_with_missing_services(web: Web, settings: Settings, db: Database) -> None:
    engine = engine_for(web, settings, db)
    result = engine.check(LookupRequest(web.shop("gadget-corner.org", "/smart-desk-fan")))
    assert result["platform"] == "unknown"
    assert source(result, "platform_api")["error"] == "not_applicable"
    assert source(result, "sitemap")["error"] == "not_found"
    assert source(result, "rdap")["error"] == "not_found"
    assert source(result, "wayback")["ok"] and not source(result, "wayback")["dates"]
    page = result["page_first_seen"]
    # Declared metadata and <time> agree within days: believed, with modest confidence.
    assert page["date"] == "2024-08-01"
    assert page["confidence"] in {"medium", "low"}
    assert result["comparison"] == {"seller_date": None, "seller_source": None, "page_date": "2024-08-01",
                                    "verdict": "inconclusive", "reason": "no_seller_date", "days": None}


def test_results_are_cached_and_stored(web: Web, settings: Settings, db: Database) -> None:
    engine = engine_for(web, settings, db)
    url = web.shop("glowpeak-shop.com", "/products/aurora-lamp")
    first = engine.check(LookupRequest(url))
    hits = len(web.hits)
    second = engine.check(LookupRequest(url + "#reviews", brand="LumiNest", since=date(2020, 1, 1)))
    assert len(web.hits) == hits  # nothing fetched again
    assert second["cached"] and not first["cached"]
    assert second["id"] == first["id"]
    assert second["brand_hits"]  # the brand check runs on the stored words
    assert second["comparison"]["verdict"] == "seller_first"
    third = engine.check(LookupRequest(url, refresh=True))
    assert not third["cached"] and third["id"] != first["id"]
    assert engine.stored(first["id"])["normalized_url"] == first["normalized_url"]
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(SiteLookup)) == 2


def test_cache_expires(web: Web, settings: Settings, db: Database) -> None:
    now = [utcnow()]
    config = settings_for(web, settings, cache_ttl_seconds=60)
    engine = EvidenceEngine(Context(config, db, clock=lambda: now[0]), resolver=resolver)  # type: ignore[arg-type]
    url = web.shop("bloom-garden.net", "/product/rose-planter/")
    first = engine.check(LookupRequest(url))
    now[0] += timedelta(seconds=61)
    assert not engine.check(LookupRequest(url))["cached"]
    assert first["id"] is not None


def test_seller_date_from_amazon(web: Web, settings: Settings, db: Database) -> None:
    result = engine_for(web, settings, db).check(
        LookupRequest(web.shop("glowpeak-shop.com", "/products/aurora-lamp"), asin="B0SELLER01"))
    amazon = source(result, "amazon")
    assert amazon["ok"] and amazon["dates"][0]["value"] == "2021-09-15"
    assert [e["source"] for e in result["evidence"]].count("amazon") == 1
    assert result["comparison"]["seller_source"] == "amazon"
    assert result["comparison"]["verdict"] == "seller_first"
    german = engine_for(web, settings, db).check(
        LookupRequest(web.shop("glowpeak-shop.com", "/products/aurora-lamp"), asin="B0SELLERDE",
                      marketplace="de"))
    assert german["comparison"]["seller_date"] == "2018-10-15"
    assert any("/amazon/de/dp/B0SELLERDE" in e["url"] for e in german["evidence"])


def test_amazon_robot_check_is_reported_not_fatal(web: Web, settings: Settings, db: Database) -> None:
    result = engine_for(web, settings, db).check(
        LookupRequest(web.shop("glowpeak-shop.com", "/products/aurora-lamp"), asin="B0BLOCKED1"))
    assert source(result, "amazon")["error"] == "amazon_blocked"
    assert result["comparison"]["reason"] == "amazon_failed"  # why Amazon gave no date; not "give --asin"
    assert result["page_first_seen"]["date"] == "2023-04-12"


# -- bad input and hostile servers ---------------------------------------------------------------
def test_not_found_page_still_reports_other_sources(web: Web, settings: Settings, db: Database) -> None:
    engine = engine_for(web, settings, db)
    result = engine.check(LookupRequest(web.shop("glowpeak-shop.com", "/products/gone")))
    assert source(result, "page")["error"] == "not_found"
    assert source(result, "rdap")["ok"] and source(result, "wayback")["ok"]
    assert result["site_first_seen"]["date"] == "2022-10-28"


def test_huge_page_is_capped(web: Web, settings: Settings, db: Database) -> None:
    result = engine_for(web, settings, db, fetch_max_bytes=1_000_000).check(
        LookupRequest(web.shop("hostile-shop.com", "/huge")))
    page = source(result, "page")
    assert page["ok"] and page["info"]["truncated"]
    entry = next(e for e in result["evidence"] if e["source"] == "page")
    assert entry["size"] == 1_000_000 and entry["truncated"]


def test_malformed_html_yields_what_it_can(web: Web, settings: Settings, db: Database) -> None:
    engine = engine_for(web, settings, db)
    result = engine.check(LookupRequest(web.shop("hostile-shop.com", "/malformed.html")))
    page = source(result, "page")
    assert page["ok"]
    values = {d["value"] for d in page["dates"]}
    assert "2023-07-09" in values and "2023-07-10" in values
    binary = engine_for(web, settings, db).check(LookupRequest(web.shop("hostile-shop.com", "/binary.html")))
    assert source(binary, "page")["ok"]


def test_xml_bomb_sitemap_is_refused(web: Web, settings: Settings, db: Database) -> None:
    result = engine_for(web, settings, db).check(LookupRequest(web.shop("bomb-shop.com", "/")))
    sitemap = source(result, "sitemap")
    assert not sitemap["ok"] and sitemap["error"] == "xml_refused"
    assert source(result, "page")["ok"]


def test_trickling_server_times_out_alone(web: Web, settings: Settings, db: Database) -> None:
    result = engine_for(web, settings, db, fetch_timeout=2.0).check(
        LookupRequest(web.shop("hostile-shop.com", "/trickle")))
    assert source(result, "page")["error"] == "fetch.timeout"
    assert source(result, "wayback")["ok"]


def test_redirect_loop(web: Web, settings: Settings, db: Database) -> None:
    result = engine_for(web, settings, db).check(LookupRequest(web.shop("hostile-shop.com", "/loop-a")))
    assert source(result, "page")["error"] == "fetch.redirect_loop"


def test_unresolvable_host_is_no_refusal(web: Web, settings: Settings, db: Database) -> None:
    # A name that does not resolve while our services answer: the site may be gone. The lookup
    # runs and reports what the archive and the registry know; nothing is cached for the page.
    result = engine_for(web, settings, db).check(LookupRequest(web.shop("no-such-shop.com", "/products/x")))
    assert source(result, "page")["error"] == "fetch.unresolvable"
    assert result["network"] == {"state": "site_gone", "services_down": []}
    assert source(result, "wayback")["ok"]
    with db.session() as session:
        rows = session.scalars(select(SiteLookup)).all()
        assert all(row.expires_at <= row.created_at for row in rows)


def test_private_address_is_refused_when_not_allowed(web: Web, settings: Settings, db: Database) -> None:
    engine = engine_for(web, settings, db, allow_private_networks=False)
    with pytest.raises(LookupRefused) as caught:
        engine.check(LookupRequest(web.shop("glowpeak-shop.com", "/products/aurora-lamp")))
    assert caught.value.key == "fetch.blocked_address"
    with pytest.raises(LookupRefused) as literal:
        engine.check(LookupRequest("http://169.254.169.254/latest/meta-data/"))
    assert literal.value.key == "fetch.url.ip_literal_private"


def test_redirect_into_private_network_is_refused(web: Web, settings: Settings, db: Database) -> None:
    # Loopback is allowed for the fixture web, but the metadata address never is.
    with pytest.raises(LookupRefused) as caught:
        engine_for(web, settings, db).check(LookupRequest(web.shop("hostile-shop.com", "/to-private")))
    assert caught.value.key == "fetch.blocked_address"


@pytest.mark.parametrize(("text", "key"), [
    ("not a url", "fetch.url.not_url"),
    ("ftp://glowpeak-shop.com/x", "fetch.url.scheme"),
    ("javascript:alert(1)", "fetch.url.scheme"),
    ("http://user:pw@glowpeak-shop.com/", "fetch.url.userinfo"),
    ("", "fetch.url.empty"),
])
def test_invalid_urls_are_refused_before_any_fetch(web: Web, settings: Settings, db: Database,
                                                   text: str, key: str) -> None:
    hits = len(web.hits)
    with pytest.raises(LookupRefused) as caught:
        engine_for(web, settings, db).check(LookupRequest(text))
    assert caught.value.key == key
    assert len(web.hits) == hits


def test_slow_source_is_cut_by_its_deadline_others_report(settings: Settings, db: Database) -> None:
    with serve(delays={"/cdx/": 5.0}) as slow:
        engine = engine_for(slow, settings, db, fetch_timeout=2.0, lookup_timeout=8.0)
        result = engine.check(LookupRequest(slow.shop("glowpeak-shop.com", "/products/aurora-lamp")))
    assert source(result, "wayback")["error"] in {"timeout", "fetch.timeout"}
    assert result["page_first_seen"]["date"] == "2023-04-12"
    assert source(result, "rdap")["ok"]


def test_whole_lookup_is_bounded(settings: Settings, db: Database) -> None:
    with serve(delays={"/rdap/": 4.0}) as slow:
        engine = engine_for(slow, settings, db, fetch_timeout=6.0, lookup_timeout=2.0)
        result = engine.check(LookupRequest(slow.shop("glowpeak-shop.com", "/products/aurora-lamp")))
    rdap = source(result, "rdap")
    assert rdap["error"] == "timeout" and "whole lookup" in rdap["error_detail"]
    assert source(result, "page")["ok"]


def test_a_failed_page_is_stored_but_not_served_from_cache(web: Web, settings: Settings,
                                                          db: Database) -> None:
    engine = engine_for(web, settings, db)
    url = web.shop("glowpeak-shop.com", "/products/gone")
    first = engine.check(LookupRequest(url))
    again = engine.check(LookupRequest(url))
    assert not again["cached"] and again["id"] != first["id"]
    assert engine.stored(first["id"]) is not None


def test_store_on_a_shared_platform_domain(web: Web, settings: Settings, db: Database) -> None:
    result = engine_for(web, settings, db).check(
        LookupRequest(web.shop("glowpeak-2.myshopify.com", "/products/aurora-lamp")))
    assert result["site"] == "glowpeak-2.myshopify.com" and result["shared_platform"] == "myshopify.com"
    rdap = source(result, "rdap")
    # myshopify.com's registration says nothing about this store.
    assert rdap["error"] == "shared_platform" and not rdap["dates"]
    assert rdap["info"]["host_abuse_email"] == "abuse@cloudflare.com"
    assert result["page_first_seen"]["date"] == "2023-04-12"
    assert any("matchType=domain" in e["url"] and "glowpeak-2.myshopify.com" in e["url"]
               for e in result["evidence"])


def test_lookups_side_by_side_in_threads(web: Web, settings: Settings, db: Database) -> None:
    # Chat adapters answer several members at once, each lookup on its own thread and event loop.
    from concurrent.futures import ThreadPoolExecutor

    engine = engine_for(web, settings, db)
    urls = [web.shop("glowpeak-shop.com", "/products/aurora-lamp"),
            web.shop("bloom-garden.net", "/product/rose-planter/"),
            web.shop("gadget-corner.org", "/smart-desk-fan"),
            web.shop("glowpeak-shop.com", "/products/gone")]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda u: engine.check(LookupRequest(u, refresh=True)), urls))
    assert [r["platform"] for r in results][:3] == ["shopify", "woocommerce", "unknown"]
    assert results[0]["page_first_seen"]["date"] == "2023-04-12"
    assert len({r["id"] for r in results}) == 4
