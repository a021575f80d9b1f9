"""The notice content in knowledge/: both languages everywhere, sources on every step, and the
facts each checklist must carry."""

from __future__ import annotations

import re
import string

import pytest

from chatbot import knowledge
from chatbot.i18n import message
from chatbot.notices.checklists import TYPES, all_steps, checklist
from chatbot.notices.content import text
from chatbot.notices.letters import letter_types

FIELDS = ("title", "do", "evidence", "why")


def flatten(node, prefix=""):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from flatten(value, f"{prefix}.{key}" if prefix else str(key))
    else:
        yield prefix, node


def placeholders(value: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(value) if name}


def test_every_message_key_exists_in_both_languages_with_the_same_placeholders():
    en = dict(flatten(knowledge.load_yaml("messages/en/notice.yaml")))
    zh = dict(flatten(knowledge.load_yaml("messages/zh/notice.yaml")))
    assert set(en) == set(zh)
    for key in en:
        assert str(en[key]).strip() and str(zh[key]).strip(), key
        assert placeholders(str(en[key])) == placeholders(str(zh[key])), key


def test_traditional_overrides_only_replace_existing_keys():
    zh = dict(flatten(knowledge.load_yaml("messages/zh/notice.yaml")))
    hant = dict(flatten(knowledge.load_yaml("messages/zh-Hant/notice.yaml")))
    for key, value in hant.items():
        assert key in zh, key
        assert placeholders(str(value)) == placeholders(str(zh[key])), key


def test_every_step_has_both_languages_and_a_source():
    for step_id, step in all_steps().items():
        for field in FIELDS:
            assert step[field]["en"].strip() and step[field]["zh"].strip(), (step_id, field)
        assert re.search(r"https?://|RFC \d+", step["source"]), step_id


def test_every_checklist_has_both_languages_and_known_steps():
    steps = all_steps()
    for kind in TYPES:
        data = knowledge.load_yaml(f"checklists/{kind}.yaml")
        assert data["type"] == kind
        for field in ("title", "summary"):
            assert data[field]["en"].strip() and data[field]["zh"].strip()
        assert data["steps"] and all(step in steps for step in data["steps"])
        assert data["steps"][:2] == ["verify_notice", "record_details"]
        for common in ("investigate", "retraction", "appeal", "prevention"):
            assert common in data["steps"], (kind, common)


def test_letters_named_by_steps_exist_and_have_both_languages():
    table = knowledge.load_yaml("letters/letters.yaml")
    for step in all_steps().values():
        if "letter" in step:
            assert step["letter"] in letter_types()
    for name, spec in table["types"].items():
        assert knowledge.path(f"letters/{name}.j2").is_file()
        for field in ("title", "how"):
            assert spec[field]["en"].strip() and spec[field]["zh"].strip(), (name, field)
        assert spec["parts"]
        for part in spec["parts"]:
            assert part["en"].strip() and part["zh"].strip(), name
    names = knowledge.load_yaml("messages/en/notice.yaml")["placeholders"]
    for placeholder in ("complaint_id", "asin_list", "rights_owner", "listing_date", "brand"):
        assert placeholder in table["placeholders"] and placeholder in names


def test_type_specific_facts_are_in_the_checklists():
    assert "counter_notice" in checklist("copyright").data["steps"]
    assert "takedown_copycat" in checklist("copyright").data["steps"]
    trademark = checklist("trademark")
    assert "no_counter_notice" in trademark.data["steps"] and "counter_notice" not in trademark.data["steps"]
    assert "DMCA" in trademark.step("no_counter_notice").do("en")
    assert "APEX" in checklist("patent").step("apex").do("en")
    assert "APEX does not cover design patents" in checklist("design_patent").step("design_compare").do("en")
    assert "notice-retraction@amazon.com" in checklist("other").step("retraction").do("en")
    assert "Do not delete the listing" in checklist("counterfeit").step("verify_notice").do("en")
    assert "/checksite" in checklist("copyright").step("investigate").do("en")
    assert "/blocklist" in checklist("copyright").step("investigate").do("en")


@pytest.mark.parametrize("kind", TYPES)
def test_traditional_chinese_uses_reviewed_terms(kind):
    converted_any = False
    for step in checklist(kind).steps:
        for field in FIELDS:
            converted = text(step.data[field], "zh-Hant")
            assert "賬戶" not in converted and "型別" not in converted, (step.id, field)
            converted_any |= converted != step.data[field]["zh"]
    assert converted_any and "帳戶" in text(checklist(kind).step("verify_notice").data["do"], "zh-Hant")


def test_every_reply_carries_the_legal_line_in_each_language():
    assert "not legal advice" in message("notice.legal", "en")
    assert "不构成法律意见" in message("notice.legal", "zh-Hans")
    assert "不構成法律意見" in message("notice.legal", "zh-Hant")


PRIMARY = re.compile(r"https?://(?:[\w-]+\.)*(?:amazon\.[\w.]+|aboutamazon\.com|uspto\.gov|cnipa\.gov\.cn|"
                     r"euipo\.europa\.eu|copyright\.gov|law\.cornell\.edu|wikisource\.org|rfc-editor\.org|"
                     r"icann\.org)(?:/|\b)")


def test_every_step_leads_with_its_primary_source():
    """Amazon's help pages, the statute or the official register come first; commentary after."""
    for step_id, step in all_steps().items():
        first = re.search(r"https?://\S+", step["source"])
        assert first and PRIMARY.match(first.group(0)), (step_id, step["source"][:120])
