"""Our own outside services (the Wayback Machine, RDAP, Amazon): origins the operator configured.

The user-URL policy (ports 80/443, public addresses, names with a dot) is for links strangers
type. A service URL is chosen by the operator (`SELLERGUARD_RDAP_URL=http://rdap-mirror:8080`),
so a request a source makes *to that service* is trusted for exactly that origin — its scheme,
host and port — and nothing else: a user who types the same address gets the user policy, and a
redirect from the service to another origin is checked like any user URL.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from chatbot import knowledge

Origin = tuple[str, str, int]  # (scheme, lower-case host, port)
DEFAULT_PORTS = {"http": 80, "https": 443}
AMAZON_HOST_VARIANTS = 64  # marketplaces a host template can expand to


def origin_of(url: str) -> Origin | None:
    """(scheme, host, port) of an absolute http(s) URL, None when it has none or a bad port."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return parts.scheme, parts.hostname.lower().rstrip("."), port or DEFAULT_PORTS[parts.scheme]


@lru_cache(maxsize=32)
def _origins(wayback: str, rdap: str, amazon: str, marketplaces: tuple[str, ...]) -> frozenset[Origin]:
    found = {origin_of(wayback), origin_of(rdap)}
    templates = {amazon.replace("{marketplace}", m).replace("{asin}", "X") for m in marketplaces}
    found |= {origin_of(url) for url in list(templates)[:AMAZON_HOST_VARIANTS]}
    return frozenset(o for o in found if o is not None)


@lru_cache(maxsize=1)
def _marketplaces() -> tuple[str, ...]:
    return tuple(str(key) for key in knowledge.load_yaml("amazon/first_available.yaml")["marketplaces"])


def service_origins(settings: Any) -> frozenset[Origin]:
    """The origins of the configured services (every marketplace of the Amazon template)."""
    return _origins(settings.wayback_url, settings.rdap_url, settings.amazon_url, _marketplaces())
