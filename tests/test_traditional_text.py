"""Every Traditional Chinese string the bot can send: no character that exists only in
Simplified (by OpenCC's own character tables), no 后 for 後, and one punctuation style."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import opencc
import pytest
import yaml

from chatbot import knowledge
from chatbot.i18n import localize, message, t

KNOWLEDGE = knowledge.knowledge_dir()
# Characters OpenCC keeps as valid Traditional but that our text never means in that sense.
NEVER_IN_OUR_TRADITIONAL = {"后": "後 (after); 后 alone means an empress"}


@lru_cache(maxsize=1)
def simplified_only() -> frozenset[str]:
    """Characters OpenCC converts away and never produces for Traditional or Taiwan text."""
    folder = Path(opencc.__file__).parent / "dictionary"
    keys: set[str] = set()
    produced: set[str] = set()
    for name in ("STCharacters.txt", "STPhrases.txt", "TWVariants.txt", "TWPhrases.txt"):
        for line in (folder / name).read_text(encoding="utf-8").splitlines():
            source, _, targets = line.partition("\t")
            if name == "STCharacters.txt":
                keys.add(source)
            produced.update("".join(targets.split()))
    return frozenset(keys - produced)


def strings(node):
    if isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)
    elif isinstance(node, str):
        yield node


def zh_fields(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "zh" and isinstance(value, str):
                yield value
            else:
                yield from zh_fields(value)
    elif isinstance(node, list):
        for value in node:
            yield from zh_fields(value)


def keys(node, prefix=""):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from keys(value, f"{prefix}.{key}" if prefix else str(key))
    else:
        yield prefix


def traditional_texts() -> list[tuple[str, str]]:
    found = []
    for path in sorted((KNOWLEDGE / "messages" / "zh").glob("*.yaml")):
        tree = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key in keys(tree):
            for text in strings(message(f"{path.stem}.{key}", "zh-Hant")):
                found.append((f"{path.stem}.{key}", text))
    for path in [*sorted((KNOWLEDGE / "checklists").glob("*.yaml")), KNOWLEDGE / "letters" / "letters.yaml"]:
        tree = yaml.safe_load(path.read_text(encoding="utf-8"))
        found += [(path.name, localize(text, "zh-Hant")) for text in zh_fields(tree)]
    return found


TEXTS = traditional_texts()
HAN = "\u3400-\u4dbf\u4e00-\u9fff"


def test_the_check_sees_every_message_and_knows_simplified_characters():
    assert len(TEXTS) > 400
    assert {"们", "这", "说"} <= simplified_only() and not {"群", "准", "後"} & simplified_only()


@pytest.mark.parametrize(("where", "text"), TEXTS)
def test_no_simplified_character_left(where, text):
    left = sorted({c for c in text if c in simplified_only() or c in NEVER_IN_OUR_TRADITIONAL})
    assert not left, f"{where}: {left} in {text!r}"


@pytest.mark.parametrize(("where", "text"), TEXTS)
def test_one_punctuation_style(where, text):
    assert not re.search(f"[“”‘’]|[{HAN}][,;:?!()]|[,;:?!(][{HAN}]", text), f"{where}: {text!r}"


def test_named_instance_90_days_after():
    assert "90 天之後" in t("notice.deadline.inventory_removal", "zh-Hant")


@pytest.mark.parametrize(("simplified", "traditional"), [
    ("域名注册（RDAP):", "域名註冊（RDAP）："),  # a half-converted pair is made whole
    ("时间(UTC)", "時間（UTC）"),
    ("（可信度低；来源：页面本身)", "（可信度低；來源：頁面本身）"),
    ("/case 3 (done)", "/case 3 (done)"),  # no Chinese beside it: left as typed
    ("我读了通知，并为你开了案件", "我讀了通知，並為你開了案件"),
    ("信函类型", "信函類型"),
    ("绑定账号", "綁定帳號"),
    ("等待审核", "等待審核"),
])
def test_traditional_brackets_pair_and_reviewed_words(simplified: str, traditional: str) -> None:
    assert localize(simplified, "zh-Hant") == traditional
