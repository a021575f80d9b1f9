"""From many typed, weighted dates to one verdict per question, explained.

"Earliest date over all sources" lets one wrong or faked early date win. Here a date is believed
only when it is strong on its own (a third party's record, the platform's own `created_at`) or
when another source agrees with it; earlier dates that fail this are listed as set aside, with
the reason. Confidence grows with the weight of the independent sources that agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from chatbot.evidence.model import DateClaim

AGREE_DAYS = 31  # two dates within a month of each other tell the same story
STRONG = 0.6  # a claim this heavy stands alone
HIGH, MEDIUM = 1.2, 0.6  # summed weight of agreeing sources for high / medium confidence
TOO_CLOSE_DAYS = 2  # time zones and crawl delays: closer than this is no ordering
IGNORED_KINDS = {"fetched"}  # the server clock at fetch time says nothing about age
# Several items of one source (different files uploaded on different days) vouch for each other:
# a date is "consistent across items" when at least MIN_ITEMS different items of its source, first
# dated on MIN_ITEMS different days, date from it or within CONSISTENT_DAYS after it.
MIN_ITEMS = 3
CONSISTENT_DAYS = 366
MAX_CLAIMS = 2000  # claims weighed per estimate; sources cap their own, this bounds the sum
# A copycat controls how many dates its page, sitemap or archive answer holds: each source counts
# with at most this many claims (its earliest and its heaviest), so the agreement windows below
# cost at most (sources × MAX_CLAIMS_PER_SOURCE)² comparisons whatever the page repeats.
MAX_CLAIMS_PER_SOURCE = 40


@dataclass
class Estimate:
    value: date
    confidence: str  # high | medium | low
    sources: list[str]  # names of the sources that agree
    support: list[DateClaim]
    set_aside: list[tuple[DateClaim, str]] = field(default_factory=list)
    # Why this date was believed: "strong" (a record hard to fake, alone), "corroborated" (another
    # source agrees), "consistent_items" (nothing corroborated; several items of one source agree),
    # "heaviest" (nothing corroborated or consistent: the heaviest single claim).
    rule: str = "corroborated"

    def to_json(self) -> dict[str, Any]:
        return {
            "date": self.value.isoformat(),
            "confidence": self.confidence,
            "rule": self.rule,
            "sources": self.sources,
            "support": [c.to_json() | {"source": c.source} for c in self.support],
            "set_aside": [c.to_json() | {"source": c.source, "reason": reason}
                          for c, reason in self.set_aside],
        }


def effective(claim: DateClaim) -> date:
    """The day a claim proves existence by: an upload "sometime in February" proves only the
    end of February, so month-precision dates never pull an estimate earlier than a real day."""
    if claim.precision == "month":
        following = (claim.value.replace(day=28) + timedelta(days=4)).replace(day=1)
        return following - timedelta(days=1)
    return claim.value


def _independent_weight(claims: list[DateClaim]) -> float:
    """Sum per source of that source's heaviest claim: one source cannot agree with itself."""
    best: dict[str, float] = {}
    for claim in claims:
        best[claim.source] = max(best.get(claim.source, 0.0), claim.weight)
    return sum(best.values())


def _confidence(weight: float) -> str:
    return "high" if weight >= HIGH else "medium" if weight >= MEDIUM else "low"


def bounded(claims: list[DateClaim]) -> list[DateClaim]:
    """At most MAX_CLAIMS_PER_SOURCE claims per source: the earliest half and the heaviest half
    (ties keep the earlier), so neither the first date nor the strongest one is ever dropped."""
    by_source: dict[str, list[DateClaim]] = {}
    for claim in claims:
        by_source.setdefault(claim.source, []).append(claim)
    kept: list[DateClaim] = []
    half = MAX_CLAIMS_PER_SOURCE // 2
    for group in by_source.values():
        if len(group) <= MAX_CLAIMS_PER_SOURCE:
            kept += group
            continue
        earliest = sorted(group, key=lambda c: (effective(c), -c.weight))[:half]
        heaviest = sorted(group, key=lambda c: (-c.weight, effective(c)))
        chosen = {id(c) for c in earliest}
        kept += earliest + [c for c in heaviest if id(c) not in chosen][:MAX_CLAIMS_PER_SOURCE - half]
    return kept


def _consistent_run(usable: list[DateClaim]) -> tuple[DateClaim, list[DateClaim]] | None:
    """The earliest claim from which MIN_ITEMS independent items of its source follow within
    CONSISTENT_DAYS (itself included), with the claims of that window; None when no source has
    such a run. Items are independent when they are different files first dated on different
    days: files uploaded together in one day are one upload, one file in several sizes is one
    item. `usable` is sorted by date; each source holds at most MAX_CLAIMS_PER_SOURCE claims
    (`bounded`), so each start is checked against its window directly."""
    by_source: dict[str, list[DateClaim]] = {}
    for claim in usable:
        if claim.item:
            by_source.setdefault(claim.source, []).append(claim)
    best: tuple[DateClaim, list[DateClaim]] | None = None
    for claims in by_source.values():
        for start, first in enumerate(claims):
            limit = effective(first) + timedelta(days=CONSISTENT_DAYS)
            window = [c for c in claims[start:] if effective(c) <= limit]
            first_day: dict[str, date] = {}
            for claim in window:  # in date order: an item's first claim is its first day
                first_day.setdefault(claim.item, effective(claim))
            if len(set(first_day.values())) >= MIN_ITEMS:
                if best is None or effective(first) < effective(best[0]):
                    best = (first, window)
                break
    return best


def estimate(claims: list[DateClaim], *, not_before: date | None = None,
             consistent_items: bool = True) -> Estimate | None:
    """The earliest credible date among `claims` (already filtered to one scope).

    The rule, in order (the chosen one is named in `Estimate.rule` and explained in the report):
    1. the earliest date that is strong on its own or that another source agrees with (within
       AGREE_DAYS), confidence by the summed weight of the agreeing sources;
    2. when nothing is corroborated: the earliest date that is consistent across items of one
       source (MIN_ITEMS different files or records, first dated on different days, within
       CONSISTENT_DAYS; files uploaded together are one upload) — weight does not outrank it;
    3. otherwise the heaviest single claim, earliest on ties.
    Rules 2 and 3 give low confidence. `not_before`: a bound below which a date is impossible
    (a store page cannot predate its domain's registration); such dates are set aside.
    `consistent_items` (rule 2) is for the store: files uploaded on different days show the store
    existed, but a page can be newer than the files it shows (media are reused), so the page's
    own estimate passes False.
    """
    usable = sorted((c for c in bounded(claims) if c.kind not in IGNORED_KINDS and c.weight > 0),
                    key=lambda c: (effective(c), -c.weight))[:MAX_CLAIMS]
    if not usable:
        return None

    def impossible(claim: DateClaim) -> bool:
        # The archive's own crawl date cannot be faked by the site; anything else can.
        return not_before is not None and effective(claim) < not_before and claim.source != "wayback"

    set_aside: list[tuple[DateClaim, str]] = []
    possible = [c for c in usable if not impossible(c)]
    set_aside.extend((c, "before_registration") for c in usable if impossible(c))
    end = 0
    start = 0
    for claim in possible:
        # `window`: the claims within AGREE_DAYS of this one (two pointers over the sorted list).
        day = effective(claim)
        while start < len(possible) and (day - effective(possible[start])).days > AGREE_DAYS:
            start += 1
        while end < len(possible) and (effective(possible[end]) - day).days <= AGREE_DAYS:
            end += 1
        window = possible[start:end]
        others = [c for c in window if c.source != claim.source]
        if claim.weight >= STRONG or others:
            agreeing = sorted({c.source for c in window})
            support = sorted(window, key=lambda c: (-c.weight, c.value))
            rule = "corroborated" if others else "strong"
            return Estimate(day, _confidence(_independent_weight(window)), agreeing, support,
                            _sorted(set_aside), rule)
        set_aside.append((claim, "uncorroborated"))
    run = _consistent_run(possible) if consistent_items else None
    if run is not None:
        first, items = run
        kept = [(c, r) for c, r in set_aside if c not in items]
        return Estimate(effective(first), "low", [first.source], items, _sorted(kept), "consistent_items")
    if not possible:
        return None
    best = max(possible, key=lambda c: (c.weight, -effective(c).toordinal()))
    kept = [(c, r) for c, r in set_aside if c is not best]
    return Estimate(effective(best), "low", [best.source], [best], _sorted(kept), "heaviest")


def _sorted(pairs: list[tuple[DateClaim, str]]) -> list[tuple[DateClaim, str]]:
    return sorted(pairs, key=lambda pair: effective(pair[0]))


@dataclass
class Verdict:
    page: Estimate | None
    site: Estimate | None


def combine(claims: list[DateClaim]) -> Verdict:
    site_claims = [c for c in claims if c.scope == "site"]
    registered = [c.value for c in site_claims if c.kind == "registered"]
    bound = min(registered) if registered else None
    page = estimate([c for c in claims if c.scope == "page"], not_before=bound, consistent_items=False)
    # A page that existed proves its store existed: page evidence counts for the store too.
    site = estimate(site_claims + [c for c in claims if c.scope == "page"], not_before=bound)
    return Verdict(page, site)


def compare(seller: date | None, seller_source: str, page: Estimate | None) -> dict[str, Any]:
    """The seller's own date against the page's: a verdict, or "inconclusive" with a reason."""
    out: dict[str, Any] = {"seller_date": seller.isoformat() if seller else None,
                           "seller_source": seller_source or None,
                           "page_date": page.value.isoformat() if page else None}
    if seller is None:
        return out | {"verdict": "inconclusive", "reason": "no_seller_date", "days": None}
    if page is None:
        return out | {"verdict": "inconclusive", "reason": "no_page_date", "days": None}
    days = (page.value - seller).days
    if abs(days) < TOO_CLOSE_DAYS:
        return out | {"verdict": "inconclusive", "reason": "too_close", "days": abs(days)}
    if days > 0 and page.confidence == "low":
        # Weak evidence for the page cannot show the seller was first: it may be older.
        return out | {"verdict": "inconclusive", "reason": "weak_page_date", "days": days}
    if days > 0:
        return out | {"verdict": "seller_first", "reason": None, "days": days}
    return out | {"verdict": "page_first", "reason": None, "days": -days}


# Characters a reader does not see (soft hyphen, zero-width space / joiners, word joiner, BOM):
# a page can slip them between a brand's letters, and the reader still sees the brand.
_INVISIBLE = re.compile("[\u00ad\u200b-\u200d\u2060\ufeff]")


def brand_hits(segments: list[tuple[str, str]], brand: str, *, limit: int = 20,
               width: int = 60) -> list[dict[str, Any]]:
    """Where the seller's brand word appears on the page: [{"where", "snippet", "count"}], one per
    distinct snippet (at most `limit`), `count` the matches that snippet stands for (several
    mentions in one short block share one snippet but each counts)."""
    word = _INVISIBLE.sub("", brand).strip()
    if not word:
        return []
    # Whole-word match for Latin brands; CJK brands have no word boundaries.
    ascii_word = word.isascii()
    pattern = re.compile((r"(?<![\w])" + re.escape(word) + r"(?![\w])") if ascii_word else re.escape(word),
                         re.IGNORECASE)
    hits: list[dict[str, Any]] = []
    seen: dict[str, dict[str, Any]] = {}
    for where, shown in segments:
        text = _INVISIBLE.sub("", shown)  # matched and quoted as the reader sees it
        for match in pattern.finditer(text):
            start, end = max(0, match.start() - width), min(len(text), match.end() + width)
            snippet = ("…" if start else "") + text[start:end].strip() + ("…" if end < len(text) else "")
            if snippet in seen:
                seen[snippet]["count"] += 1
                continue
            if len(hits) >= limit:
                return hits
            seen[snippet] = {"where": where, "snippet": snippet, "count": 1}
            hits.append(seen[snippet])
    return hits
