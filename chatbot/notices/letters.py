"""Letter drafts rendered from Jinja2 templates in knowledge/letters/, filled from a case.

The letters are English (Amazon, US platforms and hosts expect English); the explanation of
each part is in the seller's language. A value the case does not know yet becomes a visible
[PLACEHOLDER] the seller must replace, never an empty gap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from chatbot import knowledge
from chatbot.conversation import Lang
from chatbot.evidence import copying_present, platform
from chatbot.i18n import to_simplified
from chatbot.net.typed_url import typed_host
from chatbot.notices.content import text
from chatbot.notices.models import Case

TYPE_LABELS = {
    "copyright": "copyright", "trademark": "trademark", "patent": "patent",
    "design_patent": "design patent", "counterfeit": "counterfeit", "other": "intellectual property",
    "unknown": "intellectual property",
}


def indefinite(phrase: str) -> str:
    """`phrase` with "a" or "an" by its first sound: "a copyright", "an intellectual property".
    Written for our own labels (no "hour"/"unicorn" exceptions beyond u-words said "you")."""
    first = phrase[:1].lower()
    vowel = first in "aeio" or (first == "u" and not phrase.lower().startswith(("uni", "use", "usu", "uti")))
    return f"{'an' if vowel else 'a'} {phrase}"


class UnknownLetter(ValueError):
    """No letter of that type."""


class NotApplicable(ValueError):
    """That letter does not fit the case (a DMCA counter-notice for a trademark complaint)."""


@dataclass(frozen=True)
class Letter:
    type: str
    title: str
    how: str
    body: str
    parts: tuple[str, ...]  # what each part of the letter does, in the reader's language
    missing: tuple[str, ...]  # placeholders left in the draft


@lru_cache(maxsize=1)
def _table() -> dict[str, Any]:
    return dict(knowledge.load_yaml("letters/letters.yaml"))


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(knowledge.path("letters"))),
        autoescape=select_autoescape(enabled_extensions=(), default=False),  # plain text letters
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def letter_types() -> tuple[str, ...]:
    return tuple(_table()["types"])


def resolve_type(word: str) -> str | None:
    """The letter type a user typed ("counter", "反通知", "撤訴"...), or None."""
    key = to_simplified(word.strip().lower())
    for name, spec in _table()["types"].items():
        aliases = {name, *(to_simplified(str(a).lower()) for a in spec.get("aliases", []))}
        if key in aliases:
            return name
    return None


def applies(letter_type: str, complaint_type: str) -> bool:
    allowed = _table()["types"][letter_type].get("only_for")
    return not allowed or complaint_type in allowed


def title(letter_type: str, lang: Lang) -> str:
    return text(_table()["types"][letter_type]["title"], lang)


def _storefront_route(url: str) -> dict[str, str]:
    """Who takes a takedown for the copycat's store, from knowledge/platforms.yaml by host name;
    self-hosted shops leave the host's abuse contact for the seller to fill from /checksite."""
    detection = platform.detect("", {}, typed_host(url))
    route = platform.takedown(detection.key, "en")
    contact = " or ".join(part for part in (route["url"], route["email"]) if part)
    if detection.key == "unknown" or not contact:
        return {"name": "", "contact": ""}
    return {"name": route["platform"], "contact": contact}


def listing_urls(case: Case | None) -> list[str]:
    if case is None or not case.asins:
        return ["[URL OF YOUR PRODUCT PAGE, e.g. https://www.amazon.com/dp/ASIN]"]
    market = case.marketplace or "amazon.com"
    return [f"https://www.{market}/dp/{asin}" for asin in case.asins]


def context(case: Case | None, today: date) -> tuple[dict[str, Any], list[str]]:
    """Template variables from the case, with placeholders for what it does not know."""
    blanks = dict(_table()["placeholders"])
    missing: list[str] = []

    def value(name: str, known: str | None) -> str:
        if known:
            return known
        missing.append(name)
        return str(blanks[name])

    numbers = (case.ip_numbers or {}) if case else {}
    complaint_type = case.complaint_type if case else "unknown"
    urls = list(case.storefront_urls) if case else []
    route = _storefront_route(urls[0]) if urls else {"name": "", "contact": ""}
    evidence = _table()["evidence"]
    variables: dict[str, Any] = {
        "complaint_type": complaint_type,
        "complaint_type_label": TYPE_LABELS.get(complaint_type, "intellectual property"),
        "complaint_type_with_article": indefinite(TYPE_LABELS.get(complaint_type, "intellectual property")),
        "complaint_id": value("complaint_id", case.complaint_id if case else None),
        "asin_list": value("asin_list", ", ".join(case.asins) if case else None),
        "rights_owner": value("rights_owner", case.rights_owner if case else None),
        "rights_owner_email": value("rights_owner_email", case.rights_owner_email if case else None),
        "marketplace": value("marketplace", case.marketplace if case else None),
        "marketplace_known": bool(case and case.marketplace),
        "notice_date": value("notice_date", case.notice_date.isoformat() if case and case.notice_date
                             else None),
        "notice_date_known": bool(case and case.notice_date),
        "listing_date": value("listing_date", case.listing_date.isoformat() if case and case.listing_date
                              else None),
        "brand": value("brand", case.brand if case else None),
        "brand_known": bool(case and case.brand),
        "trademark_list": value("trademark_list", ", ".join(numbers.get("trademark", []))),
        "trademark_known": bool(numbers.get("trademark")),
        "patent_list": value("patent_list", ", ".join(numbers.get("patent", []))),
        "storefront_urls": urls or [blanks["storefront"]],
        "storefront_first": urls[0] if urls else blanks["storefront"],
        "storefront_list": ", ".join(urls),
        "storefront_known": bool(urls),
        "listing_urls": listing_urls(case),
        "route_contact": route["contact"] or blanks["route_contact"],
        "route_name": route["name"] or blanks["route_name"],
        "evidence": evidence.get(complaint_type, evidence["other"]),
        "retraction_asked": bool(case and case.steps.get("retraction") == "done"),
        "today": today.isoformat(),
    }
    for name in ("seller_name", "seller_address", "seller_phone", "seller_email", "store_name", "signature"):
        variables[name] = blanks[name]
    return variables, missing


def render(letter_type: str, case: Case | None, lang: Lang, today: date,
           copying: dict[str, Any] | None = None) -> Letter:
    """The letter filled from the case; `copying`, the latest copying check of the case's
    storefront (copying_store.latest), lets the dispute and takedown letters cite the matches."""
    spec = _table()["types"].get(letter_type)
    if spec is None:
        raise UnknownLetter(letter_type)
    if case is not None and not applies(letter_type, case.complaint_type):
        raise NotApplicable(letter_type)
    variables, missing = context(case, today)
    listing_date = case.listing_date.isoformat() if case and case.listing_date else None
    # The letters are English (see letters.yaml); the sentence is too.
    variables["copying_sentence"] = copying_present.letter_sentence(copying, "en", listing_date)
    body = _environment().get_template(f"{letter_type}.j2").render(**variables)
    body = "\n".join(line.rstrip() for line in body.strip().splitlines()) + "\n"
    return Letter(
        type=letter_type,
        title=text(spec["title"], lang),
        how=text(spec["how"], lang),
        body=body,
        parts=tuple(text(part, lang) for part in spec["parts"]),
        missing=tuple(name for name in dict.fromkeys(missing)
                      if str(_table()["placeholders"][name]) in body),
    )
