"""Words for a lookup result in the reader's language: shared by the chat summary and reports."""

from __future__ import annotations

import re
from typing import Any

from chatbot.conversation import Lang
from chatbot.evidence import platform
from chatbot.evidence.network import NETWORK_ERRORS, SERVICES, network_failed
from chatbot.evidence.rdap import every_value
from chatbot.i18n import t


def source_name(name: str, lang: Lang) -> str:
    try:
        return t(f"checksite.source.{name}", lang)
    except KeyError:
        return name


def offline_text(result: dict[str, Any], lang: Lang) -> str:
    """Our own network is down: what to tell the seller, naming the services this lookup asked
    (`network.services_down`: all of them when offline), and nothing about the site."""
    down = (result.get("network") or {}).get("services_down") or SERVICES
    services = t("core.list_separator", lang).join(source_name(name, lang) for name in down)
    return t("evidence.offline", lang, services=services)


def kind_name(kind: str, lang: Lang) -> str:
    try:
        return t(f"checksite.kind.{kind}", lang)
    except KeyError:
        return kind


def refusal_reason(key: str, lang: Lang) -> str:
    """Why a link was refused or could not be read, for a `fetch.*` / `fetch.url.*` message key
    (`LookupRefused.key`, `fetcher.message_key`); the general "not a web address I can check"
    when the key has no message of its own."""
    try:
        return t(key, lang)
    except KeyError:
        return t("fetch.invalid_url", lang)


def error_text(code: str | None, detail: str, lang: Lang) -> str:
    """A source's error code as a short phrase."""
    code = code or "internal"
    if code.startswith("fetch."):
        try:
            return t(code, lang)
        except KeyError:
            return t("checksite.error.internal", lang)
    if code.startswith("http_"):
        return t("checksite.error.http", lang, status=code.removeprefix("http_"))
    try:
        return t(f"checksite.error.{code}", lang, detail=detail)
    except KeyError:
        return t("checksite.error.internal", lang)


def estimate_text(estimate: dict[str, Any] | None, lang: Lang) -> str:
    if not estimate:
        return t("checksite.no_date", lang)
    sources = ", ".join(source_name(s, lang) for s in estimate["sources"])
    text = t("checksite.estimate", lang, date=estimate["date"],
             confidence=t(f"checksite.confidence.{estimate['confidence']}", lang), sources=sources)
    rule = estimate.get("rule")
    if rule in {"consistent_items", "heaviest"}:  # nothing corroborated it: say how it was chosen
        items = {c.get("item") or c.get("detail") for c in estimate.get("support", [])}
        text += " — " + t(f"evidence.rule.{rule}", lang, count=len(items), source=sources)
    return text


def comparison_text(comparison: dict[str, Any], lang: Lang) -> str:
    verdict = comparison.get("verdict")
    params = {"seller": comparison.get("seller_date"), "page": comparison.get("page_date"),
              "days": comparison.get("days")}
    if verdict in {"seller_first", "page_first"}:
        return t(f"checksite.comparison.{verdict}", lang, **params)
    if comparison.get("reason") == "amazon_failed":
        code = comparison.get("amazon_error")
        # Amazon is our service: no answer from it is never "check the spelling of the site".
        why = t("evidence.amazon_unreachable", lang) if code in NETWORK_ERRORS else error_text(code, "", lang)
        why = why.rstrip("。.")
        return t("evidence.amazon_failed", lang, why=why)
    reason = t(f"checksite.comparison.reason.{comparison.get('reason') or 'no_page_date'}", lang, **params)
    return t("checksite.comparison.inconclusive", lang, reason=reason)


def blocklist_text(status: dict[str, Any] | None, lang: Lang) -> str:
    status = status or {}
    state = status.get("state") or status.get("status") or "unavailable"
    if state == "unavailable" and str(status.get("reason", "")).startswith("site_"):
        state = "not_listable"  # an IP address, a platform itself: the list holds no such entry
    try:
        reporters = status.get("reporters", 0)
        return t(f"checksite.blocklist.{state}", lang, reporters=reporters, count=reporters)
    except KeyError:
        return str(state)


def where_label(where: str, lang: Lang) -> str:
    """The reader's words for where a brand hit was found ("text", "meta og:title", "platform
    body_html"… from page.py and platform_api.py); the raw name when no label exists."""
    key = re.sub(r"[^a-z0-9]+", "_", where.lower()).strip("_")
    try:
        return t(f"checksite.where.{key}", lang)
    except KeyError:
        return where


def brand_text(result: dict[str, Any], lang: Lang) -> str | None:
    brand = result.get("brand")
    if not brand:
        return None
    hits = result.get("brand_hits") or []
    if not hits:
        return t("checksite.brand.none", lang, brand=brand)
    first = hits[0]
    return t("checksite.brand.hits", lang, brand=brand, count=sum(int(h.get("count", 1)) for h in hits),
             where=where_label(str(first["where"]), lang), snippet=first["snippet"][:160])


def takedown_text(result: dict[str, Any], lang: Lang) -> str:
    route = platform.takedown(result.get("platform") or "unknown", lang)
    extra = " ".join(x for x in (route["url"], route["email"]) if x)
    return f"{route['text']} {extra}".strip()


def platform_name(result: dict[str, Any], lang: Lang) -> str:
    if (result.get("platform") or "unknown") == "unknown":
        return t("checksite.platform_unknown", lang)
    return str(result.get("platform_name") or result["platform"])


def source_lines(result: dict[str, Any], lang: Lang, *, skip: frozenset[str] = frozenset()) -> list[str]:
    lines = []
    for source in result.get("sources", []):
        if source["name"] in skip:
            continue
        name = source_name(source["name"], lang)
        if source["ok"] and not source["dates"]:
            lines.append(t("checksite.source_empty", lang, name=name))
        elif source["ok"]:
            lines.append(t("checksite.source_ok", lang, name=name, count=len(source["dates"])))
        elif source["name"] in SERVICES and network_failed(source):
            # Our own service did not answer: never "the site may have been taken down".
            reason = t("evidence.service_down", lang)
            lines.append(t("checksite.source_failed", lang, name=name, reason=reason))
        else:
            reason = error_text(source.get("error"), str(source.get("error_detail") or ""), lang)
            lines.append(t("checksite.source_failed", lang, name=name, reason=reason))
    return lines


def fields(result: dict[str, Any], lang: Lang) -> list[tuple[str, str]]:
    """The label/value pairs of the summary, in order."""
    abuse = result.get("abuse") or {}
    pairs = [
        (t("checksite.field.platform", lang), platform_name(result, lang)),
        (t("checksite.field.page_first_seen", lang), estimate_text(result.get("page_first_seen"), lang)),
        (t("checksite.field.site_first_seen", lang), estimate_text(result.get("site_first_seen"), lang)),
        (t("checksite.field.comparison", lang), comparison_text(result.get("comparison") or {}, lang)),
    ]
    if (brand := brand_text(result, lang)) is not None:
        pairs.append((t("checksite.field.brand", lang), brand))
    pairs.append((t("checksite.field.blocklist", lang), blocklist_text(result.get("blocklist"), lang)))
    for key, label in (("registrar", "registrar"), ("registrar_abuse_email", "registrar_abuse"),
                       ("host_abuse_email", "host_abuse")):
        if values := every_value(abuse, key):
            value = ", ".join(values)  # every contact the registry named
            if key == "host_abuse_email" and abuse.get("host_network"):
                value = f"{value} ({abuse['host_network']})"
            pairs.append((t(f"checksite.field.{label}", lang), value))
    pairs.append((t("checksite.field.takedown", lang), takedown_text(result, lang)))
    links = result.get("archive_links") or []
    if links:
        pairs.append((t("checksite.field.archive", lang), links[0]["url"]))
    return pairs
