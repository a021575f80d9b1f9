"""Bilingual content from knowledge/: pick the reader's language from an `{en, zh}` node."""

from __future__ import annotations

from typing import Any

from chatbot.conversation import Lang
from chatbot.i18n import localize


def _traditional(text: str) -> str:
    return str(localize(text, "zh-Hant"))  # the reviewed term table applies there (chatbot.i18n)


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
