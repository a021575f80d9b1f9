"""Whose network failed: the target site's, one of our services', or our own.

With no internet every source fails alike ("could not resolve"), and telling the seller that the
copycat's site "may have been taken down" — or asking for `--asin` they already gave — is wrong.
The sources of one lookup are compared: the target (page, platform endpoints, sitemaps) against
our services (the Wayback Machine, RDAP, Amazon), which are different names on different
networks. When none of them could be reached either, the network we run on is down.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

# Failures that say "no answer came back" (as opposed to an answer we did not like).
NETWORK_ERRORS = frozenset({"fetch.unresolvable", "fetch.connect", "fetch.timeout", "fetch.tls", "timeout"})
SERVICES = ("wayback", "rdap", "amazon")  # our services, each on its own name and network
# Failures that say nothing about the network because no request was made: RDAP has no record of
# a store on a shared platform's domain (myshopify.com), and a source that broke inside.
NOT_ASKED = frozenset({"shared_platform", "internal"})

State = Literal["ok", "offline", "site_gone", "site_unreachable"]


@dataclass(frozen=True)
class Diagnosis:
    """`state`: ok; offline (our own network: nothing answered, not even our services);
    site_gone (the target's name does not resolve while our services' names do);
    site_unreachable (the target did not answer, our services did). `services_down`: our
    services that could not be reached although others could, or all of them when offline."""

    state: State
    services_down: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"state": self.state, "services_down": list(self.services_down)}


def network_failed(source: dict[str, Any]) -> bool:
    """Did this source get no answer at all (as opposed to a refusal, a 404, no dates)?"""
    return not source.get("ok") and str(source.get("error") or "") in NETWORK_ERRORS


def diagnose(sources: list[dict[str, Any]]) -> Diagnosis:
    """Diagnose one lookup from its sources' JSON (`SourceResult.to_json()` shapes). Only the
    services that asked the network are compared with the target: a service that made no request
    (NOT_ASKED) is no sign that our network works."""
    by_name = {s.get("name"): s for s in sources}
    asked = [by_name[name] for name in SERVICES if name in by_name]
    services = [s for s in asked if s.get("ok") or s.get("error") not in NOT_ASKED]
    down = tuple(str(s["name"]) for s in services if network_failed(s))
    page = by_name.get("page")
    page_failed = page is not None and network_failed(page)
    if page_failed and services and len(down) == len(services):
        return Diagnosis("offline", down)
    if page_failed and str(page.get("error")) == "fetch.unresolvable":  # type: ignore[union-attr]
        return Diagnosis("site_gone", down)
    if page_failed:
        return Diagnosis("site_unreachable", down)
    return Diagnosis("ok", down)
