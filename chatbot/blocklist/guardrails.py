"""Sites the list must never carry: marketplaces, the platforms themselves, well-known sites.

Entries come from knowledge/protected_domains.txt: `example.com` protects that registrable
domain and every host under it; `amazon.*` protects "amazon" under any public suffix. A store
on a shared platform (shop.myshopify.com) is not protected by the platform's own entry.
"""

from __future__ import annotations

from functools import lru_cache

from chatbot.blocklist.normalize import Site, shared_platforms
from chatbot.knowledge import load_lines


@lru_cache(maxsize=1)
def _patterns() -> tuple[frozenset[str], frozenset[str]]:
    exact: set[str] = set(shared_platforms())
    any_suffix: set[str] = set()
    for line in load_lines("protected_domains.txt"):
        entry = line.lower().strip(".")
        if entry.endswith(".*"):
            any_suffix.add(entry[:-2])
        elif entry:
            exact.add(entry)
    return frozenset(exact), frozenset(any_suffix)


def protected_match(site: Site) -> str | None:
    """The protected-list entry `site` falls under, or None."""
    exact, any_suffix = _patterns()
    if site.shared_platform is not None:
        # Only the platform's own hosts are protected, never the stores on it.
        return site.host if site.host in exact else None
    if site.registrable in exact:
        return site.registrable
    label = site.registrable.split(".", 1)[0]  # the registrable domain is one label above its suffix
    if label in any_suffix:
        return f"{label}.*"
    return None
