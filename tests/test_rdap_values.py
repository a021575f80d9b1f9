"""Registry and archive answers with repeated and split fields: every value is read."""

from __future__ import annotations

import json
from datetime import date

from chatbot.evidence import engine, rdap, report, wayback
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
