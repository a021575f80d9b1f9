"""The combiner: typed, weighted dates become one credible date with confidence and a reason."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chatbot.evidence.combiner import STRONG, brand_hits, combine, compare, effective, estimate
from chatbot.evidence.model import DateClaim


def claim(value: date, source: str, weight: float, kind: str = "published", scope: str = "page",
          precision: str = "day") -> DateClaim:
    return DateClaim(kind, value, source, scope, weight, f"{source} {kind}", precision=precision)  # type: ignore[arg-type]


def test_one_faked_early_date_does_not_win() -> None:
    result = estimate([claim(date(2015, 1, 1), "page", 0.35), claim(date(2023, 4, 12), "platform_api", 0.8)])
    assert result is not None and result.value == date(2023, 4, 12)
    assert [(c.value, reason) for c, reason in result.set_aside] == [(date(2015, 1, 1), "uncorroborated")]


def test_weak_dates_that_agree_are_believed() -> None:
    result = estimate([claim(date(2024, 8, 1), "page", 0.35), claim(date(2024, 8, 20), "sitemap", 0.3),
                       claim(date(2025, 1, 1), "platform_api", 0.8)])
    assert result is not None
    assert result.value == date(2024, 8, 1) and result.sources == ["page", "sitemap"]
    assert result.confidence == "medium"


def test_a_source_cannot_agree_with_itself() -> None:
    result = estimate([claim(date(2020, 1, 1), "page", 0.35), claim(date(2020, 1, 2), "page", 0.3),
                       claim(date(2023, 1, 1), "wayback", 0.9)])
    assert result is not None and result.value == date(2023, 1, 1)


def test_confidence_grows_with_independent_agreement() -> None:
    alone = estimate([claim(date(2023, 1, 1), "wayback", 0.9, "first_capture")])
    agreed = estimate([claim(date(2023, 1, 1), "wayback", 0.9, "first_capture"),
                       claim(date(2023, 1, 5), "platform_api", 0.8, "created")])
    assert alone is not None and alone.confidence == "medium"
    assert agreed is not None and agreed.confidence == "high"


def test_only_weak_lonely_dates_give_low_confidence() -> None:
    result = estimate([claim(date(2022, 1, 1), "page", 0.15, "text"),
                       claim(date(2024, 1, 1), "sitemap", 0.3)])
    assert result is not None and result.confidence == "low" and result.value == date(2024, 1, 1)
    assert estimate([]) is None
    assert estimate([claim(date(2022, 1, 1), "page", 0.0, "fetched")]) is None


def test_dates_before_registration_are_impossible_except_for_the_archive() -> None:
    claims = [claim(date(2016, 5, 1), "page", 0.8, "created"),
              claim(date(2022, 10, 28), "rdap", 0.9, "registered", "site"),
              claim(date(2023, 4, 12), "platform_api", 0.8, "created")]
    verdict = combine(claims)
    assert verdict.page is not None and verdict.page.value == date(2023, 4, 12)
    assert verdict.page.set_aside[0][1] == "before_registration"
    assert verdict.site is not None and verdict.site.value == date(2022, 10, 28)
    # A re-registered domain: the archive saw the store before the current registration.
    archived = combine([*claims, claim(date(2019, 1, 1), "wayback", 0.9, "first_capture")])
    assert archived.page is not None and archived.page.value == date(2019, 1, 1)


def test_month_precision_never_pulls_earlier_than_a_real_day() -> None:
    upload = claim(date(2024, 2, 1), "page", 0.3, "uploaded", precision="month")
    assert effective(upload) == date(2024, 2, 29)
    result = estimate([upload, claim(date(2024, 2, 3), "platform_api", 0.5)])
    assert result is not None and result.value == date(2024, 2, 3)


def test_comparison_verdicts() -> None:
    strong = estimate([claim(date(2023, 4, 12), "platform_api", 0.8, "created"),
                       claim(date(2023, 4, 12), "page", 0.55, "uploaded")])
    weak = estimate([claim(date(2023, 4, 12), "page", 0.2)])
    assert compare(date(2021, 9, 15), "stated", strong) == {
        "seller_date": "2021-09-15", "seller_source": "stated", "page_date": "2023-04-12",
        "verdict": "seller_first", "reason": None, "days": 574}
    assert compare(date(2024, 1, 1), "stated", strong)["verdict"] == "page_first"
    assert compare(date(2024, 1, 1), "stated", weak)["verdict"] == "page_first"  # weak but still earlier
    assert compare(date(2020, 1, 1), "stated", weak)["reason"] == "weak_page_date"
    assert compare(date(2023, 4, 11), "stated", strong)["reason"] == "too_close"
    assert compare(None, "", strong)["reason"] == "no_seller_date"
    assert compare(date(2020, 1, 1), "stated", None)["reason"] == "no_page_date"


def test_brand_hits() -> None:
    segments = [("title", "LumiNest style lamp"), ("text", "Better than luminest! Not LumiNestor though."),
                ("image alt", "露米灯 LumiNest 同款")]
    hits = brand_hits(segments, "LumiNest")
    assert [h["where"] for h in hits] == ["title", "text", "image alt"]
    assert brand_hits([("text", "正品露米灯同款,比露米灯便宜")], "露米灯")[0]["snippet"].count("露米灯") == 2
    assert brand_hits(segments, "  ") == []
    long_text = [("text", "x" * 500 + " LumiNest " + "y" * 500)]
    assert brand_hits(long_text, "LumiNest")[0]["snippet"].startswith("…")


def test_every_mention_counts_even_when_one_snippet_shows_several() -> None:
    from chatbot.evidence.present import brand_text

    hits = brand_hits([("text", "LumiNest lamp. LumiNest quality. Made by LumiNest."),
                       ("json-ld brand", "LumiNest")], "LumiNest")
    assert [(h["where"], h["count"]) for h in hits] == [("text", 3), ("json-ld brand", 1)]
    assert "4 times" in (brand_text({"brand": "LumiNest", "brand_hits": hits}, "en") or "")


@pytest.mark.parametrize("text", ["better than Lumi\u00adNest", "better than Lumi\u200bNest",
                                  "better than L\u200du\u200cmi\u2060Nest", "better than \ufeffLumiNest"])
def test_a_brand_split_by_invisible_characters_is_still_found(text: str) -> None:
    hits = brand_hits([("text", text)], "LumiNest")
    assert [h["snippet"] for h in hits] == ["better than LumiNest"]


def test_invisible_characters_do_not_join_a_brand_to_a_longer_word() -> None:
    assert brand_hits([("text", "LumiNest\u00ador lamps")], "LumiNest") == []
    assert brand_hits([("text", "a LumiNest lamp")], "Lumi\u200bNest")[0]["snippet"] == "a LumiNest lamp"
    assert brand_hits([("text", "仿露\u200b米灯同款")], "露米灯")[0]["snippet"] == "仿露米灯同款"


DAYS = st.integers(min_value=0, max_value=11_000).map(lambda n: date(1996, 1, 1) + timedelta(days=n))
SOURCES = st.sampled_from(["page", "sitemap", "wayback", "platform_api", "rdap"])
WEIGHTS = st.sampled_from([0.15, 0.2, 0.3, 0.35, 0.5, 0.55, 0.75, 0.8, 0.9])
CLAIMS = st.lists(st.builds(claim, DAYS, SOURCES, WEIGHTS), max_size=12)


@given(CLAIMS)
def test_estimate_properties(claims: list[DateClaim]) -> None:
    result = estimate(claims)
    if not claims:
        assert result is None
        return
    assert result is not None
    assert result.value in {effective(c) for c in claims}
    strong = [effective(c) for c in claims if c.weight >= STRONG]
    if strong:
        # A strong date always stands: the estimate is never later than the earliest one.
        assert result.value <= min(strong)
    # Only weak dates are ever set aside (no registration bound was given here).
    assert all(reason == "uncorroborated" and c.weight < STRONG for c, reason in result.set_aside)
