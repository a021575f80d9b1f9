"""Checklists per complaint type, read from knowledge/checklists/."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from chatbot import knowledge
from chatbot.conversation import Lang
from chatbot.notices.content import text

TYPES = ("copyright", "trademark", "patent", "design_patent", "counterfeit", "other")


@dataclass(frozen=True)
class Step:
    id: str
    data: dict[str, Any]

    def title(self, lang: Lang) -> str:
        return text(self.data["title"], lang)

    def do(self, lang: Lang) -> str:
        return text(self.data["do"], lang)

    def evidence(self, lang: Lang) -> str:
        return text(self.data["evidence"], lang)

    def why(self, lang: Lang) -> str:
        return text(self.data["why"], lang)

    @property
    def source(self) -> str:
        return str(self.data.get("source", ""))

    @property
    def letter(self) -> str | None:
        return self.data.get("letter")

    @property
    def deadline(self) -> str | None:
        return self.data.get("deadline")


@dataclass(frozen=True)
class Checklist:
    type: str
    data: dict[str, Any]
    steps: tuple[Step, ...]

    def title(self, lang: Lang) -> str:
        return text(self.data["title"], lang)

    def summary(self, lang: Lang) -> str:
        return text(self.data["summary"], lang)

    def step(self, key: str) -> Step | None:
        """A step by id, or by its 1-based number in this checklist."""
        key = key.strip()
        if key.isdigit():
            index = int(key) - 1
            return self.steps[index] if 0 <= index < len(self.steps) else None
        return next((s for s in self.steps if s.id == key), None)

    def number(self, step_id: str) -> int:
        return next((i for i, s in enumerate(self.steps, 1) if s.id == step_id), 0)


@lru_cache(maxsize=1)
def all_steps() -> dict[str, dict[str, Any]]:
    return dict(knowledge.load_yaml("checklists/steps.yaml"))


@lru_cache(maxsize=16)
def checklist(complaint_type: str) -> Checklist:
    """The checklist for a complaint type; an unknown type gets the general ("other") one."""
    kind = complaint_type if complaint_type in TYPES else "other"
    data = knowledge.load_yaml(f"checklists/{kind}.yaml")
    steps = all_steps()
    return Checklist(kind, data, tuple(Step(step_id, steps[step_id]) for step_id in data["steps"]))
