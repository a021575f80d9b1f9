"""Counts in replies agree with their noun: "1 date", "3 dates", never "date(s)"."""

from __future__ import annotations

from chatbot import knowledge
from chatbot.evidence.present import blocklist_text
from chatbot.i18n import t
from tests.test_knowledge import _leaves, _load

MESSAGES = knowledge.knowledge_dir() / "messages"


def test_no_english_message_hedges_a_plural_with_s_in_brackets():
    hedged = [f"{path.stem}.{key}" for path in sorted((MESSAGES / "en").glob("*.yaml"))
              for key, text in _leaves(_load(path)).items() if "(s)" in text]
    assert hedged == []


def test_brand_hits_and_source_dates_count_in_words():
    one = t("checksite.brand.hits", "en", brand="ACME", count=1, where="the title", snippet="ACME lamp")
    assert one == "“ACME” appears on the page 1 time, at the title: “ACME lamp”"
    many = t("checksite.brand.hits", "en", brand="ACME", count=3, where="the title", snippet="ACME lamp")
    assert many == "“ACME” appears on the page 3 times, e.g. the title: “ACME lamp”"
    assert t("checksite.source_ok", "en", name="the page", count=1) == "the page: 1 date"
    assert t("checksite.source_ok", "en", name="the page", count=2) == "the page: 2 dates"
    assert t("checksite.source_ok", "zh", name="页面", count=1) == "页面：1 个日期"


def test_blocklist_status_counts_its_reporters():
    def status(state: str, reporters: int) -> str:
        return blocklist_text({"state": state, "reporters": reporters}, "en")

    assert status("reported", 1) == "reported by 1 member, under review"
    assert status("reported", 2) == "reported by 2 members, under review"
    assert status("listed", 1) == "LISTED by the community (1 report)"
    assert status("listed", 4) == "LISTED by the community (4 reports)"


def test_appeal_waits_count_hours_and_minutes():
    hour = t("blocklist.error.appeal_cooldown", "en", id=3, hours=1, count=1)
    assert "in about 1 hour." in hour
    assert "in about 5 hours." in t("blocklist.error.appeal_cooldown", "en", id=3, hours=5, count=5)
    assert "in about 1 minute." in t("blocklist.error.appeal_person_cooldown", "en", minutes=1, count=1)
    assert "in about 9 minutes." in t("blocklist.error.appeal_person_cooldown", "en", minutes=9, count=9)


def test_a_case_says_asin_or_asins_as_many_as_were_saved(chat):
    case_id = chat("/notice")[0].data["case"]["id"]
    assert "Noted: ASIN B0ABC12345." in chat.one(f"/case {case_id} asin b0abc12345").text
    two = chat.one(f"/case {case_id} asin B0ABC12345 B0ABC12346").text
    assert "Noted: ASINs B0ABC12345, B0ABC12346." in two
