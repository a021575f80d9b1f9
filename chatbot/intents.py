"""Free text → intent, for English, Simplified and Traditional Chinese."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Intent:
    name: str  # e.g. "notice"
    score: float
    evidence: tuple[str, ...] = ()  # the phrases that matched, for debugging and tests


def classify(text: str) -> Intent | None:
    """The intent a message expresses, or None for chatter we should not answer."""
    return None
