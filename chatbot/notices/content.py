"""Bilingual content from knowledge/: pick the reader's language from an `{en, zh}` node."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from chatbot import knowledge
from chatbot.conversation import Lang
from chatbot.i18n import localize


@lru_cache(maxsize=1)
def _hant_terms() -> tuple[tuple[str, str], ...]:
    table = knowledge.load_yaml("notices/zh_hant_terms.yaml") or {}
    return tuple(sorted(((str(k), str(v)) for k, v in table.items()), key=lambda kv: -len(kv[0])))


@lru_cache(maxsize=4096)
def _traditional(text: str) -> str:
    converted = localize(text, "zh-Hant")
    for wrong, right in _hant_terms():
        converted = converted.replace(wrong, right)
    return converted


def text(node: Any, lang: Lang) -> str:
    """`node[en]` for English readers; `node[zh-Hant]` or the converted `node[zh]` for Chinese."""
    if not isinstance(node, dict):
        return "" if node is None else str(node)
    if lang == "en":
        return str(node.get("en", ""))
    if lang == "zh-Hant" and node.get("zh-Hant"):
        return str(node["zh-Hant"])
    value = str(node.get("zh") or node.get("en", ""))
    return _traditional(value) if lang == "zh-Hant" else value
