"""Letter drafts: the statutory elements, filled from a case, in plain text, never half-filled."""

from __future__ import annotations

from datetime import date

import pytest

from chatbot.notices import letters
from chatbot.notices.checklists import TYPES
from chatbot.notices.models import Case

TODAY = date(2026, 11, 29)


def make_case(**overrides) -> Case:
    values = dict(
        id=7, platform="console", user_id="alice", status="open", lang="en", complaint_type="copyright",
        complaint_id="11874563201", asins=["B08KX7QZ4M", "B08KX7QZ5N"], rights_owner="Verdana Living Studio",
        rights_owner_email="copyright@verdanaliving-store.com", ip_numbers={}, marketplace="amazon.com",
        notice_date=date(2024, 3, 12), notice_text="", storefront_urls=["https://verdana-living.myshopify.com/products/pot"],
        listing_date=date(2021, 4, 2), brand="ACME", steps={},
    )
    values.update(overrides)
    return Case(**values)


# 17 U.S.C. 512(g)(3)(A)-(D), in the statute's words.
COUNTER_NOTICE_ELEMENTS = {
    "A signature": "Signature:",
    "B removed material": "The material removed or to which access was disabled",
    "B where it appeared": "which appeared at:",
    "C perjury": "under penalty of perjury",
    "C good faith mistake": "good faith belief that the material was removed or disabled as a result of "
                            "mistake or misidentification",
    "D name": "Name:",
    "D address": "Address:",
    "D telephone": "Telephone:",
    "D jurisdiction": "I consent to the jurisdiction of the Federal District Court for the judicial district "
                      "in which my address is located",
    "D outside the US": "if my address is outside of the United States, for any judicial district in which",
    "D service of process": "will accept service of process from the person who provided the notification",
}

# 17 U.S.C. 512(c)(3)(A)(i)-(vi).
TAKEDOWN_ELEMENTS = {
    "i signature": "Signature:",
    "ii work": "I am the owner of the copyrighted",
    "iii infringing material": "The following pages copy these works without permission:",
    "iv contact": "Telephone:",
    "v good faith": "good faith belief that use of the material in the manner complained of is not "
                    "authorized by the copyright owner, its agent, or the law",
    "vi accuracy": "The information in this notification is accurate",
    "vi perjury authority": "under penalty of perjury, I am the owner, or authorized to act on behalf of "
                            "the owner",
}


@pytest.mark.parametrize("element, phrase", COUNTER_NOTICE_ELEMENTS.items())
def test_counter_notice_has_every_512g3_element(element, phrase):
    body = letters.render("counter_notice", make_case(), "en", TODAY).body
    assert phrase in body, element


@pytest.mark.parametrize("element, phrase", TAKEDOWN_ELEMENTS.items())
def test_takedown_has_every_512c3_element(element, phrase):
    body = letters.render("takedown", make_case(), "en", TODAY).body
    assert phrase in body, element


def test_letters_are_filled_from_the_case():
    case = make_case()
    dispute = letters.render("dispute", case, "en", TODAY)
    for value in ("11874563201", "B08KX7QZ4M, B08KX7QZ5N", "Verdana Living Studio", "2021-04-02", "ACME",
                  "copyright@verdanaliving-store.com", "https://verdana-living.myshopify.com/products/pot"):
        assert value in dispute.body
    assert dispute.missing == ()
    retraction = letters.render("retraction", case, "en", TODAY)
    assert retraction.body.startswith("To: copyright@verdanaliving-store.com")
    assert "notice-retraction@amazon.com" in retraction.body and "made in error" in retraction.body
    counter = letters.render("counter_notice", case, "en", TODAY)
    assert "https://www.amazon.com/dp/B08KX7QZ4M" in counter.body and "2026-11-29" in counter.body


def test_takedown_goes_to_the_detected_platform_or_the_host():
    shopify = letters.render("takedown", make_case(), "en", TODAY).body
    assert shopify.startswith("To: https://www.shopify.com/legal/dmca or legal@shopify.com")
    wix_case = make_case(storefront_urls=["https://fake.wixsite.com/shop"])
    wix = letters.render("takedown", wix_case, "en", TODAY)
    assert "wix.com/abuse" in wix.body
    own = letters.render("takedown", make_case(storefront_urls=["https://copycat.example"]), "en", TODAY)
    assert "HOST ABUSE E-MAIL" in own.body and "[PLATFORM OR HOSTING PROVIDER]" in own.body


def test_takedown_goes_where_the_stored_link_leads_in_a_browser():
    # A link stored before links were checked: a browser opens copycat.example, not the Shopify
    # store after the "@", so the letter must not go to Shopify.
    case = make_case(storefront_urls=["http://copycat.example\\@verdana-living.myshopify.com/"])
    body = letters.render("takedown", case, "en", TODAY).body
    assert "HOST ABUSE E-MAIL" in body and "shopify.com/legal" not in body


def test_no_dmca_counter_notice_for_a_trademark_case():
    with pytest.raises(letters.NotApplicable):
        letters.render("counter_notice", make_case(complaint_type="trademark"), "en", TODAY)


def test_unknown_values_become_visible_placeholders():
    case = make_case(complaint_id="", asins=[], rights_owner="", storefront_urls=[], listing_date=None)
    letter = letters.render("dispute", case, "en", TODAY)
    assert "[COMPLAINT ID]" in letter.body and "[ASIN]" in letter.body
    assert {"complaint_id", "asin_list", "rights_owner", "listing_date"} <= set(letter.missing)
    assert "brand" not in letter.missing  # known, so not reported


@pytest.mark.parametrize("kind", [*TYPES, "unknown"])
@pytest.mark.parametrize("letter_type", ["dispute", "retraction", "counter_notice", "takedown"])
def test_every_letter_renders_for_every_case_type_and_without_a_case(kind, letter_type):
    numbers = {"trademark": ["6,482,117"], "patent": ["US D987,654 S"]}
    case = make_case(complaint_type=kind, ip_numbers=numbers)
    if not letters.applies(letter_type, kind):
        return
    for subject in (case, None):
        letter = letters.render(letter_type, subject, "zh-Hans", TODAY)
        assert letter.body.strip() and "{{" not in letter.body and "None" not in letter.body
        assert all(part.strip() for part in letter.parts)


def test_explanations_follow_the_reader_language_and_the_letter_stays_english():
    hans = letters.render("counter_notice", make_case(), "zh-Hans", TODAY)
    hant = letters.render("counter_notice", make_case(), "zh-Hant", TODAY)
    assert "伪证" in " ".join(hans.parts) and "偽證" in " ".join(hant.parts)
    assert hans.body == hant.body and "penalty of perjury" in hans.body


@pytest.mark.parametrize("word, expected", [
    ("counter", "counter_notice"), ("DMCA", "counter_notice"), ("反通知", "counter_notice"),
    ("撤訴", "retraction"), ("申诉", "dispute"), ("takedown", "takedown"), ("poem", None),
])
def test_letter_type_aliases(word, expected):
    assert letters.resolve_type(word) == expected


def test_section_headings_cannot_be_mistaken_for_placeholders_and_articles_agree(chat):
    import re

    from chatbot.notices.letters import indefinite, letter_types

    case_id = chat("/notice other", user="article")[0].data["case"]["id"]
    for letter_type in letter_types():
        replies = chat(f"/letter {letter_type} {case_id}", user="article")
        body = (replies[0].data or {}).get("body", "")
        assert not re.search(r"^\[(?:\d+|[A-D]|[ivx]+)\.", body, re.M), letter_type  # headings are plain
        assert not re.search(r"\ba (?:[aeio]|intellectual)", body), letter_type
    assert indefinite("intellectual property") == "an intellectual property"
    assert indefinite("trademark") == "a trademark" and indefinite("utility patent") == "a utility patent"
