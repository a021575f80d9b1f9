"""One reader for a date a seller types, and one parser for a URL: every path agrees."""

from __future__ import annotations

from datetime import date

import pytest

from chatbot.evidence.options import OptionError, parse_chat
from chatbot.typed_date import TypedDateError, read_typed_date, typed_date_problem
from tests.conftest import Chat

TODAY = date(2026, 11, 29)


@pytest.mark.parametrize(("typed", "expected"), [
    ("2021-04-02", date(2021, 4, 2)), ("2021/4/2", date(2021, 4, 2)), ("2021.4.2", date(2021, 4, 2)),
    ("2021年4月2日", date(2021, 4, 2)), ("２０２１年４月２日", date(2021, 4, 2)),
    ("2 April 2021", date(2021, 4, 2)), ("April 2, 2021", date(2021, 4, 2)),
    ("Apr 2nd 2021", date(2021, 4, 2)),
    ("2. April 2021", date(2021, 4, 2)), ("2 de abril de 2021", date(2021, 4, 2)),
    ("2 avril 2021", date(2021, 4, 2)),
    ("02.04.2021", date(2021, 4, 2)), ("15/04/2021", date(2021, 4, 15)), ("04/15/2021", date(2021, 4, 15)),
    ("04/04/2021", date(2021, 4, 4)),
    ("2021年4月2号", date(2021, 4, 2)), ("２０２１年４月２號", date(2021, 4, 2)),
    ("2-Apr-2021", date(2021, 4, 2)), ("02-Apr-2021", date(2021, 4, 2)),
    ("2nd of April 2021", date(2021, 4, 2)),
    ("2024-02-29", date(2024, 2, 29)),
    # With a time after it, as copied from a spreadsheet or a log: the day written.
    ("2021-04-02T10:00", date(2021, 4, 2)), ("2021-04-02 10:00", date(2021, 4, 2)),
    ("2021-04-02T23:30:00Z", date(2021, 4, 2)), ("2021/4/2 08:15:00 +08:00", date(2021, 4, 2)),
    ("02.04.2021 10:00", date(2021, 4, 2)),
    ("20210402", date(2021, 4, 2)), ("2021-Apr-02", date(2021, 4, 2)), ("Apr-02-2021", date(2021, 4, 2)),
    ("2021 April 2", date(2021, 4, 2)),
])
def test_forms_sellers_write(typed: str, expected: date) -> None:
    assert read_typed_date(typed, TODAY) == expected


@pytest.mark.parametrize(("typed", "code"), [
    ("04/02/2021", "ambiguous"), ("4-2-2021", "ambiguous"), ("someday", "format"),
    ("04/02/2021 10:00", "ambiguous"), ("2021-04-02T25", "format"), ("12345678", "format"),
    ("20211302", "no_such_month"),
    ("2021-02-30", "no_such_day"),
    ("April 2021", "format"), ("21/4/2", "format"), ("2999-01-01", "future"), ("1990-05-01", "too_early"),
    ("", "format"), ("31/04/2021", "no_such_day"), ("April 31, 2021", "no_such_day"),
    ("29 February 2021", "no_such_day"), ("02/30/2021", "no_such_day"), ("2021-13-01", "no_such_month"),
    ("13/13/2021", "no_such_month"), ("2021年2月30日", "no_such_day"),
])
def test_refused_forms(typed: str, code: str) -> None:
    with pytest.raises(TypedDateError) as caught:
        read_typed_date(typed, TODAY)
    assert caught.value.code == code


@pytest.mark.parametrize(("lang", "words"), [
    ("en", ("2021-02", "28 days")), ("zh", ("2021-02", "28 天")), ("zh-Hant", ("2021-02", "28 天")),
])
def test_a_date_that_does_not_exist_is_told_so(lang: str, words: tuple[str, ...]) -> None:
    with pytest.raises(TypedDateError) as caught:
        read_typed_date("2021-02-30", TODAY)
    said = typed_date_problem(caught.value, lang)
    assert all(word in said for word in words) and "2021-02-30" in said
    with pytest.raises(OptionError) as option:
        parse_chat("https://shop.example/p --since 2021-02-30", TODAY)
    assert option.value.key == "dates.no_such_day" and option.value.params["days"] == "28"


def test_case_since_says_the_day_does_not_exist(chat: Chat) -> None:
    case_id = _case(chat)
    reply = chat.one(f"/case {case_id} since 31/04/2021")
    assert not reply.ok and "30" in reply.text and "2021-04" in reply.text
    checksite = chat.one("/checksite https://shop.example/p --since 31/04/2021")
    assert not checksite.ok and "30" in checksite.text and "2021-04" in checksite.text


def test_ambiguous_date_names_both_readings() -> None:
    with pytest.raises(TypedDateError) as caught:
        read_typed_date("04/02/2021", TODAY)
    assert caught.value.options == (date(2021, 2, 4), date(2021, 4, 2))


def test_checksite_since_reads_what_case_since_reads() -> None:
    assert parse_chat("https://shop.example/p --since 2021/4/2", TODAY).request.since == date(2021, 4, 2)
    assert parse_chat("https://shop.example/p --since 2021年4月2日", TODAY).request.since == date(2021, 4, 2)
    with pytest.raises(OptionError) as caught:
        parse_chat("https://shop.example/p --since 04/02/2021", TODAY)
    assert caught.value.key == "dates.ambiguous"


def _case(chat: Chat) -> int:
    reply = chat("/notice trademark")[0]
    return int(reply.data["case"]["id"])


def test_case_since_and_checksite_since_agree(chat: Chat) -> None:
    case_id = _case(chat)
    assert chat.one(f"/case {case_id} since 2021/4/2").data["case"]["listing_date"] == "2021-04-02"
    assert chat.one(f"/case {case_id} since 2 April 2021").data["case"]["listing_date"] == "2021-04-02"
    asked = chat.one(f"/case {case_id} since 04/02/2021")
    assert "2021-02-04" in asked.text and "2021-04-02" in asked.text and "?" in asked.text
    checksite = chat.one("/checksite https://shop.example/p --since 04/02/2021")
    assert not checksite.ok and "2021-02-04" in checksite.text


@pytest.mark.parametrize("bad", [
    "http://evil.com\\@good.com/", "http://user@good.com/", "ftp://good.com/", "http://169.254.169.254/",
])
def test_case_site_refuses_what_the_fetcher_refuses(chat: Chat, bad: str) -> None:
    case_id = _case(chat)
    reply = chat.one(f"/case {case_id} site {bad}")
    assert not reply.ok and not (reply.data.get("case") or {}).get("storefront_urls")


def test_case_site_stores_the_normalised_url(chat: Chat) -> None:
    case_id = _case(chat)
    reply = chat.one(f"/case {case_id} site Copycat.Example。com/p/1")
    assert reply.data["case"]["storefront_urls"] == ["https://copycat.example.com/p/1"]
