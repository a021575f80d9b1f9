"""Which of the seller's sentences appear on the copycat's page, and how much of the seller's text
is there: `rapidfuzz` on normalised text.

Normalising: Unicode NFKC (full-width letters and digits become ASCII), case folded, punctuation
and symbols become spaces. Chinese and Japanese have no spaces between words, so every CJK
character is its own token; Latin text is compared word by word. A passage is one sentence (or a
title, or a bullet); a copied passage keeps most of its characters in order, which is what
`fuzz.ratio` (normalised Indel similarity) measures.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz, process

MAX_TEXT_CHARS = 200_000  # per side; a product page's copy is a few thousand
MAX_PASSAGES = 60  # seller passages compared
MAX_SEGMENTS = 800  # copycat sentences searched
MAX_PASSAGE_CHARS = 400
MIN_PASSAGE_CHARS = 12  # shorter ("Size", "Black") proves nothing
MIN_CJK_CHARS = 6
MATCH_MIN = 80.0  # a passage counts as copied at this similarity (0-100) or more

_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|[。！？；\n•·|]+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class Passage:
    where: str  # title, bullet, description, text
    text: str


@dataclass(frozen=True)
class PassageMatch:
    where: str
    seller_text: str
    copycat_text: str
    score: float  # 0..1


@dataclass(frozen=True)
class TextResult:
    similarity: float  # 0..1: the share of the seller's text (by characters) found on the page
    passages: tuple[PassageMatch, ...]  # best first, those at MATCH_MIN or more
    compared: int  # seller passages compared
    seller_passages: int  # before the cap


def normalize(text: str) -> str:
    """NFKC, case-folded, punctuation to spaces, CJK characters spaced apart."""
    text = unicodedata.normalize("NFKC", text[:MAX_TEXT_CHARS]).casefold()
    out = []
    for ch in text:
        category = unicodedata.category(ch)
        if category[0] in {"P", "S", "Z", "C"}:
            out.append(" ")
        elif _CJK.match(ch):
            out.append(f" {ch} ")
        else:
            out.append(ch)
    return " ".join("".join(out).split())


def _long_enough(text: str) -> bool:
    cjk = len(_CJK.findall(text))
    return cjk >= MIN_CJK_CHARS or len(text.strip()) - cjk >= MIN_PASSAGE_CHARS


def split(where: str, text: str) -> list[Passage]:
    """A block of text → its sentences (titles and bullets stay whole)."""
    text = text[:MAX_TEXT_CHARS]
    pieces = [text] if where in {"title", "bullet"} else _SENTENCE_END.split(text)
    return [Passage(where, piece.strip()[:MAX_PASSAGE_CHARS]) for piece in pieces if _long_enough(piece)]


def compare(seller: list[Passage], copycat: list[str]) -> TextResult:
    """The seller's passages (title, bullets, description sentences) against the copycat page's
    text blocks. Work is bounded: MAX_PASSAGES x MAX_SEGMENTS comparisons at most."""
    segments: list[str] = []
    for block in copycat:
        segments += [p.text for p in split("text", block)]
        if len(segments) >= MAX_SEGMENTS:
            break
    segments = list(dict.fromkeys(segments))[:MAX_SEGMENTS]
    choices = [normalize(s) for s in segments]
    passages = list(dict.fromkeys(seller))
    compared = passages[:MAX_PASSAGES]
    total = matched = 0.0
    found: list[PassageMatch] = []
    for passage in compared:
        needle = normalize(passage.text)
        if not needle:
            continue
        weight = len(needle.replace(" ", ""))
        total += weight
        best = process.extractOne(needle, choices, scorer=fuzz.ratio, processor=None) if choices else None
        if best is None:
            continue
        score = float(best[1])
        if score >= MATCH_MIN:
            matched += weight * score / 100
            found.append(PassageMatch(passage.where, passage.text, segments[best[2]], round(score / 100, 3)))
    similarity = round(matched / total, 3) if total else 0.0
    found.sort(key=lambda m: -m.score)
    return TextResult(similarity, tuple(found), len(compared), len(passages))
