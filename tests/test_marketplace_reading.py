"""One marketplace reader: `--marketplace` (checksite and compare, chat and command line) and the
marketplace a pasted notice names read the same words the same way."""

from __future__ import annotations

from datetime import date

import pytest

from chatbot.evidence import amazon
from chatbot.evidence.options import OptionError, check_marketplace, parse_chat
from chatbot.marketplace import keys, marketplace_in, read_marketplace
from chatbot.notices.parser import parse_notice

ARGS = "https://copycat.example/p --asin B0SELLER01 --marketplace"


@pytest.mark.parametrize(("typed", "expected"), [
    ("co.uk", "co.uk"), ("UK", "co.uk"), ("gb", "co.uk"), ("amazon.co.uk", "co.uk"),
    ("www.amazon.co.uk", "co.uk"), ("https://www.amazon.co.uk/dp/B0ABC12345", "co.uk"),
    ("mx", "com.mx"), ("Amazon.com.MX", "com.mx"), ("jp", "co.jp"), ("Japan", "co.jp"),
    ("德国站", "de"), ("美國站", "com"), ("英国", "co.uk"), ("Deutschland", "de"),
    ("ＵＫ", "co.uk"), (".de", "de"), ("au", "com.au"), ("be", "com.be"), ("tr", "com.tr"),
    ("eg", "eg"), ("cn", "cn"),
])
def test_one_reading_on_every_path(typed: str, expected: str) -> None:
    assert read_marketplace(typed) == expected
    assert check_marketplace(typed) == expected  # checksite and compare --marketplace
    notice = parse_notice(f"Complaint ID: 1234567890\nASIN: B0ABC12345\nMarketplace: {typed}\n")
    assert notice.marketplace == f"amazon.{expected}"


@pytest.mark.parametrize("typed", ["xx", "amazon.com.au.evil.com", "", "united states of nowhere"])
def test_what_names_no_marketplace_is_refused_with_the_list(typed: str) -> None:
    assert read_marketplace(typed) is None
    with pytest.raises(OptionError) as refused:
        check_marketplace(typed)
    assert "co.uk" in refused.value.params["choices"] and "com.mx" in refused.value.params["choices"]


def test_every_marketplace_of_the_label_table_is_read_and_named() -> None:
    assert set(keys()) == set(amazon.marketplaces())
    for key in keys():
        assert read_marketplace(key) == key
        assert read_marketplace(f"https://www.amazon.{key}/dp/B0ABC12345") == key


def test_a_notice_names_its_marketplace_by_the_host_it_mentions_most() -> None:
    body = ("Your listing on amazon.de was removed.\n"
            "See https://sellercentral.amazon.de/help and amazon.com/gp.")
    assert marketplace_in(body) == "de"
    assert parse_notice("Complaint ID: 1234567890\nASIN: B0ABC12345\n" + body).marketplace == "amazon.de"
    assert marketplace_in("amazon.xyz and amazon.com.au.evil.com") is None
    assert marketplace_in("Write to notice-retraction@amazon.com about Amazon.fr") == "fr"  # not the address


def test_chat_option_reads_the_same(chat) -> None:  # type: ignore[no-untyped-def]
    assert parse_chat(f"{ARGS} uk", date(2026, 11, 29)).request.marketplace == "co.uk"
    reply = chat.one(f"/checksite {ARGS} xx")
    assert not reply.ok and "co.uk" in reply.text
