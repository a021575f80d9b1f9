"""Content lives in knowledge/: every message exists in English and Chinese."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
import yaml

from chatbot import knowledge
from chatbot.i18n import t

MESSAGES = knowledge.knowledge_dir() / "messages"


def _keys(tree: object, prefix: str = "") -> set[str]:
    if isinstance(tree, dict):
        keys: set[str] = set()
        for key, value in tree.items():
            keys |= _keys(value, f"{prefix}{key}.")
        return keys
    if isinstance(tree, list):
        keys = {prefix.rstrip(".") + f"[{len(tree)}]"}
        for index, value in enumerate(tree):
            keys |= _keys(value, f"{prefix}{index}.")
        return keys
    return {prefix.rstrip(".")}


def _load(path: Path) -> object:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


NAMESPACES = sorted({p.stem for lang in ("en", "zh") for p in (MESSAGES / lang).glob("*.yaml")})


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_every_message_exists_in_both_languages(namespace):
    en, zh = MESSAGES / "en" / f"{namespace}.yaml", MESSAGES / "zh" / f"{namespace}.yaml"
    assert en.exists() and zh.exists(), f"{namespace}.yaml must exist in en/ and zh/"
    assert _keys(_load(en)) == _keys(_load(zh))


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_traditional_overrides_only_replace_existing_keys(namespace):
    override = MESSAGES / "zh-Hant" / f"{namespace}.yaml"
    if override.exists():
        assert _keys(_load(override)) <= _keys(_load(MESSAGES / "zh" / f"{namespace}.yaml"))


def _leaves(tree: object, prefix: str = "") -> dict[str, str]:
    if isinstance(tree, dict):
        items = tree.items()
    elif isinstance(tree, list):
        items = enumerate(tree)
    else:
        return {prefix: tree} if isinstance(tree, str) else {}
    leaves: dict[str, str] = {}
    for key, value in items:
        leaves.update(_leaves(value, f"{prefix}.{key}" if prefix else str(key)))
    return leaves


def _fields(value: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(value) if name}
    except ValueError:
        return {"<malformed>"}


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_placeholders_match_between_languages(namespace):
    en = _leaves(_load(MESSAGES / "en" / f"{namespace}.yaml"))
    zh = _leaves(_load(MESSAGES / "zh" / f"{namespace}.yaml"))
    for key, text in en.items():
        assert _fields(text) == _fields(zh.get(key, "")), f"{namespace}.{key}"


def test_traditional_is_converted_and_reviewed_overrides_win():
    assert t("core.moderators_only", "zh-Hant") == "只有管理員可以執行這個操作。"
    assert t("core.lang_set", "zh-Hant").startswith("好的，從現在起")


# Word lists the bot reads input with (comma-separated, as typed), not sentences it writes.
WORD_LISTS = {("blocklist.yaml", "words"), ("blocklist.yaml", "category_words")}


def test_simplified_chinese_messages_use_full_width_punctuation() -> None:
    # Simplified Chinese writes ，：；！？ between Chinese words; an ASCII mark there looks broken.
    import re

    cjk = r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]"
    ascii_mark = re.compile(rf"(?<={cjk})[,:;!?]|[,:;!?](?={cjk})|\}}:[{{“]")  # also "{name}:{count}"

    def texts(node: object, path: str) -> list[tuple[str, str]]:
        if isinstance(node, dict):
            return [t for key, value in node.items() for t in texts(value, f"{path}.{key}")]
        return [(path, node)] if isinstance(node, str) else []

    found = []
    for path in sorted((Path(__file__).parent.parent / "knowledge/messages/zh").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for where, text in texts(data, ""):
            if (path.name, where.split(".")[1]) not in WORD_LISTS and ascii_mark.search(text):
                found.append(f"{path.name}{where}: {text[:60]}")
    assert found == []
