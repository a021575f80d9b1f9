"""Amazon's "Date First Available" on every marketplace, in every layout, with its date format."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import pytest

from chatbot import knowledge
from chatbot.evidence import amazon
from tests.fixtures.sites.server import ROOT, Web, cli_env, serve

REQUIRED = ("com", "ca", "com.mx", "com.br", "co.uk", "de", "fr", "it", "es", "nl", "se", "pl", "com.be",
            "com.tr", "ae", "sa", "in", "co.jp", "com.au", "sg", "cn")


def bullets(label: str, value: str) -> str:
    return ('<div id="detailBullets_feature_div"><ul><li><span class="a-list-item">'
            f'<span class="a-text-bold">{label} &rlm; : &lrm;</span><span>{value}</span></span></li>'
            '</ul></div>')


def details_table(label: str, value: str) -> str:
    return ('<table id="productDetails_detailBullets_sections1"><tr><th class="a-color-secondary a-size-base '
            f'prodDetSectionEntry">{label}</th><td class="a-size-base prodDetAttrValue">{value}</td>'
            '</tr></table>')


def tech_details(label: str, value: str) -> str:
    return ('<table id="productDetails_techSpec_section_1" class="a-keyvalue prodDetTable"><tr>'
            f'<th class="a-color-secondary a-size-base prodDetSectionEntry"> {label} </th>'
            f'<td class="a-size-base prodDetAttrValue"> &lrm;{value} </td></tr></table>')


def product_facts(label: str, value: str) -> str:
    return ('<div id="productFactsDesktopExpander"><div class="a-fixed-left-grid product-facts-detail">'
            '<div class="a-fixed-left-grid-inner"><div class="a-fixed-left-grid-col a-col-left">'
            '<span class="a-color-base">Brand</span></div><div class="a-fixed-left-grid-col a-col-right">'
            '<span class="a-color-base">LUMIVA</span></div></div></div>'
            '<div class="a-fixed-left-grid product-facts-detail"><div class="a-fixed-left-grid-inner">'
            f'<div class="a-fixed-left-grid-col a-col-left"><span class="a-color-base">{label}</span></div>'
            f'<div class="a-fixed-left-grid-col a-col-right"><span class="a-color-base">{value}</span>'
            '</div></div></div></div>')


def test_the_table_covers_every_marketplace() -> None:
    table = amazon.marketplaces()
    assert set(REQUIRED) <= set(table)
    for row in table.values():
        assert row.labels and row.order in {"mdy", "dmy", "ymd"}


@pytest.mark.parametrize(("market", "label", "value", "expected"), [
    ("com", "Date First Available", "March 5, 2019", date(2019, 3, 5)),
    ("com", "Date First Available", "03/05/2019", date(2019, 3, 5)),
    ("co.uk", "Date First Available", "05/03/2019", date(2019, 3, 5)),
    ("it", "Data di prima disponibilità", "12 marzo 2019", date(2019, 3, 12)),
    ("de", "Im Angebot von Amazon.de seit", "15. Oktober 2018", date(2018, 10, 15)),
    ("fr", "Date de mise en ligne sur Amazon.fr", "1 février 2020", date(2020, 2, 1)),
    ("es", "Producto en Amazon.es desde", "5 marzo 2019", date(2019, 3, 5)),
    ("com.mx", "Producto en Amazon.com.mx desde", "12 septiembre 2022", date(2022, 9, 12)),
    ("com.br", "Disponível para compra desde", "7 junho 2021", date(2021, 6, 7)),
    ("nl", "Datum eerste beschikbaarheid", "3 maart 2020", date(2020, 3, 3)),
    ("pl", "Data pierwszej dostępności", "12 marca 2019", date(2019, 3, 12)),
    ("com.tr", "Satışa sunulduğu ilk tarih", "4 Ağustos 2021", date(2021, 8, 4)),
    ("sa", "تاريخ توفر أول منتج", "5 مارس 2019", date(2019, 3, 5)),
    ("co.jp", "Amazon.co.jp での取り扱い開始日", "2020/6/28", date(2020, 6, 28)),
    ("cn", "Amazon.cn上架时间", "2017年5月31日", date(2017, 5, 31)),
    ("com.be", "Date de mise en ligne sur Amazon.com.be", "2 avril 2021", date(2021, 4, 2)),
])
@pytest.mark.parametrize("layout", [bullets, details_table, tech_details, product_facts])
def test_labels_in_every_layout(market: str, label: str, value: str, expected: date, layout) -> None:  # type: ignore[no-untyped-def]
    html = f"<html><body>{layout(label, value)}</body></html>"
    found = amazon.find_first_available(html, market)
    assert found is not None and found[0] == expected, (market, layout.__name__)


@pytest.mark.parametrize(("market", "label", "value"), [
    ("de", "Im Angebot von Amazon.de seit", "15. Okt. 2018"),
    ("nl", "Datum eerste beschikbaarheid", "15 okt. 2018"),
    ("se", "Datum för första tillgänglighet", "15 okt. 2018"),
    ("it", "Data di prima disponibilità", "15 ott 2018"),
    ("pl", "Data pierwszej dostępności", "15 paź 2018"),
    ("com.tr", "Satışa sunulduğu ilk tarih", "15 Eki 2018"),
    ("fr", "Date de mise en ligne sur Amazon.fr", "15 oct. 2018"),
    ("es", "Producto en Amazon.es desde", "15 oct. 2018"),
    ("com.br", "Disponível para compra desde", "15 de out. de 2018"),
    ("co.uk", "Date First Available", "15 Oct. 2018"),
])
@pytest.mark.parametrize("layout", [bullets, details_table, product_facts])
def test_abbreviated_months_in_each_language(market: str, label: str, value: str, layout) -> None:  # type: ignore[no-untyped-def]
    found = amazon.find_first_available(f"<html><body>{layout(label, value)}</body></html>", market)
    assert found is not None and found[0] == date(2018, 10, 15), (market, value)


@pytest.mark.parametrize(("market", "value", "expected"), [
    ("de", "3. Mär. 2019", date(2019, 3, 3)),
    ("nl", "3 mrt. 2019", date(2019, 3, 3)),
    ("fr", "1er févr. 2020", date(2020, 2, 1)),
    ("it", "7 giu 2021", date(2021, 6, 7)),
    ("com.tr", "4 Şub 2021", date(2021, 2, 4)),
    ("pl", "9 wrz 2020", date(2020, 9, 9)),
])
def test_abbreviations_of_other_languages(market: str, value: str, expected: date) -> None:
    order = amazon.marketplaces()[market].order
    assert amazon.parse_date(value, order) == expected


def test_no_month_name_means_two_months() -> None:
    seen: dict[str, int] = {}
    for relative in ("month_names.yaml", "month_abbreviations.yaml"):
        for names in knowledge.load_yaml(relative).values():
            for name, number in names.items():
                assert seen.setdefault(str(name), int(number)) == int(number), name


def test_label_and_value_in_cells_without_spaces() -> None:
    html = "<table><tr class='date-first-available'><td class='label'>Im Angebot von Amazon.de seit</td>" \
           "<td class='value'>15. Oktober 2018</td></tr></table>"
    found = amazon.find_first_available(html, "de")
    assert found is not None and found[1] == "Im Angebot von Amazon.de seit 15. Oktober 2018"


@pytest.fixture(scope="module")
def web() -> Iterator[Web]:
    with serve() as running:
        yield running


def test_checksite_reads_amazon_it(run_cli, web: Web) -> None:  # type: ignore[no-untyped-def]
    proc = run_cli("checksite", f"{web.base}/products/aurora-lamp", "--asin", "B0SELLERIT",
                   "--marketplace", "it", "--json", env=cli_env(web))
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["comparison"]["seller_date"] == "2019-03-12"
    assert result["comparison"]["seller_source"] == "amazon"
    assert (ROOT / "amazon/B0SELLERIT.html").is_file()
