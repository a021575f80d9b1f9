"""An Amazon product address is the seller's own listing, never the complainant's site: wherever
a case takes a storefront (its questions, `/case N site`, a bare address offered to the open case)
it is read as the case's ASIN, said so in the seller's language, and the question stays open."""

from __future__ import annotations

import pytest

from chatbot.asin import amazon_product_asin


@pytest.mark.parametrize(("typed", "expected"), [
    ("https://www.amazon.co.uk/x/dp/B08XYZ1234", "B08XYZ1234"),
    ("https://www.amazon.com/Sunset-Lamp/dp/b08xyz1234/ref=sr_1_3?qid=1681305322&th=1", "B08XYZ1234"),
    ("amazon.de/gp/product/B0C1LUMI42?psc=1", "B0C1LUMI42"),
    ("https://m.amazon.co.jp/gp/aw/d/B0C1LUMI42/ref=mw_x", "B0C1LUMI42"),
    ("HTTPS://WWW.AMAZON.COM.MX/dp/B0C1LUMI42", "B0C1LUMI42"),
    ("http://smile.amazon.com/dp/B0C1LUMI42", "B0C1LUMI42"),
    ("www.amazon.in/dp/0312345679", "0312345679"),
    ("https://www.amazon.com.au:443/dp/B0C1LUMI42/", "B0C1LUMI42"),
])
def test_amazon_product_addresses(typed: str, expected: str) -> None:
    assert amazon_product_asin(typed) == expected


@pytest.mark.parametrize("typed", [
    "https://www.amazon.com/stores/Lumora/page/1A2B3C",  # a brand store: could be the complainant's
    "https://www.amazon.com/sp?seller=A1B2C3D4E5F6G7",  # a seller profile
    "https://www.amazon.com/s?k=B0C1LUMI42",  # a search
    "https://copycat.example/dp/B0C1LUMI42",  # not an Amazon host
    "https://amazon.copycat.example/dp/B0C1LUMI42",
    "https://www.amazon.com.copycat.example/dp/B0C1LUMI42",
    "https://www.amazon.xyz/dp/B0C1LUMI42",  # no such marketplace
    "ftp://www.amazon.com/dp/B0C1LUMI42",
    "https://amzn.to/3xYzAbC",  # a short link names no ASIN
    "https://www.amazon.com/dp/B0C1LUMI42 https://www.amazon.com/dp/B0C1LUMI43",
    "B0C1LUMI42",
    "",
])
def test_other_addresses_are_not_amazon_products(typed: str) -> None:
    assert amazon_product_asin(typed) is None


def _case(reply) -> dict:  # type: ignore[no-untyped-def]
    return reply.data["case"]


def test_an_amazon_address_answering_a_question_is_the_asin(chat) -> None:  # type: ignore[no-untyped-def]
    case_id = chat("/notice")[0].data["case"]["id"]
    reply = chat.one("https://www.amazon.co.uk/x/dp/B08XYZ1234")
    assert reply.ok and "Added the complainant's site" not in reply.text
    assert "your own listing" in reply.text and "B08XYZ1234" in reply.text
    assert reply.data["question"] == "complaint_type"  # the question asked is still open
    case = _case(chat.one(f"/case {case_id}"))
    assert case["asins"] == ["B08XYZ1234"] and case["storefront_urls"] == []


def test_the_storefront_question_stays_open_after_an_amazon_address(chat) -> None:  # type: ignore[no-untyped-def]
    chat("/notice copyright")
    chat("skip")  # the listing date
    asked = chat.one("skip")  # the brand word
    assert asked.data["question"] == "storefront"
    for typed, asin in (("amazon.de/gp/aw/d/B0C1LUMI42", "B0C1LUMI42"),
                        ("https://www.amazon.com/gp/product/B0C1LUMI43?th=1", "B0C1LUMI43")):
        reply = chat.one(typed)
        assert reply.ok and reply.data["question"] == "storefront" and asin in reply.text
    done = chat.one("copycat-shop.example/products/lamp")
    assert _case(done)["asins"] == ["B0C1LUMI42", "B0C1LUMI43"]
    assert _case(done)["storefront_urls"] == ["https://copycat-shop.example/products/lamp"]


def test_an_amazon_brand_store_is_still_a_storefront(chat) -> None:  # type: ignore[no-untyped-def]
    case_id = chat("/notice")[0].data["case"]["id"]
    store = "https://www.amazon.com/stores/Lumora/page/1A2B3C"
    reply = chat.one(f"/case {case_id} site {store}")
    assert _case(reply)["storefront_urls"] == [store] and _case(reply)["asins"] == []


def test_case_site_with_an_amazon_address(chat) -> None:  # type: ignore[no-untyped-def]
    case_id = chat("/notice trademark")[0].data["case"]["id"]
    reply = chat.one(f"/case {case_id} site https://www.amazon.fr/dp/B0C1LUMI42")
    assert reply.ok and _case(reply)["asins"] == ["B0C1LUMI42"] and _case(reply)["storefront_urls"] == []
    assert reply.text.startswith("https://www.amazon.fr/dp/B0C1LUMI42 is an Amazon product page")


def test_a_bare_amazon_address_is_offered_as_the_asin(chat) -> None:  # type: ignore[no-untyped-def]
    chat("/notice trademark")
    chat("skip")
    chat("skip")
    chat("skip")  # no question is waiting now
    offer = chat.one("https://www.amazon.co.uk/x/dp/B08XYZ1234")
    assert offer.data["offer"] == "asin" and offer.data["value"] == "B08XYZ1234"
    assert _case(chat.one("yes"))["asins"] == ["B08XYZ1234"]


def test_chinese_and_traditional_answers(chat) -> None:  # type: ignore[no-untyped-def]
    chat("投诉 商标", user="li")
    zh = chat.one("https://www.amazon.co.jp/dp/B0C1LUMI42", user="li")
    assert zh.lang == "zh-Hans" and "你自己的链接" in zh.text and "ASIN：B0C1LUMI42" in zh.text
    assert zh.data["question"] == "listing_date"
    chat("收到侵權警告", user="chen")
    chat("好", user="chen")
    hant = chat.one("https://www.amazon.com/gp/product/B0C1LUMI42", user="chen")
    assert hant.lang == "zh-Hant" and "亞馬遜商品頁面" in hant.text and "投訴人的網站" in hant.text


def test_an_amazon_short_link_is_never_stored_as_their_site(chat) -> None:  # type: ignore[no-untyped-def]
    case_id = chat("/notice trademark")[0].data["case"]["id"]
    reply = chat.one(f"/case {case_id} site https://amzn.to/3xYzAbC")
    assert not reply.ok and "short link" in reply.text and "paste the full address" in reply.text
    assert _case(chat.one(f"/case {case_id}"))["storefront_urls"] == []


@pytest.mark.parametrize(("typed", "said"), [
    ("https://www.amazon.co.uk/x/dp/B08XYZ1234", "--asin B08XYZ1234"),
    ("amzn.to/3xYzAbC", "short link"),
])
def test_checksite_on_an_amazon_page_says_it_is_no_storefront(chat, run_cli, typed: str,  # type: ignore[no-untyped-def]
                                                              said: str) -> None:
    reply = chat.one(f"/checksite {typed}")
    assert not reply.ok and said in reply.text
    proc = run_cli("checksite", typed)
    assert proc.returncode == 2 and said in proc.stderr
    zh = chat.one(f"查站 {typed}")
    assert not zh.ok and zh.lang == "zh-Hans" and ("独立站" in zh.text)
