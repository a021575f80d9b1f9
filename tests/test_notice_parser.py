"""Reading pasted Amazon notices: realistic fixtures of every type, HTML, German, Japanese,
Chinese, garbled and huge pastes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from chatbot.notices.parser import MAX_PARSE_CHARS, clean, parse_date, parse_notice

FIXTURES = Path(__file__).parent / "fixtures" / "notices"
EXPECTED = yaml.safe_load((FIXTURES / "expected.yaml").read_text(encoding="utf-8"))


def read(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def test_the_fixture_set_covers_every_type_and_format():
    assert len(EXPECTED) >= 8
    types = {want.get("complaint_type") for want in EXPECTED.values()}
    assert {"copyright", "trademark", "patent", "design_patent", "counterfeit"} <= types
    assert any(name.endswith(".html") for name in EXPECTED)
    assert {"de", "ja", "zh"} <= {want.get("language") for want in EXPECTED.values()}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_is_read_as_expected(name):
    notice = parse_notice(read(name))
    got = notice.to_dict() | {"notice_date": notice.notice_date}
    for key, value in EXPECTED[name].items():
        assert got[key] == value, f"{name}: {key}"


def test_html_email_is_stripped_of_markup_scripts_and_entities():
    text = clean(read("html_email.html"))
    assert "<td>" not in text and "track(" not in text and "&amp;" not in text
    assert "Complaint ID: 15500321987" in text


def test_inline_markup_in_a_pasted_notice_stays_inside_its_word():
    # Mail clients wrap parts of a word in <b>, <span>, <a>: blocks break lines, inline tags do not.
    html = ("<div>Brand: LU<b>MIVA</b></div><p>ASIN: B0<span>BN8R2Y6K</span></p>"
            "<table><tr><td>Complaint ID</td><td>1550<span>0321987</span></td></tr></table>"
            "<p>Rights owner: <a href='mailto:ip@x.example'>ip@<b>x.example</b></a></p>")
    text = clean(html)
    assert "Brand: LUMIVA" in text and "ASIN: B0BN8R2Y6K" in text
    assert "Complaint ID: 15500321987" in text and "ip@x.example" in text
    notice = parse_notice(html)
    assert notice.asins == ["B0BN8R2Y6K"] and notice.complaint_ids == ["15500321987"]


def test_garbled_notice_reports_what_is_missing_without_inventing_values():
    notice = parse_notice(read("garbled_partial.txt"))
    assert notice.is_notice
    assert notice.asins == [] and notice.complaint_ids == []  # "B0BN8R 2Y6K" and "1930" are broken
    assert "complaint_id" in notice.missing() and "rights_owner_email" in notice.missing()


def test_notice_pasted_on_one_line_is_split_back_into_fields():
    one_line = " ".join(read("copyright_en.txt").split())
    notice = parse_notice(one_line)
    assert notice.complaint_id == "11874563201"
    assert notice.rights_owner == "Verdana Living Studio"
    assert notice.rights_owner_email == "copyright@verdanaliving-store.com"
    assert notice.complaint_type == "copyright"


def test_fifty_kilobyte_paste_is_read():
    filler = "Please review our policies at sellercentral. " * 1200  # about 54 KB of boilerplate
    paste = read("trademark_en.txt") + filler
    assert len(paste) > 50_000
    notice = parse_notice(paste)
    assert notice.complaint_id == "12093381457" and notice.complaint_type == "trademark"
    assert not notice.truncated


def test_runaway_paste_is_truncated_not_failed():
    notice = parse_notice(read("copyright_en.txt") + "x" * (MAX_PARSE_CHARS + 10))
    assert notice.truncated and notice.complaint_id == "11874563201"


def test_chat_message_is_not_a_notice():
    for text in ("I got an infringement notice", "收到侵权投诉了怎么办", "ASIN B08KX7QZ4M got a complaint"):
        assert not parse_notice(text).is_notice


def test_amazon_addresses_are_not_the_rights_owner():
    notice = parse_notice("Please write to notice-retraction@amazon.com about complaint 12345678901.")
    assert notice.rights_owner_email is None
    assert notice.complaint_ids == ["12345678901"]


@pytest.mark.parametrize("typed, expected", [
    ("2021-04-02", date(2021, 4, 2)), ("2021/4/2", date(2021, 4, 2)), ("2021年4月2日", date(2021, 4, 2)),
    ("02.04.2021", date(2021, 4, 2)), ("April 2, 2021", date(2021, 4, 2)), ("2 Apr 2021", date(2021, 4, 2)),
    ("３ März 2024", date(2024, 3, 3)), ("yesterday", None), ("2021-02-30", None), ("", None),
])
def test_parse_date(typed, expected):
    assert parse_date(typed) == expected


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=3000))
def test_parser_never_raises_on_any_text(text):
    notice = parse_notice(text)
    assert isinstance(notice.missing(), list)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from([
    "Complaint ID:", "ASIN:", "Infringement type:", "Rights owner email:", "<td>", "</tr>", "<br>",
    "Beschwerde-ID：", "侵害の種類：", "B0", "12345678", "@", "\n", " ", "Copyright", "2024-13-40",
    "年", "月",
]), max_size=60))
def test_parser_never_raises_on_label_soup(tokens):
    parse_notice("".join(tokens)).to_dict()
