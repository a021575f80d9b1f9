"""Month names in the languages of Amazon's marketplaces (knowledge/month_names.yaml), and their
abbreviations (knowledge/month_abbreviations.yaml), each as one lower-case name → month table."""

from __future__ import annotations

from chatbot import knowledge


def _load(relative: str) -> dict[str, int]:
    """{name: month} from a file of {language: {name: month}}; a name two languages give two
    different months would be a data error (tests/test_amazon_labels.py checks there is none)."""
    table: dict[str, int] = {}
    for names in knowledge.load_yaml(relative).values():
        table.update({str(name): int(number) for name, number in names.items()})
    return table


MONTHS: dict[str, int] = _load("month_names.yaml")  # "march" / "märz" / "mars" / "mar" → 3
# "okt" / "ott" / "paź" / "mrt" → 10, 10, 10, 3: read only in a value labelled as a date
ABBREVIATED: dict[str, int] = _load("month_abbreviations.yaml")
