"""One ASIN reader: a pasted notice, `/case N asin`, a bare ASIN for an open case and
`/checksite --asin` (chat and command line) read the same input the same way."""

from __future__ import annotations

import pytest

from chatbot.asin import AsinError, find_asins, read_asin
from chatbot.evidence.options import OptionError, check_asin
from chatbot.notices.models import Case
from chatbot.notices.parser import parse_notice
from handlers.notice_facts import _fact

PRODUCT_PAGE = "https://www.amazon.co.uk/Sunset-Projection-Lamp/dp/b08xyz1234/ref=sr_1_3?qid=1681305322&th=1"


@pytest.mark.parametrize(("typed", "expected"), [
    ("B08XYZ1234", "B08XYZ1234"),
    (" b08xyz1234 ", "B08XYZ1234"),  # sellers type it lower-case
    ("031234567X", "031234567X"),  # a book's ASIN is its ISBN-10
    (PRODUCT_PAGE, "B08XYZ1234"),  # the query's qid is not an ASIN
    ("https://www.amazon.com/gp/product/B0C1LUMI42?psc=1", "B0C1LUMI42"),
    ("amazon.de/gp/aw/d/B0C1LUMI42", "B0C1LUMI42"),
    ("https://www.amazon.com.mx/exec/obidos/ASIN/0312345679", "0312345679"),
])
def test_one_reading_on_every_path(chat, typed: str, expected: str) -> None:
    assert read_asin(typed) == expected
    assert check_asin(typed) == expected  # /checksite --asin and `sellerguard checksite|compare --asin`
    assert parse_notice(f"Complaint ID: 1234567890\nASIN: {typed}\n").asins == [expected]
    case_id = chat("/notice")[0].data["case"]["id"]
    assert chat.one(f"/case {case_id} asin {typed}").data["case"]["asins"] == [expected]


@pytest.mark.parametrize("typed", ["ABCDEFGHIJ", "B0SHORT", "B08XYZ12345", "lamp"])
def test_not_an_asin_is_refused_on_every_path(chat, typed: str) -> None:
    # `--asin ABCDEFGHIJ` was taken and sent to Amazon, while `/case N asin` refused it.
    with pytest.raises(AsinError):
        read_asin(typed)
    with pytest.raises(OptionError) as caught:
        check_asin(typed)
    assert caught.value.key == "checksite.invalid.asin_format"
    assert parse_notice(f"Complaint ID: 1234567890\nASIN: {typed}\n").asins == []
    case_id = chat("/notice")[0].data["case"]["id"]
    reply = chat.one(f"/case {case_id} asin {typed}")
    assert not reply.ok and "B0ABC12345" in reply.text


def test_short_links_say_how_to_fix_it(chat) -> None:
    with pytest.raises(OptionError) as caught:
        check_asin("https://amzn.to/3xYzAbC")
    assert caught.value.key == "checksite.invalid.asin_short_link"
    reply = chat.one("/checksite https://copycat.example/p/1 --asin https://amzn.to/3xYzAbC")
    assert not reply.ok and "short link" in reply.text
    case_id = chat("/notice")[0].data["case"]["id"]
    reply = chat.one(f"/case {case_id} asin a.co/d/5kQ2xZ1")
    assert not reply.ok and "short link" in reply.text


def test_a_product_page_alone_is_the_asin_fact_not_a_storefront() -> None:
    # A bare Amazon product address was taken as the copycat's storefront.
    assert _fact(PRODUCT_PAGE, Case(id=1)) == ("asin", "B08XYZ1234")
    assert _fact("b08xyz1234", Case(id=1)) == ("asin", "B08XYZ1234")
    assert _fact("1234567890", Case(id=1)) is None  # as often a complaint ID


def test_notice_text_reads_asins_in_links_and_lower_case() -> None:
    body = ("Complaint ID: 1234567890\nYour listing https://www.amazon.com/dp/B0C1LUMI42 and "
            "b0c1lumi43 were removed. Reference 9876543210.\n")
    assert parse_notice(body).asins == ["B0C1LUMI42", "B0C1LUMI43"]
    assert find_asins("ISBN 0312345679, B0C1LUMI42", books=False) == ["B0C1LUMI42"]
