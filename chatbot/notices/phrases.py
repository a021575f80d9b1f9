"""Step phrases a seller types outside /case: "第一步做完了", "step 2 done", "skip step 3".

Words live in knowledge/notices/words.yaml (`step_states`, `not_brands`); work per message is
bounded by MAX_STEP_PHRASE_CHARS.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from chatbot import knowledge
from chatbot.i18n import to_simplified

MAX_STEP_PHRASE_CHARS = 40  # "step 2 done" is short; a long message is a story, not a command
_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
              "十": 10}
_STEP_EN = re.compile(r"\bstep\s*#?\s*(\d{1,2})\b", re.IGNORECASE)
_STEP_ZH = re.compile(r"第\s*([0-9]{1,2}|[一二两三四五六七八九十]{1,3})\s*步")


@dataclass(frozen=True)
class StepPhrase:
    number: int  # 1-based step number as the seller sees it
    state: str  # "done", "skipped" or "todo"


@dataclass(frozen=True)
class _Phrases:
    states: tuple[tuple[str, re.Pattern[str]], ...]  # state -> words
    not_brands: frozenset[str]


@lru_cache(maxsize=1)
def phrases() -> _Phrases:
    table = knowledge.load_yaml("notices/words.yaml")
    states = []
    for state, words in table["step_states"].items():
        ordered = sorted((to_simplified(str(w)).lower() for w in words), key=len, reverse=True)
        states.append((state, re.compile("|".join(
            rf"\b{re.escape(w)}\b" if w[:1].isascii() else re.escape(w) for w in ordered))))
    answers = {str(w).lower() for words in table["answers"].values() for w in words}
    not_brands = frozenset(answers | {str(w).lower() for w in table["not_brands"]})
    return _Phrases(tuple(states), not_brands)


def _number(raw: str) -> int | None:
    if raw.isdigit():
        return int(raw)
    if raw == "十":
        return 10
    if raw.startswith("十"):  # 十二
        return 10 + _CN_DIGITS.get(raw[1:], 0)
    if raw.endswith("十"):  # 二十
        return _CN_DIGITS.get(raw[0], 0) * 10
    if len(raw) == 3 and raw[1] == "十":  # 二十一
        return _CN_DIGITS.get(raw[0], 0) * 10 + _CN_DIGITS.get(raw[2], 0)
    return _CN_DIGITS.get(raw)


def step_phrase(text: str) -> StepPhrase | None:
    """"第一步做完了", "step 2 done", "skip step 3", "第2步跳过" → (number, state); None otherwise.

    Only short messages (≤ MAX_STEP_PHRASE_CHARS) count; the words live in
    knowledge/notices/words.yaml (`step_states`)."""
    if len(text) > MAX_STEP_PHRASE_CHARS:
        return None
    sample = to_simplified(text.strip().lower())
    found = _STEP_EN.search(sample) or _STEP_ZH.search(sample)
    if found is None:
        return None
    number = _number(found.group(1))
    if not number:
        return None
    rest = sample[:found.start()] + " " + sample[found.end():]
    for state, pattern in phrases().states:
        if pattern.search(rest):
            return StepPhrase(number, state)
    return None
