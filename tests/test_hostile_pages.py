"""Work per copycat page is bounded: linear patterns, capped claim counts, capped pairwise loops,
and an extraction budget that ends at the lookup's deadline with the other sources reported.

Assertions count work done (loop steps, claims kept), never wall time.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chatbot.config import Settings
from chatbot.context import Context
from chatbot.db import Database
from chatbot.evidence import assets, combiner, page
from chatbot.evidence import budget as budget_module
from chatbot.evidence.engine import EvidenceEngine, LookupRequest
from chatbot.evidence.model import DateClaim
from tests.fixtures.sites.server import Web, cli_env, hostile_page, resolver, serve, settings_for

TODAY = date(2026, 1, 1)


@pytest.fixture(scope="module")
def web() -> Iterator[Web]:
    with serve() as running:
        yield running


def extract(body: bytes, budget: page.Budget | None = None) -> page.PageEvidence:
    return page.extract(body, {}, "https://copycat.example/p", TODAY, budget=budget)


def test_repeated_asset_urls_are_scanned_once():
    body = hostile_page("asset-urls")
    assert body is not None and len(body) > 190_000
    budget = page.Budget()
    evidence = extract(body, budget)
    assert evidence.complete and evidence.claims == []
    assert budget.steps <= 10  # one URL token, not 32,000 backtracking attempts


def test_shopify_upload_times_are_still_read():
    html = ("<img src='https://cdn.shopify.com/s/files/1/lamp.jpg?width=600&amp;v=1681300000'>"
            "<img src='/cdn/shop/files/b.png?v=1600000000&w=1'>"
            "<img src='https://cdn.shopify.com/s/files/1/not-an-image.css?v=1600000000'>")
    claims = page.asset_claims(html, set())
    assert sorted(c.value for c in claims) == [date(2020, 9, 13), date(2023, 4, 12)]
    assert any("lamp.jpg?width=600&amp;v=1681300000" in c.detail for c in claims)


def test_many_date_tags_keep_capped_claim_counts():
    budget = page.Budget()
    evidence = extract(hostile_page("many-dates", 4) or b"", budget)
    kinds: dict[str, int] = {}
    for claim in evidence.claims:
        kinds[claim.scope + claim.kind] = kinds.get(claim.scope + claim.kind, 0) + 1
    assert kinds.get("pagetext", 0) <= page.MAX_TEXT_CLAIMS
    assert sum(n for k, n in kinds.items() if k.endswith("uploaded")) <= 2 * assets.MAX_ASSET_CLAIMS
    assert len(evidence.claims) <= 2 * page.MAX_DECLARED_CLAIMS + 50 + page.MAX_TEXT_CLAIMS \
        + 2 * assets.MAX_ASSET_CLAIMS + 3
    assert len(evidence.doc.segments) <= page.MAX_SEGMENTS


def test_budget_growth_is_linear_in_the_page():
    steps = []
    for size in (1, 4):
        budget = page.Budget()
        extract(hostile_page("many-dates", size) or b"", budget)
        steps.append(budget.steps)
    assert steps[1] <= 4 * steps[0] + page.MAX_ASSET_URLS  # capped loops grow slower, never faster


def test_extraction_stops_at_the_deadline_with_what_it_found():
    body = hostile_page("many-dates", 4) or b""
    full = page.Budget()
    extract(body, full)
    looks = full.steps // budget_module.CHECK_EVERY  # the looks at the clock a whole run takes
    assert looks >= 8
    ticks = iter(range(10**9))
    deadline = looks // 2
    budget = page.Budget(deadline=deadline, clock=lambda: next(ticks))  # a clock that ticks per look
    evidence = extract(body, budget)
    assert not evidence.complete
    assert budget.steps < deadline * budget_module.CHECK_EVERY


@st.composite
def hostile_markup(draw: st.DrawFn) -> str:
    piece = draw(st.sampled_from([
        "<div>", "<span>", "<time datetime='2021-01-01'>", "<meta name='date' content='2020-02-02'>",
        "cdn.shopify.com/", "x.jpg?", "&amp;v=1600000000", "/wp-content/uploads/2020/01/",
        "2021-05-06 ", "Jan 3, 2020 ", "<script type='application/ld+json'>[[[[", "\\/", "a" * 50,
    ]))
    return draw(st.sampled_from(["<html><body>", ""])) + piece * draw(st.integers(1, 3000))


@given(hostile_markup())
def test_any_page_costs_linear_steps_and_capped_claims(html):
    budget = page.Budget()
    evidence = extract(html.encode(), budget)
    assert budget.steps <= len(html) + 10
    assert len(evidence.claims) <= 2 * page.MAX_DECLARED_CLAIMS + 50 + page.MAX_TEXT_CLAIMS \
        + 2 * assets.MAX_ASSET_CLAIMS + 3


def _claim(day: date, source: str, weight: float = 0.1) -> DateClaim:
    return DateClaim("text", day, source, "page", weight, "x")


def test_the_combiner_caps_each_source():
    start = date(2015, 1, 1)
    flood = [_claim(start + timedelta(days=i % 3000), "page") for i in range(20_000)]
    strong = _claim(date(2022, 1, 1), "platform_api", 0.9)
    kept = combiner.bounded([*flood, strong])
    assert len(kept) == combiner.MAX_CLAIMS_PER_SOURCE + 1
    assert min(c.value for c in kept) == start  # the earliest date is never dropped
    verdict = combiner.combine([*flood, strong])
    assert verdict.page is not None and len(verdict.page.support) <= combiner.MAX_CLAIMS_PER_SOURCE + 1


def test_the_combiner_keeps_a_sources_heaviest_claim():
    claims = [_claim(date(2015, 1, 1) + timedelta(days=i), "page") for i in range(500)]
    claims.append(_claim(date(2020, 1, 1), "page", 0.55))
    assert any(c.weight == 0.55 for c in combiner.bounded(claims))


def engine_for(web: Web, settings: Settings, db: Database, **changes: object) -> EvidenceEngine:
    return EvidenceEngine(Context(settings_for(web, settings, **changes), db), resolver=resolver)  # type: ignore[arg-type]


def source(result: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in result["sources"] if s["name"] == name)


def test_the_lookup_gives_extraction_its_deadline(web, settings, db, monkeypatch):
    """The engine hands extraction a deadline inside the lookup's; when it runs out the page
    reports what it found and every other source still reports."""
    seen: list[float | None] = []
    real = page.extract

    def spent(*args: Any, budget: page.Budget | None = None, **kwargs: Any) -> page.PageEvidence:
        assert budget is not None
        seen.append(budget.deadline)
        return real(*args, budget=page.Budget(deadline=0.0), **kwargs)  # the budget is already gone

    monkeypatch.setattr(page, "extract", spent)
    engine = engine_for(web, settings, db, lookup_timeout=5.0)
    began = time.monotonic()
    result = engine.check(LookupRequest(web.shop("glowpeak-shop.com", "/products/aurora-lamp"), refresh=True))
    assert seen and seen[0] is not None and began < seen[0] <= began + 5.0
    assert source(result, "page")["ok"] and source(result, "page")["info"]["extraction_stopped"]
    assert source(result, "platform_api")["ok"] and source(result, "wayback")["ok"]
    assert result["page_first_seen"] is not None  # the other sources still date the page


def test_checksite_on_the_asset_url_page(run_cli, web):
    """The issue's instance, through the command: the page is read and every source reports."""
    proc = run_cli("checksite", f"{web.base}/hostile/asset-urls", "--json",
                   env=cli_env(web, SELLERGUARD_LOOKUP_TIMEOUT="8"))
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    page_source = next(s for s in result["sources"] if s["name"] == "page")
    assert page_source["ok"] and page_source["error"] is None
    assert {s["name"] for s in result["sources"]} >= {"page", "platform_api", "sitemap", "wayback", "rdap"}


def test_rdap_and_archive_answers_are_read_to_a_bound():
    from chatbot.evidence import rdap, wayback

    nested = {"roles": ["abuse"], "vcardArray": ["vcard", [["email", {}, "text", "a@b.example"]] * 10_000]}
    answer = {"entities": [{"roles": ["registrar"], "entities": [nested] * 1_000}] * 1_000,
              "events": [{"eventAction": "registration", "eventDate": "2020-01-01T00:00:00Z"}] * 10_000}
    assert len(rdap._entities(answer)) == rdap.MAX_ENTITIES
    claims, info = rdap.parse_domain(answer, TODAY)
    assert len(claims) <= rdap.MAX_EVENTS and info["registrar_abuse_email"] == "a@b.example"
    assert rdap.parse_domain({"entities": {"not": "a list"}, "events": "nope"}, TODAY) == ([], {})
    rows = [["timestamp", "original"]] + [["20200101000000", "https://a.example/"]] * 50_000
    assert wayback.first_row([*rows, ["20000101000000", "https://a.example/old"]]) == \
        ("20200101000000", "https://a.example/")  # rows past the cap are not read
