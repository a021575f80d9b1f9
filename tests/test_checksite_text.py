"""Words keep their boundaries in every text we read, and the brand scan reads the platform's
own product text; when nothing is corroborated, items of one source vouch for each other."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import lxml.html
import pytest

from chatbot.config import Settings
from chatbot.context import Context
from chatbot.db import Database
from chatbot.evidence import combiner, listing, page
from chatbot.evidence.engine import EvidenceEngine, LookupRequest
from chatbot.evidence.model import DateClaim
from chatbot.evidence.present import blocklist_text, estimate_text, where_label
from chatbot.evidence.text import MAX_NODES, fragment_text, visible_text
from tests.fixtures.sites.server import ROOT, Web, resolver, serve, settings_for

TODAY = date(2026, 11, 29)


@pytest.mark.parametrize(("markup", "text"), [
    ("<h1>Sandy Throw Blanket</h1><p>LUMIVA quality.</p>", "Sandy Throw Blanket LUMIVA quality."),
    ("<p>Care<br>Machine wash</p>", "Care Machine wash"),
    ("<table><tr><td>Size</td><td>130x160cm</td></tr></table>", "Size 130x160cm"),
    ("<ul><li>Soft</li><li>Warm</li></ul>", "Soft Warm"),
    ("<p>Lu<b>mi</b>va<!-- x -->Home<script>var a=1</script>!</p>", "LumivaHome!"),
    ("<div>Im Angebot von Amazon.de seit</div><div>15. Oktober 2018</div>",
     "Im Angebot von Amazon.de seit 15. Oktober 2018"),
    ("<center>Winter Sale</center>LUMIVA", "Winter Sale LUMIVA"),
    ("<dir><li>Soft</li></dir>LUMIVA", "Soft LUMIVA"),
    ("<menu><li>Home</li></menu>LUMIVA", "Home LUMIVA"),
    ("Throw<search>LUMIVA</search>", "Throw LUMIVA"),
    ("Throw<marquee>LUMIVA sale</marquee>", "Throw LUMIVA sale"),
    ("<select><optgroup label='Colour'>Sand</optgroup><option>LUMIVA</option></select>", "Sand LUMIVA"),
    ("Throw<xmp>LUMIVA</xmp>", "Throw LUMIVA"),
    ("Lumi<wbr>va <a href='#'>Ho</a><span>me</span>", "Lumiva Home"),
])
def test_block_boundaries_separate_words(markup: str, text: str) -> None:
    assert visible_text(lxml.html.fromstring(f"<div>{markup}</div>")) == text
    assert fragment_text(markup) == text


def test_listing_words_keep_their_boundaries() -> None:
    shop = listing.shop_listing(
        "<html><body><h1>Sandy<br>Throw Blanket</h1><ul><li><b>Soft:</b><br>LUMIVA fleece keeps you warm</li>"
        "</ul></body></html>", "https://copycat-shop.com/")
    assert shop.title == "Sandy Throw Blanket"
    assert "Soft: LUMIVA fleece keeps you warm" in [p.text for p in shop.passages]
    own = listing.amazon_listing(
        "<html><body><span id='productTitle'>LUMIVA<br>Sandy Throw Blanket</span>"
        "<div id='productDescription'><p>Cosy on the sofa.<br>LUMIVA quality in every stitch</p></div>"
        "</body></html>", "https://www.amazon.com/")
    assert own.title == "LUMIVA Sandy Throw Blanket"
    assert "Cosy on the sofa. LUMIVA quality in every stitch" in " ".join(p.text for p in own.passages)


def test_deep_and_wide_markup_is_walked_with_a_bound() -> None:
    deep = "<div>" * 200 + "x" + "</div>" * 200
    assert visible_text(lxml.html.fromstring(deep)) == "x"
    wide = lxml.html.fromstring("<div>" + "<p>a</p>" * (MAX_NODES + 1000) + "</div>")
    text = visible_text(wide, limit=5000)
    assert len(text) <= 5000 and text.startswith("a a a")
    marked = lxml.html.fromstring("<div>" + "<p>a</p>" * (MAX_NODES + 10) + "</div>")
    visible_text(marked, in_place=True)
    # The outer div is the first element marked; the walk stops at MAX_NODES.
    assert sum(1 for p in marked.iter("p") if (p.text or "").startswith(" ")) == MAX_NODES - 1


def test_page_text_keeps_boundaries() -> None:
    body = (ROOT / "copycat/products/throw.html").read_bytes()
    evidence = page.extract(body, {}, "https://copycat-shop.com/products/throw", TODAY)
    text = dict(evidence.doc.segments)["text"]
    assert "Sandy Throw Blanket LUMIVA quality." in text and "Care Machine wash" in text
    assert combiner.brand_hits(evidence.doc.segments, "LUMIVA")


@pytest.fixture(scope="module")
def web() -> Iterator[Web]:
    with serve() as running:
        yield running


def _engine(web: Web, settings: Settings, db: Database) -> EvidenceEngine:
    return EvidenceEngine(Context(settings_for(web, settings), db), resolver=resolver)  # type: ignore[arg-type]


def test_brand_in_page_and_platform_text(web: Web, settings: Settings, db: Database) -> None:
    result = _engine(web, settings, db).check(LookupRequest(
        web.shop("copycat-shop.com", "/products/throw"), brand="LUMIVA",
        only=frozenset({"page", "platform_api"})))
    where = {hit["where"] for hit in result["brand_hits"]}
    assert "text" in where and "platform description" in where
    snippet = next(h["snippet"] for h in result["brand_hits"] if h["where"] == "platform description")
    assert "Original design LUMIVA Home" in snippet


def _files(result: dict[str, Any]) -> set[str]:
    return {c.get("item", "") for c in result["site_first_seen"]["support"]}


def test_store_date_from_consistent_files(web: Web, settings: Settings, db: Database) -> None:
    # Nothing corroborates anything (the page alone): the shop's files uploaded in 2016 vouch for
    # each other, and the heavier single 2019 product image does not outrank them.
    result = _engine(web, settings, db).check(LookupRequest(
        web.shop("copycat-shop.com", "/products/throw"), only=frozenset({"page"})))
    site = result["site_first_seen"]
    assert site["date"] == "2016-04-21"
    assert site["rule"] == "consistent_items" and site["confidence"] == "low"
    assert _files(result) >= {"copycat-logo.png", "favicon.png", "free-shipping-banner.jpg"}
    assert not any(c["value"].startswith("2016") for c in site["set_aside"])
    assert result["page_first_seen"]["date"] == "2019-10-16"
    shown = estimate_text(site, "en")
    assert "vouch for each other" in shown and "2016-04-21" in shown


def claim(day: str, item: str, weight: float = 0.5, source: str = "page") -> DateClaim:
    return DateClaim("uploaded", date.fromisoformat(day), source, "site", weight, item, item=item)


def test_one_odd_early_file_is_not_a_consistent_run() -> None:
    claims = [claim("2012-01-01", "odd.png"), claim("2019-03-01", "a.png"), claim("2019-05-01", "b.png"),
              claim("2019-06-01", "c.png"), claim("2019-10-16", "product.jpg", 0.55)]
    estimate = combiner.estimate(claims)
    assert estimate is not None and estimate.value == date(2019, 3, 1) and estimate.rule == "consistent_items"


def test_one_file_in_many_sizes_is_one_item() -> None:
    claims = [claim("2016-04-21", "logo.png"), claim("2016-04-21", "logo.png"),
              claim("2016-04-22", "logo.png"),
              claim("2019-10-16", "product.jpg", 0.55)]
    estimate = combiner.estimate(claims)
    assert estimate is not None and estimate.value == date(2019, 10, 16) and estimate.rule == "heaviest"


def test_files_uploaded_together_are_one_upload() -> None:
    batch = [claim("2017-02-02", "a.png"), claim("2017-02-02", "b.png"), claim("2017-02-02", "c.png"),
             claim("2019-10-16", "product.jpg", 0.55)]
    estimate = combiner.estimate(batch)
    assert estimate is not None and estimate.value == date(2019, 10, 16) and estimate.rule == "heaviest"
    # Two of them on one day and one on another: still two uploads, not three.
    two = [*batch[:2], claim("2017-03-09", "c.png"), batch[3]]
    assert combiner.estimate(two).rule == "heaviest"  # type: ignore[union-attr]
    three = [*two[:3], claim("2017-05-30", "d.png"), batch[3]]
    estimate = combiner.estimate(three)
    assert estimate is not None and estimate.value == date(2017, 2, 2) and estimate.rule == "consistent_items"


def test_corroboration_still_comes_first() -> None:
    claims = [claim("2016-04-21", "a.png"), claim("2016-05-21", "b.png"), claim("2016-06-21", "c.png"),
              claim("2019-10-16", "product.jpg", 0.55), claim("2019-10-20", "", 0.9, source="wayback")]
    estimate = combiner.estimate(claims)
    assert estimate is not None and estimate.rule == "corroborated"


def test_control_characters_in_text_do_not_break_the_reader() -> None:
    root = lxml.html.fromstring(b"<div><p>a\x0bb</p><p>c</p></div>")
    assert "c" in visible_text(root)


@pytest.mark.parametrize(("where", "lang", "label"), [
    ("text", "zh-Hans", "页面正文"), ("meta og:title", "zh-Hant", "分享標題"),
    ("platform body_html", "en", "the shop's product description"), ("title", "en", "the page title"),
])
def test_where_a_brand_word_was_found_is_said_in_the_readers_words(where: str, lang: str, label: str) -> None:
    assert where_label(where, lang) == label  # type: ignore[arg-type]


def test_an_ip_address_is_not_a_blocklist_outage() -> None:
    assert "not a site the blocklist lists" in blocklist_text(
        {"status": "unavailable", "reason": "site_ip_address"}, "en")
    assert blocklist_text({"status": "unavailable", "reason": "error"}, "en") == "not available right now"
