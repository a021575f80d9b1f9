"""RDAP: when the domain was registered, by which registrar, and whom to tell about abuse — for
the domain (the registrar) and for the server it runs on (the network's owner)."""

from __future__ import annotations

import asyncio
import ipaddress
import re
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from chatbot.evidence.client import EvidenceClient
from chatbot.evidence.dates import parse_iso, plausible
from chatbot.evidence.model import DateClaim, SourceResult
from chatbot.net.fetcher import FetchError

SOURCE = "rdap"
W_REGISTERED = 0.9
MAX_PROPERTIES = 200  # jCard lines read per entity
MAX_VALUES = 20  # values read per jCard line
MAX_EVENTS = 100  # events read per object
MAX_ENTITIES = 200  # entities, nested ones included, at most 4 deep


def _flatten(value: Any, out: list[str], depth: int = 0) -> None:
    if depth > 3:
        return
    if isinstance(value, list):
        for item in value[:MAX_VALUES]:
            _flatten(item, out, depth + 1)
    elif value not in (None, ""):
        out.append(str(value))


_REDACTED = re.compile(r"redacted|not disclosed|data protected", re.IGNORECASE)
_READ = {"fn", "org", "email", "tel"}


def _vcard(entity: dict[str, Any]) -> dict[str, list[str]]:
    """Every fn / org / email / tel of a jCard (RFC 7095): ["vcard", [[name, params, type, value,
    ...]]] → {"fn": [...], "org": [...], "email": [...], "tel": [...]}.

    A property may repeat (two `email` lines), carry several values after its type (RFC 7095
    §3.3: `["email", {}, "text", "a@x", "b@x"]`), or a structured value (a list of parts); all of
    them are read, in order, each once. A structured name keeps every part: `fn` joined with
    spaces, `org` (RFC 6350 §6.6.4: name, then units) with "; ". A name a registry redacted
    ("REDACTED FOR PRIVACY", RFC 9537 practice) is no name and is left out."""
    found: dict[str, list[str]] = {}
    card = entity.get("vcardArray")
    if not (isinstance(card, list) and len(card) == 2 and isinstance(card[1], list)):
        return found
    for prop in card[1][:MAX_PROPERTIES]:
        if not (isinstance(prop, list) and len(prop) >= 4 and str(prop[0]).lower() in _READ):
            continue
        name = str(prop[0]).lower()
        values: list[str] = []
        if name in {"fn", "org"}:
            parts: list[str] = []
            _flatten(prop[3:], parts)
            parts = [p.strip() for p in parts if p.strip()]
            joined = (" " if name == "fn" else "; ").join(parts)
            values = [joined] if joined else []
        else:
            _flatten(prop[3:], values)
        for value in values:
            value = value.strip().removeprefix("tel:").removeprefix("mailto:")
            if value and not _REDACTED.search(value) and value not in (bucket := found.setdefault(name, [])):
                bucket.append(value)
    return found


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _entities(node: dict[str, Any], depth: int = 0) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if depth > 4:
        return out
    for entity in _list(node.get("entities"))[:MAX_ENTITIES]:
        if isinstance(entity, dict):
            out.append(entity)
            out.extend(_entities(entity, depth + 1))
        if len(out) >= MAX_ENTITIES:
            break
    return out[:MAX_ENTITIES]


def _roles(entity: dict[str, Any]) -> set[str]:
    return {str(r).lower() for r in entity.get("roles") or []}


def parse_domain(data: dict[str, Any], today: date) -> tuple[list[DateClaim], dict[str, Any]]:
    """Claims and contacts from an RDAP domain answer (RFC 9083 §4.5, §5.3).

    Every event counts (several `registration` events each become a claim; the latest
    `last changed` and `expiration` are kept); entities are read at every depth (the abuse
    contact usually sits inside the registrar); every e-mail and phone of a contact is kept."""
    claims: list[DateClaim] = []
    info: dict[str, Any] = {}
    for event in _list(data.get("events"))[:MAX_EVENTS]:
        if not isinstance(event, dict):
            continue
        action, raw = str(event.get("eventAction", "")).lower(), event.get("eventDate")
        value = parse_iso(raw) if isinstance(raw, str) else None
        if value is None:
            continue
        if action == "registration" and plausible(value, today):
            claims.append(DateClaim("registered", value, SOURCE, "site", W_REGISTERED,
                                    f"RDAP registration event: {raw}"))
        elif action in {"expiration", "last changed", "reregistration", "transfer"}:
            key = action.replace(" ", "_")
            info[key] = max(info.get(key, ""), value.isoformat())
    for entity in _entities(data):
        roles = _roles(entity)
        card = _vcard(entity)
        if "registrar" in roles and "registrar" not in info:
            info["registrar"] = (card.get("fn") or card.get("org") or [""])[0] or entity.get("handle") or ""
            ids = [p.get("identifier") for p in entity.get("publicIds") or [] if isinstance(p, dict)]
            if ids:
                info["registrar_iana_id"] = str(ids[0])
        if "abuse" in roles:  # an e-mail, a phone or both: each is kept without the other
            emails = info.setdefault("registrar_abuse_emails", [])
            emails.extend(e for e in card.get("email", []) if e not in emails)
            phones = info.setdefault("registrar_abuse_phones", [])
            phones.extend(p for p in card.get("tel", []) if p not in phones)
    for plural, single in (("registrar_abuse_emails", "registrar_abuse_email"),
                           ("registrar_abuse_phones", "registrar_abuse_phone")):
        values = info.pop(plural, [])
        if values:
            info[single] = values[0]  # the key earlier results had; the full list beside it
        if len(values) > 1:
            info[plural] = values
    return claims, info


def every_value(info: dict[str, Any], key: str) -> list[str]:
    """Every value a lookup's abuse info holds for `key` ("registrar_abuse_email",
    "registrar_abuse_phone", "host_abuse_email"): the full list under the plural key when the
    registry named several, else the single value; [] when none. Readers of contacts use this,
    never the single key alone (it holds only the first)."""
    values = info.get(f"{key}s")
    if isinstance(values, list) and values:
        return [str(v) for v in values]
    return [str(info[key])] if info.get(key) else []


def parse_ip(data: dict[str, Any]) -> dict[str, Any]:
    """The network's name, owner and every abuse e-mail from an RDAP IP network answer."""
    info: dict[str, Any] = {}
    if data.get("name"):
        info["host_network"] = str(data["name"])
    emails: list[str] = []
    for entity in _entities(data):
        card = _vcard(entity)
        if "abuse" in _roles(entity):
            emails.extend(e for e in card.get("email", []) if e not in emails)
        owner = card.get("fn") or card.get("org")
        if "host_owner" not in info and _roles(entity) & {"registrant", "administrative"} and owner:
            info["host_owner"] = owner[0]
    if emails:
        info["host_abuse_email"] = emails[0]
        if len(emails) > 1:
            info["host_abuse_emails"] = emails
    return info


async def _host(client: EvidenceClient, base: str,
                peer_ip: Callable[[], Awaitable[str | None]]) -> dict[str, Any]:
    ip = await peer_ip()
    if not ip:
        return {}
    try:
        ipaddress.ip_address(ip)
        data, record = await client.get_json(f"{base}/ip/{ip}", source=SOURCE, max_bytes=1_000_000,
                                             service=True)
    except (ValueError, FetchError):
        return {}
    if not isinstance(data, dict):
        return {}
    info = parse_ip(data)
    record.extracted.append(", ".join(f"{k}: {v}" for k, v in info.items()) or "no abuse contact")
    return {"host_ip": ip, **info}


async def run(client: EvidenceClient, base: str, registrable: str, shared_platform: str | None,
              today: date, peer_ip: Callable[[], Awaitable[str | None]]) -> SourceResult:
    result = SourceResult(SOURCE)
    host_task = asyncio.create_task(_host(client, base, peer_ip))
    try:
        if shared_platform:
            # The domain belongs to the platform (myshopify.com), not to the store.
            result.fail("shared_platform", shared_platform)
        else:
            try:
                data, record = await client.get_json(f"{base}/domain/{registrable}", source=SOURCE,
                                                     max_bytes=1_000_000, service=True)
            except FetchError as exc:
                result.fail(f"fetch.{exc.code}", exc.detail)
            else:
                if record.status == 404:
                    result.fail("not_found", registrable)
                elif not isinstance(data, dict):
                    result.fail(f"http_{record.status}")
                else:
                    claims, info = parse_domain(data, today)
                    result.dates.extend(claims)
                    result.info.update(info)
                    record.extracted.extend([c.detail for c in claims]
                                            + [f"{k}: {v}" for k, v in info.items()])
        result.info.update(await host_task)
    finally:
        host_task.cancel()
    return result
