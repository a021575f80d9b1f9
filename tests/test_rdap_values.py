"""Registry and archive answers with repeated and split fields: every value is read."""

from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import UTC, date, datetime

import httpx

from chatbot.evidence import engine, rdap, report, wayback
from chatbot.evidence.client import EvidenceClient
from chatbot.net.fetcher import FetchResult
from tests.fixtures.sites.server import ROOT

TODAY = date(2026, 11, 29)


def test_every_abuse_address_and_every_event() -> None:
    data = json.loads((ROOT / "rdap/domain/copycat-shop.com.json").read_text())
    claims, info = rdap.parse_domain(data, TODAY)
    assert sorted(c.value for c in claims) == [date(2016, 3, 2), date(2019, 7, 10)]
    assert info["registrar"] == "NameCheap, Inc."
    assert info["registrar_abuse_email"] == "abuse@namecheap.com"
    assert info["registrar_abuse_emails"] == ["abuse@namecheap.com", "domains-abuse@namecheap.com",
                                              "legal@namecheap.com"]
    assert info["registrar_abuse_phone"] == "+1.6613102107"
    assert info["last_changed"] == "2025-03-05"  # the latest of two, not the first


def test_country_registry_answer_with_an_organisation_and_a_phone_only_abuse_desk() -> None:
    data = json.loads((ROOT / "rdap/domain/kestrel-copy.co.uk.json").read_text())
    claims, info = rdap.parse_domain(data, TODAY)
    # The registrar's own registration (2001, on the nested entity) is not the domain's.
    assert [c.value for c in claims] == [date(2020, 11, 3)]
    assert info["registrar"] == "Kestrel Names Ltd; Registry Services"  # no fn: the whole org
    assert info["registrar_abuse_phones"] == ["+44.2000000001", "+44.2000000002"]
    assert "registrar_abuse_email" not in info
    assert info["last_changed"] == "2024-06-01" and info["expiration"] == "2027-11-03"


def test_a_redacted_name_is_no_name() -> None:
    entity = {"vcardArray": ["vcard", [["fn", {}, "text", "REDACTED FOR PRIVACY"],
                                       ["email", {}, "text", "Redacted for privacy"],
                                       ["org", {}, "text", "Kestrel Hosting"]]]}
    assert rdap._vcard(entity) == {"org": ["Kestrel Hosting"]}
    data = {"name": "KESTREL-NET", "entities": [dict(entity, roles=["registrant"])]}
    assert rdap.parse_ip(data)["host_owner"] == "Kestrel Hosting"


def test_every_abuse_contact_reaches_the_report_and_the_blocklist() -> None:
    data = json.loads((ROOT / "rdap/domain/copycat-shop.com.json").read_text())
    _, info = rdap.parse_domain(data, TODAY)
    info |= {"host_abuse_email": "noc@host.example",
             "host_abuse_emails": ["noc@host.example", "abuse@host.example"]}
    contacts = dict(report.context({"abuse": info}, "en")["contacts"])
    assert contacts["Registrar abuse contact"] == ", ".join(info["registrar_abuse_emails"])
    assert contacts["Host abuse contact"] == "noc@host.example, abuse@host.example"
    assert engine._signals({"abuse": info})["abuse_contact"] == [*info["registrar_abuse_emails"],
                                                                "noc@host.example", "abuse@host.example"]


def test_structured_and_repeated_vcard_values() -> None:
    entity = {"vcardArray": ["vcard", [["fn", {}, "text", ["Acme", "Hosting"]],
                                       ["email", {}, "text", "a@x.example"],
                                       ["email", {}, "text", "a@x.example"],
                                       ["tel", {}, "uri", "tel:+1.555", "tel:+1.556"]]]}
    card = rdap._vcard(entity)
    assert card == {"fn": ["Acme Hosting"], "email": ["a@x.example"], "tel": ["+1.555", "+1.556"]}


def test_network_answer_with_several_abuse_contacts() -> None:
    data = {"name": "EXAMPLE-NET", "entities": [
        {"roles": ["registrant"], "vcardArray": ["vcard", [["fn", {}, "text", "Example Hosting"]]],
         "entities": [{"roles": ["abuse"],
                       "vcardArray": ["vcard", [["email", {}, "text", "noc@host.example"]]]}]},
        {"roles": ["abuse"], "vcardArray": ["vcard", [["email", {}, "text", "abuse@host.example"]]]},
    ]}
    info = rdap.parse_ip(data)
    assert info["host_owner"] == "Example Hosting"
    assert info["host_abuse_emails"] == ["noc@host.example", "abuse@host.example"]


def test_several_cdx_rows_for_one_timestamp() -> None:
    key, page = "com,copycat-shop)/products/lamp", "copycat-shop.com/products/lamp"
    answer = [["urlkey", "timestamp", "original", "statuscode"],
              [key, "20210802101010", f"https://{page}", "200"],
              [key, "20200314061522", f"https://{page}", "200"],
              [key, "20200314061522", f"http://{page}", "301"]]
    assert wayback.first_row(answer) == ("20200314061522", "http://copycat-shop.com/products/lamp")


def test_cdx_rows_whose_status_shows_no_page_are_not_a_first_capture() -> None:
    page = "https://copycat-shop.com/products/lamp"
    answer = [["timestamp", "original", "statuscode"],
              ["20170101000000", page, "404"],
              ["20170505000000", page, "503"],
              ["20180101000000", page, "-"],
              ["20190202000000", page, "302"],
              ["20200303000000", page, "200"]]
    assert wayback.first_row(answer) == ("20190202000000", page)


def test_cdx_resume_key_rows_are_no_captures() -> None:
    answer = [["timestamp", "original", "statuscode"],
              ["20200303000000", "https://copycat-shop.com/", "200"],
              [],
              ["com,copycat-shop)/ 20200303000000"]]
    assert wayback.first_row(answer) == ("20200303000000", "https://copycat-shop.com/")


def test_cdx_text_and_line_json_answers() -> None:
    text = ("20210802101010 https://copycat-shop.com/products/lamp 200\n"
            "20200314061522 http://copycat-shop.com/products/lamp 301\n"
            "20190101000000 http://copycat-shop.com/products/lamp 404\n"
            "\ncom,copycat-shop)/products/lamp+20210802101010\n")
    assert wayback.first_row(text) == ("20200314061522", "http://copycat-shop.com/products/lamp")
    default_columns = ("com,copycat-shop)/ 20200314061522 https://copycat-shop.com/ text/html 200 "
                       "AAAABBBBCCCCDDDDEEEEFFFFGGGGHHHH 5120\n")
    assert wayback.first_row(default_columns) == ("20200314061522", "https://copycat-shop.com/")
    lines = ('{"urlkey": "com,copycat-shop)/", "timestamp": "20220101000000", '
             '"url": "https://copycat-shop.com/", "status": "200"}\n'
             '{"urlkey": "com,copycat-shop)/", "timestamp": "20200314061522", '
             '"url": "https://copycat-shop.com/", "status": "200"}\n')
    assert wayback.first_row(lines) == ("20200314061522", "https://copycat-shop.com/")


def test_domain_sample_is_one_row_per_url() -> None:
    query = wayback.cdx_url("https://web.archive.org", "copycat-shop.com", domain=True)
    assert "matchType=domain" in query and "collapse=urlkey" in query
    assert "collapse" not in wayback.cdx_url("https://web.archive.org", "copycat-shop.com/")


class _TextCdx:
    """A CDX server that answers in text lines whatever the `output` asked for."""

    async def fetch(self, url, **_: object) -> FetchResult:  # type: ignore[no-untyped-def]
        body = b"20200314061522 https://copycat-shop.com/products/lamp 200\n" if "products" in str(url) \
            else b"20190705000000 https://copycat-shop.com/ 200\n"
        now = datetime(2026, 11, 29, tzinfo=UTC)
        return FetchResult(str(url), str(url), 200, {"content-type": "text/plain"}, body, False,
                           hashlib.sha256(body).hexdigest(), now, 0.01, "127.0.0.1")


def test_a_text_answer_is_read_by_the_source() -> None:
    client = EvidenceClient(_TextCdx(), [])
    result = asyncio.run(wayback.run(client, "http://cdx-mirror:8080",
                                     httpx.URL("https://copycat-shop.com/products/lamp"),
                                     "copycat-shop.com", TODAY))
    assert {(c.scope, c.value) for c in result.dates} == {("page", date(2020, 3, 14)),
                                                         ("site", date(2019, 7, 5))}
