"""Free text → intent, for English, Simplified and Traditional Chinese.

Two intents: "notice", a seller telling us they received an IP infringement complaint (or
pasting it), and "listing_removed", a listing taken down with no word of IP ("amazon took down my
listing"), which may or may not be an IP matter. The vocabulary lives in
`knowledge/intents.yaml`; the rule is "an IP word and something that happened to the seller",
with typo-tolerant English words, Traditional input folded to Simplified, and negative
patterns for look-alike chatter ("notice board", "投诉快递"). Everything is precomputed once, so a
message costs a few dictionary look-ups.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from chatbot import knowledge
from chatbot.i18n import to_simplified

SCAN_CHARS = 3000  # the intent shows in the first lines; a 50 KB paste is judged on its start
# Typo matching builds every one- or two-letter deletion of a word (about n² / 2 variants for a
# word of n letters): only words a typo of a vocabulary word could be are matched at all.
MAX_TYPO_WORD = 20  # letters; the longest vocabulary word plus two stays well under this
CATEGORIES = ("strong", "weak", "event", "happened", "context", "self")
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_NOTICE_HINT = re.compile(
    r"complaint\s*id|infringement\s*type|rights\s*owner|\bASIN\b|beschwerde|rechteinhaber|"
    r"申し立て|権利|投诉编号|投訴編號|侵权类型|侵權類型|权利人|權利人",
    re.IGNORECASE,
)


_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@lru_cache(maxsize=8192)
def _simplified_char(char: str) -> str:
    folded = to_simplified(char)
    return folded if len(folded) == 1 else char


def _fold(text: str) -> str:
    """Traditional characters folded to Simplified one by one (cached per character): enough for
    matching phrases, and far cheaper than OpenCC's phrase-level conversion of every message."""
    return _HAN.sub(lambda m: _simplified_char(m.group(0)), text)


@dataclass(frozen=True)
class Intent:
    name: str  # e.g. "notice"
    score: float
    evidence: tuple[str, ...] = ()  # the phrases that matched, for debugging and tests


@dataclass(frozen=True)
class _Vocabulary:
    phrases: dict[tuple[str, ...], str]  # canonical word sequence -> category
    longest: int
    longest_word: int  # letters
    words: frozenset[str]
    typos: dict[str, str]
    not_typos: frozenset[str]
    deletes: dict[str, tuple[str, ...]]  # deletion variant -> vocabulary words (typo look-up)
    zh: dict[str, re.Pattern[str]]  # category -> alternation of Chinese phrases
    negative: re.Pattern[str] | None
    veto: re.Pattern[str] | None
    loose: frozenset[str]  # strong words that also mean rules or fines ("infringement of the parking rules")
    removal: re.Pattern[str] | None  # a listing came down (EN words and Chinese phrases)


def _deletions(word: str, depth: int) -> set[str]:
    variants = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1:] for w in frontier for i in range(len(w))}
        variants |= frontier
    return variants


def _max_distance(word: str) -> int:
    return 2 if len(word) >= 8 else (1 if len(word) >= 5 else 0)


def _alternation(items: Iterable[str]) -> re.Pattern[str] | None:
    ordered = sorted({i for i in items if i}, key=len, reverse=True)
    return re.compile("|".join(re.escape(i) for i in ordered)) if ordered else None


def _patterns(items: Iterable[str]) -> re.Pattern[str] | None:
    items = [i for i in items if i]
    return re.compile("|".join(f"(?:{i})" for i in items)) if items else None


@lru_cache(maxsize=1)
def _vocabulary() -> _Vocabulary:
    table = knowledge.load_yaml("intents.yaml")["notice"]
    en, zh = table["en"], table["zh"]
    phrases: dict[tuple[str, ...], str] = {}
    for category in CATEGORIES:
        for phrase in en.get(category, []):
            tokens = tuple(_WORD.findall(str(phrase).lower()))
            if tokens:
                phrases.setdefault(tokens, category)
    words = frozenset(w for tokens in phrases for w in tokens)
    deletes: dict[str, set[str]] = {}
    for word in words:
        for variant in _deletions(word, _max_distance(word)):
            deletes.setdefault(variant, set()).add(word)
    zh_patterns = {}
    for category in CATEGORIES:
        pattern = _alternation(_fold(str(p)).lower() for p in zh.get(category, []))
        if pattern is not None:
            zh_patterns[category] = pattern
    return _Vocabulary(
        phrases=phrases,
        longest=max(len(p) for p in phrases),
        longest_word=max(len(w) for w in words),
        words=words,
        typos={k.lower(): v.lower() for k, v in (en.get("typos") or {}).items()},
        not_typos=frozenset(w.lower() for w in en.get("not_typos", [])),
        deletes={k: tuple(sorted(v)) for k, v in deletes.items()},
        zh=zh_patterns,
        negative=_patterns([*en.get("negative", []), *zh.get("negative", [])]),
        veto=_patterns([*en.get("veto", []), *zh.get("veto", [])]),
        loose=frozenset(str(w).lower() for w in en.get("loose", [])),
        removal=_patterns([rf"\b{re.escape(str(w).lower())}\b" for w in en.get("removal", [])]
                          + [re.escape(_fold(str(w))) for w in zh.get("removal", [])]),
    )


def _distance(a: str, b: str) -> int:
    """Optimal string alignment distance (Damerau-Levenshtein with adjacent transpositions)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


@lru_cache(maxsize=65536)
def canonical(token: str) -> str:
    """The vocabulary word a token stands for (itself, a listed typo, or a near miss).

    Work is bounded whatever the token: a token longer than any vocabulary word plus the typo
    distance (and never more than MAX_TYPO_WORD letters) is returned as it is, so at most
    MAX_TYPO_WORD² / 2 deletion variants are built.
    """
    vocab = _vocabulary()
    if token in vocab.words:
        return token
    if token in vocab.typos:
        return vocab.typos[token]
    limit = _max_distance(token)
    if limit == 0 or token in vocab.not_typos or len(token) > min(MAX_TYPO_WORD, vocab.longest_word + limit):
        return token  # too long to be a slip of any vocabulary word: no variants built
    best, best_distance = token, limit + 1
    for variant in _deletions(token, limit):
        for word in vocab.deletes.get(variant, ()):
            allowed = min(limit, _max_distance(word))
            distance = _distance(token, word)
            if distance <= allowed and distance < best_distance:
                best, best_distance = word, distance
    return best


def _normalise(text: str) -> str:
    sample = unicodedata.normalize("NFKC", text[:SCAN_CHARS]).lower()
    if _HAN.search(sample):
        sample = _fold(sample)
    return sample


def _english_hits(sample: str, vocab: _Vocabulary) -> dict[str, list[str]]:
    tokens = [canonical(t) for t in _WORD.findall(sample)]
    hits: dict[str, list[str]] = {}
    index = 0
    while index < len(tokens):
        for size in range(min(vocab.longest, len(tokens) - index), 0, -1):
            key = tuple(tokens[index:index + size])
            category = vocab.phrases.get(key)
            if category is not None:
                hits.setdefault(category, []).append(" ".join(key))
                index += size
                break
        else:
            index += 1
    return hits


def _chinese_hits(sample: str, vocab: _Vocabulary) -> dict[str, list[str]]:
    hits: dict[str, list[str]] = {}
    if not _HAN.search(sample):
        return hits
    for category, pattern in vocab.zh.items():
        found = pattern.findall(sample)
        if found:
            hits[category] = found
    return hits


def _looks_like_pasted_notice(text: str) -> bool:
    if len(text) < 80 or not _NOTICE_HINT.search(text[:SCAN_CHARS * 4]):
        return False
    from chatbot.notices.parser import parse_notice

    return parse_notice(text).is_notice


def is_notice(text: str) -> bool:
    """True when `text` is about a received IP complaint (the "notice" intent)."""
    found = classify(text)
    return found is not None and found.name == "notice"


def _removed_listing(sample: str, hits: dict[str, list[str]], vocab: _Vocabulary) -> Intent | None:
    """A listing taken down, with no IP word: "amazon took down my listing", "链接被下架了"."""
    if vocab.removal is None or not (hits.get("context") or hits.get("self")):
        return None
    found = vocab.removal.search(sample)
    if found is None or (vocab.veto is not None and vocab.veto.search(sample)):
        return None
    before = sample[:found.start()].split()[-1:]
    if not hits.get("context") or before in (["i"], ["we"], ["just"], ["have"], ["i've"], ["we've"]):
        return None  # "I removed my listing" is the seller's own doing
    return Intent("listing_removed", 0.5, (found.group(0),))


def classify(text: str) -> Intent | None:
    """The intent a message expresses ("notice" or "listing_removed"), or None for chatter we
    should not answer."""
    if not text or not text.strip():
        return None
    if _looks_like_pasted_notice(text):
        return Intent("notice", 1.0, ("pasted notice",))
    vocab = _vocabulary()
    sample = _normalise(text)
    hits = _english_hits(sample, vocab)
    for category, found in _chinese_hits(sample, vocab).items():
        hits.setdefault(category, []).extend(found)
    loose_only = bool(hits.get("strong")) and all(w in vocab.loose for w in hits["strong"])
    if loose_only and not (hits.get("event") or hits.get("context") or hits.get("weak")):
        return None  # "infringement of the parking rules got me a ticket"
    if not hits.get("strong") and not hits.get("weak"):
        return _removed_listing(sample, hits, vocab)
    if vocab.veto is not None and vocab.veto.search(sample):
        return None
    evidence = tuple(word for category in CATEGORIES for word in hits.get(category, []))
    personal = bool(hits.get("self") or hits.get("context"))
    strong = set(hits.get("strong", ()))
    if strong and (len(strong) > 1 or hits.get("event") or hits.get("happened") or personal):
        return Intent("notice", 0.9, evidence)
    if vocab.negative is not None and vocab.negative.search(sample):
        return None
    ip = hits.get("strong") or hits.get("weak")
    if ip and hits.get("event"):
        return Intent("notice", 0.75, evidence)
    if ip and hits.get("happened") and personal:
        return Intent("notice", 0.6, evidence)
    return None
