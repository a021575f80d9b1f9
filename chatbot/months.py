"""Month names in the languages of Amazon's marketplaces (knowledge/month_names.yaml)."""

from __future__ import annotations

from chatbot import knowledge


def _load() -> dict[str, int]:
    table: dict[str, int] = {}
    for names in knowledge.load_yaml("month_names.yaml").values():
        table.update({str(name): int(number) for name, number in names.items()})
    return table


MONTHS: dict[str, int] = _load()  # "march" / "märz" / "mars" / "mar" → 3
