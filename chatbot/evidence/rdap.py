"""RDAP: when the domain was registered, by which registrar, and whom to tell about abuse — for
the domain (the registrar) and for the server it runs on (the network's owner)."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from chatbot.evidence.client import EvidenceClient
from chatbot.evidence.dates import parse_iso, plausible
from chatbot.evidence.model import DateClaim, SourceResult
from chatbot.net.fetcher import FetchError

SOURCE = "rdap"
W_REGISTERED = 0.9
# A registry answer is small; a hostile one is read this far only (each loop is linear anyway).
MAX_ENTITIES = 200  # entities, nested ones included, at most 4 deep
MAX_EVENTS = 100
MAX_VCARD_PROPERTIES = 100


def _vcard(entity: dict[str, Any]) -> dict[str, str]:
    """fn / email / tel from a jCard (RFC 7095): ["vcard", [[name, params, type, value], ...]]."""
    found: dict[str, str] = {}
    card = entity.get("vcardArray")
    if not (isinstance(card, list) and len(card) == 2 and isinstance(card[1], list)):
        return found
    for prop in card[1][:MAX_VCARD_PROPERTIES]:
        if isinstance(prop, list) and len(prop) >= 4 and prop[0] in {"fn", "email", "tel"}:
            value = prop[3]
            if isinstance(value, list):
                value = " ".join(str(v) for v in value if v)
            found.setdefault(str(prop[0]), str(value).removeprefix("tel:").removeprefix("mailto:"))
    return found


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _entities(node: dict[str, Any], depth: int = 0) -> list[dict[str, Any]]:
    out = []
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
        elif action in {"expiration", "last changed"}:
            info[action.replace(" ", "_")] = value.isoformat()
    entities = _entities(data)
    for entity in entities:
        roles = _roles(entity)
        card = _vcard(entity)
        if "registrar" in roles and "registrar" not in info:
            info["registrar"] = card.get("fn") or entity.get("handle") or ""
            ids = [p.get("identifier") for p in entity.get("publicIds") or [] if isinstance(p, dict)]
            if ids:
                info["registrar_iana_id"] = str(ids[0])
        if "abuse" in roles and "registrar_abuse_email" not in info and card.get("email"):
            info["registrar_abuse_email"] = card["email"]
            if card.get("tel"):
                info["registrar_abuse_phone"] = card["tel"]
    return claims, info


def parse_ip(data: dict[str, Any]) -> dict[str, Any]:
    info: dict[str, Any] = {}
    if data.get("name"):
        info["host_network"] = str(data["name"])
    for entity in _entities(data):
        card = _vcard(entity)
        if "abuse" in _roles(entity) and card.get("email"):
            info["host_abuse_email"] = card["email"]
            break
    for entity in _entities(data):
        if _roles(entity) & {"registrant", "administrative"} and _vcard(entity).get("fn"):
            info["host_owner"] = _vcard(entity)["fn"]
            break
    return info


async def _host(client: EvidenceClient, base: str,
                peer_ip: Callable[[], Awaitable[str | None]]) -> dict[str, Any]:
    ip = await peer_ip()
    if not ip:
        return {}
    try:
        ipaddress.ip_address(ip)
        data, record = await client.get_json(f"{base}/ip/{ip}", source=SOURCE, max_bytes=1_000_000)
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
                                                     max_bytes=1_000_000)
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
