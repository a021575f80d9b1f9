"""Which storefront platform a page runs on, from signatures in knowledge/platforms.yaml."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from chatbot import knowledge
from chatbot.conversation import Lang
from chatbot.i18n import pick

MIN_SCORE = 2
SCAN_CHARS = 1_500_000  # signatures sit in the head and the first scripts


@dataclass(frozen=True)
class Detection:
    key: str  # "shopify", "woocommerce", ..., "unknown"
    name: str
    score: int
    matched: tuple[str, ...]  # which signatures fired, for the evidence log


@lru_cache(maxsize=1)
def platforms() -> dict[str, Any]:
    table = knowledge.load_yaml("platforms.yaml")
    compiled: dict[str, Any] = {}
    for key, entry in table.items():
        sig = entry.get("signatures") or {}
        compiled[key] = {
            "name": entry.get("name", key),
            "html": [(re.compile(s["pattern"], re.IGNORECASE), int(s.get("weight", 1)), s["pattern"])
                     for s in sig.get("html") or []],
            "headers": [(name.lower(), re.compile(s["pattern"], re.IGNORECASE), int(s.get("weight", 1)))
                        for name, s in (sig.get("headers") or {}).items()],
            "hosts": [h.lower() for h in sig.get("hosts") or []],
            "takedown": entry.get("takedown") or {},
            "prefer_over": set(entry.get("prefer_over") or ()),
        }
    return compiled


def detect(html: str, headers: Mapping[str, str], host: str = "") -> Detection:
    sample = html[:SCAN_CHARS]
    host = host.lower().rstrip(".")
    found: dict[str, Detection] = {}
    for key, entry in platforms().items():
        if key == "unknown":
            continue
        score, matched = 0, []
        for pattern, weight, label in entry["html"]:
            if pattern.search(sample):
                score += weight
                matched.append(f"html:{label}")
        for name, pattern, weight in entry["headers"]:
            value = headers.get(name)
            if value is not None and pattern.search(value):
                score += weight
                matched.append(f"header:{name}")
        for suffix in entry["hosts"]:
            if host == suffix or host.endswith("." + suffix):
                score += 3
                matched.append(f"host:{suffix}")
        if score >= MIN_SCORE:
            found[key] = Detection(key, entry["name"], score, tuple(matched))
    # WooCommerce runs on WordPress, so WordPress signatures fire too: the shop plugin is the answer.
    for key in list(found):
        for beaten in platforms()[key]["prefer_over"]:
            found.pop(beaten, None)
    if not found:
        return Detection("unknown", platforms()["unknown"]["name"], 0, ())
    return max(found.values(), key=lambda d: d.score)


def takedown(key: str, lang: Lang) -> dict[str, str]:
    entry = platforms().get(key) or platforms()["unknown"]
    route = entry["takedown"]
    return {"platform": entry["name"], "url": route.get("url", ""), "email": route.get("email", ""),
            "text": pick(lang, en=route.get("en", ""), zh=route.get("zh", ""))}
