"""Reading JSON-LD (W3C JSON-LD 1.1, schema.org vocabulary) as pages embed it: the objects of a
document at any depth (`@graph`, nested offers, variants), their `@type`s, every value of a
property and the image URLs of an `image` property. Shared by the page's date reader
(`page.jsonld_claims`) and the copy check's picture reader (`pictures`).

Bounded: at most MAX_DEPTH levels, MAX_LIST items per list, MAX_VALUES values per property.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

MAX_DEPTH = 8
MAX_LIST = 200
MAX_VALUES = 20
MAX_IMAGES = 50


def walk(node: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    """Every JSON object in a JSON-LD document, parents before children, at most MAX_DEPTH deep
    and MAX_LIST items per list (`@context` is not walked)."""
    if depth > MAX_DEPTH:
        return
    if isinstance(node, list):
        for item in node[:MAX_LIST]:
            yield from walk(item, depth + 1)
    elif isinstance(node, dict):
        yield node
        for key, value in node.items():
            if key != "@context" and isinstance(value, dict | list):
                yield from walk(value, depth + 1)


def types_of(node: dict[str, Any]) -> set[str]:
    """The node's `@type`s in lower case (`"Product"` or `["Product", "ItemPage"]`)."""
    raw = node.get("@type", [])
    return {str(t).lower() for t in (raw if isinstance(raw, list) else [raw])}


def values(value: Any) -> list[Any]:
    """Every value of a property: one value, a list of them (at most MAX_VALUES), or value objects
    (`{"@value": "2020-03-14", "@type": "Date"}`, JSON-LD 1.1 §4.2); strings are stripped, empty
    ones dropped; other objects (a Brand node) are kept for the caller."""
    items = value[:MAX_VALUES] if isinstance(value, list) else [value]
    found = []
    for item in items:
        if isinstance(item, dict) and "@value" in item:
            item = item["@value"]
        if isinstance(item, str):
            if item.strip():
                found.append(item.strip())
        elif isinstance(item, dict):
            found.append(item)
    return found


def images_of(value: Any) -> Iterator[str]:
    """The URLs an `image` property names: a URL, a list, or ImageObjects (`url`, `contentUrl`)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value[:MAX_IMAGES]:
            yield from images_of(item)
    elif isinstance(value, dict):
        for key in ("url", "contentUrl"):
            if isinstance(value.get(key), str):
                yield value[key]
