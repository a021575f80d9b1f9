"""The page's own date: its address, its first publication declaration, dates written the way the
page's language writes them, and htmldate only for pages that declare nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from chatbot.evidence import combiner, dates, page, pagedate, textdates
from chatbot.evidence.model import DateClaim

TODAY = date(2026, 11, 29)


def page_date(html: str, url: str = "") -> date | None:
    found = combiner.combine(page.extract(html, {}, url, TODAY).claims).page
    return found.value if found else None


@pytest.mark.parametrize(("address", "expected"), [
    ("https://blog.example/2019/03/05/spring-sale/", date(2019, 3, 5)),
    ("https://news.example/politik/2020-2-18-wahl.html", date(2020, 2, 18)),
    ("/2021_11_30_notes", date(2021, 11, 30)),
    ("https://shop.example/products/lamp?from=2019-03-05", None),  # a filter, not the page
    ("https://2019-03-05.example/", None),  # the host is a name
    ("https://shop.example/sku/20190305123", None),
    ("https://blog.example/2019/02/30/x", None),
])
def test_the_date_in_the_page_address(address: str, expected: date | None) -> None:
    assert pagedate.url_path_date(address) == expected


def test_the_canonical_address_dates_the_page_above_its_metadata() -> None:
    # A blog's permanent address keeps the day it was published; the meta tag was moved on an edit.
    html = ('<html><head><link rel="canonical" href="https://blog.example/2017/07/12/montauk/">'
            '<meta property="article:published_time" content="2019-06-17T18:28:00+02:00"></head>'
            '<body><p>Text</p></body></html>')
    assert page_date(html) == date(2017, 7, 12)
    claims = page.extract(html, {}, "", TODAY).claims
    assert [c.weight for c in claims if "page address" in c.detail] == [pagedate.W_URL_PATH]


def test_the_fetched_url_dates_the_page_when_it_names_no_address() -> None:
    html = "<html><body><p>Text only</p></body></html>"
    assert page_date(html, "https://blog.example/2016/04/02/post") == date(2016, 4, 2)


def test_the_first_publication_declaration_is_the_page_s() -> None:
    # Later declarations in the body date other items: related articles, comments.
    html = ('<html><head><meta name="date" content="2021-11-19"></head><body><article>Text</article>'
            '<aside><meta itemprop="datePublished" content="2021-11-09">'
            '<meta itemprop="datePublished" content="2021-11-12"></aside></body></html>')
    assert page_date(html) == date(2021, 11, 19)


def test_microdata_of_later_items_does_not_date_the_page() -> None:
    html = ('<html><body><article><time itemprop="datePublished" datetime="2022-01-21T11:59:00+01:00">'
            '21 Jan</time></article><ul><li><time itemprop="datePublished"'
            ' datetime="2022-01-20T12:35:00+01:00"></time></li></ul></body></html>')
    assert page_date(html) == date(2022, 1, 21)


def test_review_dates_do_not_date_the_page_they_are_on() -> None:
    html = ('<html><head><script type="application/ld+json">{"@type": "Product", "name": "Lamp",'
            ' "review": [{"@type": "Review", "datePublished": "2020-04-07"}]}</script>'
            '<meta property="article:published_time" content="2006-10-10"></head><body></body></html>')
    claims = page.extract(html, {}, "", TODAY).claims
    review = [c for c in claims if "review" in c.detail]
    assert [(c.value, c.weight) for c in review] == [(date(2020, 4, 7), page.W_LATER_DECLARED)]
    assert page_date(html) == date(2006, 10, 10)


def test_the_head_meta_outranks_a_json_ld_copy_in_another_time_zone() -> None:
    html = ('<html><head><meta name="date" content="2020-01-06T09:22:36Z">'
            '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2020-01-03"}'
            '</script></head><body></body></html>')
    assert page_date(html) == date(2020, 1, 6)


def test_rfc_dates_in_meta_are_the_day_written() -> None:
    # Midnight in Vienna is the evening before in UTC; the page was published on the 19th.
    assert dates.written_day("Sat, 19 Oct 2019 00:04:00 +0200") == date(2019, 10, 19)
    assert dates.written_day("yesterday") is None
    html = '<html><head><meta name="date" content="Sat, 19 Oct 2019 00:04:00 +0200"></head></html>'
    assert page_date(html) == date(2019, 10, 19)


@pytest.mark.parametrize(("text", "expected"), [
    ("Veröffentlicht am 19.10.2019 um 10:00", date(2019, 10, 19)),
    ("Stand: 5. März 2018", date(2018, 3, 5)),
    ("publié le 3 décembre 2019", date(2019, 12, 3)),
    ("publicado el 3 de marzo de 2015", date(2015, 3, 3)),
    ("dodano 7 lutego 2020", date(2020, 2, 7)),
    ("Posted Sept. 4, 2014", date(2014, 9, 4)),
    ("商品上架 2018年7月9日", date(2018, 7, 9)),
    ("Version 4.1.2.2019 build", None),  # a version number: no digit or dot may touch the date
    ("31.02.2019", None),
    ("1 Maintenant 2019", None),  # not a month name
])
def test_dates_written_in_the_marketplace_languages(text: str, expected: date | None) -> None:
    assert textdates.first_date(text) == expected


def test_htmldate_runs_only_where_the_page_declares_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def fake(root: object, url: str, today: date) -> list[DateClaim]:
        calls.append(url)
        return [DateClaim("declared", date(2020, 5, 5), "page", "page", pagedate.W_HTMLDATE, "htmldate")]

    monkeypatch.setattr(pagedate, "htmldate_claim", fake)
    declared = '<html><head><meta property="article:published_time" content="2019-01-02"></head></html>'
    assert page_date(declared) == date(2019, 1, 2) and calls == []
    bare = '<html><body><div class="byline">Some text</div></body></html>'
    assert page_date(bare, "https://x.example/a") == date(2020, 5, 5) and calls == ["https://x.example/a"]
    # A WordPress upload month does not settle the page: htmldate is still asked.
    uploads = '<html><body><img src="/wp-content/uploads/2019/03/a.jpg"></body></html>'
    assert page_date(uploads, "https://x.example/b") == date(2020, 5, 5)


def test_page_dates_keeps_what_earlier_readers_found_when_the_budget_ends() -> None:
    clock = iter([0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0] + [99.0] * 1000)
    budget = page.Budget(deadline=10.0, clock=lambda: next(clock))
    html = ('<html><head><link rel="canonical" href="https://b.example/2018/01/02/x">'
            '<meta property="article:published_time" content="2018-01-02"></head>'
            '<body>' + '<p>2019-01-01</p>' * 10 + '</body></html>')
    found = page.extract(html, {}, "", TODAY, budget=budget)
    assert not found.complete
    assert date(2018, 1, 2) in {c.value for c in found.claims}


def test_htmldate_is_asked_once_with_its_extensive_search(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each call copies and cleans the whole tree: one extensive call, never fast then extensive.
    import htmldate

    calls: list[bool] = []

    def find_date(tree: object, *, extensive_search: bool, **options: object) -> str | None:
        calls.append(extensive_search)
        return None

    monkeypatch.setattr(htmldate, "find_date", find_date)
    root = page.parse_html("<html><body><p>Nothing dated here</p></body></html>")
    assert root is not None
    assert pagedate.htmldate_claim(root, "", TODAY) == [] and calls == [True]


@pytest.mark.parametrize(("texts", "expected"), [
    (["2023-11-08T21:11:03-05:00", "2023-11-09T02:11:03+00:00"], timedelta(hours=-5)),
    (["2020-02-19T18:37:32+01:00", "2020-02-18T18:12:26+0100"], timedelta(hours=1)),
    (['{"datePublished": "2021-06-01T08:00:00+05:30"}'], timedelta(hours=5, minutes=30)),
    (["2023-11-09T02:11:03Z", "2023-11-09T04:10:51+00:00"], None),  # UTC only: no zone of its own
    (["2019-03-30T10:00:00+01:00", "2019-04-01T10:00:00+02:00"], None),  # summer time: two zones
    (["2021-03-08", "Tue, 09 Mar 2021"], None),
])
def test_the_zone_a_page_writes_its_times_in(texts: list[str], expected: timedelta | None) -> None:
    assert dates.page_zone(texts) == expected


@pytest.mark.parametrize(("text", "zone", "expected"), [
    ("2023-11-09T02:11:03+00:00", timedelta(hours=-5), date(2023, 11, 8)),
    ("2021-11-04T23:00Z", timedelta(hours=1), date(2021, 11, 5)),
    ("2023-11-09T02:11:03-05:00", timedelta(hours=8), date(2023, 11, 9)),  # its own zone is kept
    ("2023-11-09", timedelta(hours=-5), date(2023, 11, 9)),  # a day without a time stays that day
    ("2023-11-09T02:11:03Z", None, date(2023, 11, 9)),
])
def test_a_utc_time_is_read_in_the_page_s_own_zone(text: str, zone: timedelta | None,
                                                   expected: date) -> None:
    assert dates.written_day(text, zone) == expected


def test_a_page_that_writes_its_zone_dates_its_utc_copies_in_that_zone() -> None:
    # A news page's <time> says 9:11 pm in New York; its meta tags and JSON-LD copy the same moment
    # in UTC, already the next day there. Its readers saw the 8th.
    html = ('<html><head><meta property="article:published_time" content="2023-11-09T02:11:03+00:00">'
            '<script type="application/ld+json">{"@type": "NewsArticle",'
            ' "datePublished": "2023-11-09T02:11:03+00:00"}</script></head><body><article>'
            '<time itemprop="datePublished" datetime="2023-11-08T21:11:03-05:00">Nov 8</time>'
            '</article></body></html>')
    assert page_date(html) == date(2023, 11, 8)
    # The same page in UTC only: the UTC day, as written.
    assert page_date(html.replace("2023-11-08T21:11:03-05:00", "2023-11-09T02:11:03Z")) == date(2023, 11, 9)
