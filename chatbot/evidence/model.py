"""The shapes every source returns and the combiner reads."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Literal

Scope = Literal["page", "site", "seller"]


@dataclass(frozen=True)
class DateClaim:
    """One date a source saw, typed by what it means.

    `kind` says what the date is: created, published, modified, first_capture, registered,
    uploaded, first_available, declared (a date the site states about itself), text, fetched.
    `weight` (0..1) says how much a copycat could have faked or moved it: a third party's record
    weighs most, a date the site writes about itself least.
    """

    kind: str
    value: date
    source: str
    scope: Scope
    weight: float
    detail: str = ""
    precision: Literal["day", "month"] = "day"
    url: str = ""
    # What the claim is about within its source (an image file, a record), so several items of
    # one source can vouch for each other; empty when the source has one item only.
    item: str = ""

    def to_json(self) -> dict[str, Any]:
        value = self.value.isoformat()[:7] if self.precision == "month" else self.value.isoformat()
        return {"kind": self.kind, "value": value, "detail": self.detail, "scope": self.scope,
                "weight": self.weight, "url": self.url} | ({"item": self.item} if self.item else {})


@dataclass
class SourceResult:
    name: str
    ok: bool = True
    dates: list[DateClaim] = field(default_factory=list)
    error: str | None = None  # a stable code, e.g. "timeout", "not_found", "fetch.too_large"
    error_detail: str = ""
    info: dict[str, Any] = field(default_factory=dict)  # registrar, archive links, platform...
    elapsed: float = 0.0
    # (where, text) the source read that the brand-word check should see too (the platform's
    # own product description); kept with the page's words, not in the JSON of the source.
    segments: list[tuple[str, str]] = field(default_factory=list)

    def fail(self, code: str, detail: str = "") -> SourceResult:
        self.ok, self.error, self.error_detail = False, code, detail
        return self

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "dates": [d.to_json() for d in self.dates],
                "error": self.error, "error_detail": self.error_detail, "info": self.info,
                "elapsed": round(self.elapsed, 3)}


@dataclass
class FetchRecord:
    """One line of the evidence log: what we asked for, what came back, what we took from it."""

    source: str
    url: str
    fetched_at: str  # UTC, ISO 8601
    final_url: str = ""
    status: int | None = None
    sha256: str = ""
    size: int = 0
    truncated: bool = False
    error: str | None = None
    extracted: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
