"""From the notice to the complainant's store: when a pasted notice names the rights owner's
e-mail on a company domain (not a webmail service), or a one-word brand, offer to check that
site (/checksite) and to look it up in the blocklist. Nothing is fetched until the seller presses
a button: the offer only names the domain."""

from __future__ import annotations

import re
from functools import lru_cache

from chatbot import knowledge
from chatbot.context import Context
from chatbot.conversation import Actions, Button, Incoming, Lang, Paragraph, Part, Reply
from chatbot.i18n import t
from chatbot.notices.parser import ParsedNotice

MAX_BRAND_SLUG = 30
_SLUG = re.compile(r"[^a-z0-9]")
_COMPANY_WORDS = re.compile(r"\b(llc|ltd|limited|inc|gmbh|co|corp|company|studio|trading|有限公司)\b",
                            re.IGNORECASE)


@lru_cache(maxsize=1)
def webmail_domains() -> frozenset[str]:
    return frozenset(knowledge.load_lines("webmail_domains.txt"))


def owner_domain(notice: ParsedNotice) -> tuple[str, str] | None:
    """(domain, how we know it): `email` from the rights owner's address, or `brand` — a guess of
    <brand>.com from a one-word owner name. None for webmail addresses and longer names."""
    from chatbot.blocklist.normalize import InvalidSite, normalize_site

    email = (notice.rights_owner_email or "").strip().lower()
    if "@" in email:
        try:
            domain = normalize_site(email).registrable
        except InvalidSite:
            domain = ""
        if domain and domain not in webmail_domains():
            return domain, "email"
    name = (notice.rights_owner or "").strip()
    slug = _SLUG.sub("", name.lower())
    one_word = len(name.split()) == 1 and not _COMPANY_WORDS.search(name)
    if one_word and 3 <= len(slug) <= MAX_BRAND_SLUG:
        return f"{slug}.com", "brand"
    return None


def offer_parts(notice: ParsedNotice | None, lang: Lang) -> list[Part]:
    """The offer for a case reply, or nothing."""
    found = owner_domain(notice) if notice is not None else None
    if found is None:
        return []
    domain, how = found
    return [Paragraph(t(f"notice.complainant.offer_{how}", lang, domain=domain,
                        email=notice.rights_owner_email or "", owner=notice.rights_owner or "")),
            Actions((Button("owner.check", t("notice.complainant.check", lang, domain=domain),
                            value=domain),
                     Button("owner.blocklist", t("notice.complainant.blocklist", lang), value=domain)))]


def on_action(msg: Incoming, ctx: Context) -> list[Reply]:
    """The seller said yes: check the site, or look it up in the blocklist."""
    from handlers import blocklist, checksite

    assert msg.action is not None and msg.lang is not None
    kind = msg.action.id.partition(".")[2]
    domain = msg.action.value.strip().lower()
    if not re.fullmatch(r"[a-z0-9.-]{3,253}", domain):
        return [Reply("error", msg.lang, t("core.unknown_action", msg.lang), ok=False)]
    if kind == "check":
        return checksite.handle(msg, f"https://{domain}/", ctx)
    if kind == "blocklist":
        return blocklist.blocklist(msg, f"check {domain}", ctx)
    return [Reply("error", msg.lang, t("core.unknown_action", msg.lang), ok=False)]


ACTIONS = {"owner": on_action}
