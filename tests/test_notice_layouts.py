"""Notice layouts beyond `Label: value`, values that arrive damaged, and labels in every
marketplace language: each named instance of the notice-help revision, with its right value."""

from __future__ import annotations

import pytest

from chatbot.notices.parser import parse_notice

DASH_LINES = """Hello,
We removed some of your listings because we received a report from a rights owner that they may
infringe the rights owner's patent.
ASIN: B0EXAMPLE1 Title: Folding step stool
Infringement type: Patent
Complaint ID: 5566778899
If you want to resolve this dispute, contact the rights owner:
-- Mara Quill, mara.quill@quill-ip-example.com
-- Patent number: US 10987654
"""

FRENCH = """Cher client,
Nous avons reçu une notification concernant une violation des droits du titulaire de droits ci-dessous.
ASIN : B0EXAMPLE2
Type de violation : Marque
ID de la plainte : 6677889900
Vous trouverez ses coordonnées ci-dessous.
— Lucie Marchal
— l.marchal@exemple-droits.example
"""


def test_owner_on_a_dash_line_after_the_contact_lead_in():
    notice = parse_notice(DASH_LINES)
    assert notice.rights_owner == "Mara Quill"
    assert notice.rights_owner_email == "mara.quill@quill-ip-example.com"
    assert notice.patent_numbers == ["US 10987654"]
    assert notice.missing() == []


def test_owner_and_address_on_separate_em_dash_lines_of_a_french_notice():
    notice = parse_notice(FRENCH)
    assert notice.rights_owner == "Lucie Marchal"
    assert notice.rights_owner_email == "l.marchal@exemple-droits.example"
    assert notice.complaint_type == "trademark" and notice.complaint_id == "6677889900"
    assert notice.language == "fr"


def test_german_marke_label_gives_the_trademark_number():
    notice = parse_notice("Beschwerde-ID: 4455667788\nArt der Verletzung: Marke\nASIN: B0EXAMPLE6\n"
                          "Marke: 018234567\nRechteinhaber: Beispiel Haushalt GmbH\n")
    assert notice.trademark_numbers == ["018234567"]
    assert notice.complaint_type == "trademark"


@pytest.mark.parametrize("label", ["权利所有者", "權利所有者", "权利所有者名称"])
def test_chinese_rights_owner_labels_in_either_script(label):
    notice = parse_notice(f"投诉编号：5566778899\n侵权类型：商标\nASIN：B0EXAMPLE5\n"
                          f"{label}：示例贸易有限公司\n")
    assert notice.rights_owner == "示例贸易有限公司"


@pytest.mark.parametrize(("line", "owner"), [
    ("Rights owner: Shenzhen Example Trading Co., Ltd. (ACMEBRAND)",
     "Shenzhen Example Trading Co., Ltd. (ACMEBRAND)"),
    ("Rights owner: Example Trading Co., Ltd. (ACMEBRAND) <ip@example-trading.example>",
     "Example Trading Co., Ltd. (ACMEBRAND)"),
    ("Rights owner: [Example Labs]", "Example Labs"),
    ("Rights owner: Example Labs (", "Example Labs"),
    ("Rights owner: 示例科技有限公司（深圳）", "示例科技有限公司(深圳)")  # full-width folded,
])
def test_brackets_that_belong_to_the_name_are_kept(line, owner):
    notice = parse_notice(f"Complaint ID: 5566778899\nInfringement type: Trademark\nASIN: B0EXAMPLE7\n"
                          f"{line}\n")
    assert notice.rights_owner == owner


@pytest.mark.parametrize(("line", "owner"), [
    ("权利人：名称:Guangzhou Example Co., Ltd.", "Guangzhou Example Co., Ltd."),
    ("權利人：名稱：Guangzhou Example Co., Ltd.", "Guangzhou Example Co., Ltd."),
    ("Rights owner: Name: Example Lamp Co.", "Example Lamp Co."),
    ("Rechteinhaber: Name des Rechteinhabers: Beispiel GmbH", "Beispiel GmbH"),
    ("Rights owner: Example Lamp Co. Rights owner email: legal@lamp.example", "Example Lamp Co."),
])
def test_values_are_cleaned_of_labels_in_every_language(line, owner):
    notice = parse_notice(f"Complaint ID: 5566778899\nInfringement type: Copyright\nASIN: B0EXAMPLE8\n"
                          f"{line}\n")
    assert notice.rights_owner == owner


def test_a_missing_field_says_what_stood_where_it_usually_is():
    notice = parse_notice("Complaint ID: 5566778899\nInfringement type: Copyright\nASIN: B0EXAMPLE9\n"
                          "Titular: Ejemplo Hogar SL\nWe are here to help.\n")
    assert "rights_owner" in notice.missing()
    assert notice.seen["rights_owner"] == "Titular: Ejemplo Hogar SL"


def test_the_contact_block_is_shown_when_the_owner_is_not_read_from_it():
    notice = parse_notice("Complaint ID: 5566778899\nInfringement type: Copyright\nASIN: B0EXAMPLE9\n"
                          "These are the rights owner's contact details:\n-- mara@quill.example\n")
    assert notice.rights_owner is None and notice.rights_owner_email == "mara@quill.example"
    assert notice.seen["rights_owner"] == "-- mara@quill.example"


def test_contact_block_reading_is_bounded_on_a_huge_paste():
    lines = "contact the rights owner:\n" + "-- Example Owner\n" * 50_000
    notice = parse_notice(lines)
    assert notice.rights_owner == "Example Owner"  # read from the first lines only, no error


def test_letters_carry_the_owner_as_written(chat):
    pasted = ("Complaint ID: 5566778899\nInfringement type: Trademark\nASIN: B0EXAMPLE7\n"
              "Rights owner: Shenzhen Example Trading Co., Ltd. (ACMEBRAND)\n"
              "Rights owner email: ip@example-trading.example\n")
    case_id = chat(pasted)[0].data["case"]["id"]
    letter = chat.one(f"/letter retraction {case_id}").data["body"]
    assert "Dear Shenzhen Example Trading Co., Ltd. (ACMEBRAND),\n" in letter


def test_an_english_letter_from_a_chinese_notice_has_no_chinese_label_in_it(chat):
    pasted = ("投诉编号：5566778899\n侵权类型：版权\nASIN：B0EXAMPLE5\n"
              "权利人：名称:Guangzhou Example Co., Ltd.\n权利人邮箱：ip@gz-example.example\n")
    case_id = chat(pasted, user="li")[0].data["case"]["id"]
    letter = chat.one(f"/letter counter {case_id}", user="li").data["body"]
    assert "filed by Guangzhou Example Co., Ltd." in letter and "名称" not in letter


def test_a_labelled_value_that_cannot_be_read_is_shown_as_seen():
    notice = parse_notice("Complaint ID: 5566778899\nInfringement type: Patent\nASIN: B0EXAMPLE9\n"
                          "Titre: Lampe\nPatent number: see the attached PDF\n")
    assert notice.seen["patent_numbers"] == "see the attached PDF"
    assert "Titre: Lampe" not in notice.seen.values()  # a product title is a known label, not a guess
