"""Wayback Machine snapshot links: `https://web.archive.org/web/20200314061522/https://shop.com/p`
is that snapshot of that URL, and the snapshot's time is itself evidence (a third party saw the
page then). One reader for the link form, used by /checksite and the saved-page mode.

Other archive links name a page without naming one capture: the calendar of its captures
(`/web/2019*/shop.com/p`, `/web/*/shop.com/p`) and a capture being made (`/save/…`, `/wait/…`).
They are read as the page itself (`archived_original`), never as a page on the archive's host.
A short timestamp (`/web/2019/…`) names the capture nearest to it, which the archive tells by
redirecting to the full timestamp (`Snapshot.exact`, `landed`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import unquote

from chatbot.evidence.dates import from_wayback, plausible
from chatbot.evidence.model import DateClaim
from chatbot.net.typed_url import InvalidURL, read_typed_url, typed_host

SOURCE = "wayback"
W_SNAPSHOT = 0.9  # the archive's own record, as a first capture
ARCHIVE_HOSTS = frozenset({"web.archive.org", "wayback.archive.org", "web-beta.archive.org", "archive.org"})
# /web/<1-14 digits>[<modifier>_]/<original>; the modifier (id_, if_, im_…) picks a rendering.
_PATH = re.compile(r"^/web/(\d{4,14})(?:[a-z]{2}_)?/+(.+)$", re.IGNORECASE)
# Links to a page in the archive that name no single capture: a calendar or a capture request.
_PAGE_PATH = re.compile(r"^/(?:web/\d{0,14}\*(?:[a-z]{2}_)?|save(?:/_embed)?|wait(?:/\d{0,14})?)/+(.+)$",
                        re.IGNORECASE)
_ENCODED_SCHEME = re.compile(r"^https?%3A%2F", re.IGNORECASE)


@dataclass(frozen=True)
class Snapshot:
    timestamp: str  # as in the link, 4-14 digits
    original: str  # the archived URL, with a scheme
    link: str  # the snapshot link as given

    @property
    def exact(self) -> bool:
        """Whether the link names one capture to the second (else the archive picks the nearest)."""
        return len(self.timestamp) == 14

    def landed(self, final_url: str, base: str) -> Snapshot | None:
        """The capture the archive redirected a short timestamp to (`final_url` of the fetch), as a
        snapshot of this page with its full time; None when it did not say."""
        if self.exact:
            return None
        found = parse_snapshot(final_url, base)
        if found is None or not found.exact:
            return None
        return Snapshot(found.timestamp, self.original,
                        f"{base.rstrip('/')}/web/{found.timestamp}/{self.original}")

    @property
    def day(self) -> date | None:
        return from_wayback(self.timestamp.ljust(8, "0")[:8] if len(self.timestamp) >= 8 else "")

    def raw_url(self, base: str) -> str:
        """The archived page exactly as it was captured (`id_`: no archive toolbar, no rewriting)."""
        return f"{base.rstrip('/')}/web/{self.timestamp}id_/{self.original}"

    def claim(self, today: date) -> DateClaim | None:
        value = self.day
        if value is None or not plausible(value, today):
            return None
        return DateClaim("first_capture", value, SOURCE, "page", W_SNAPSHOT,
                         f"Wayback snapshot given by the seller: {self.link}", url=self.link)


def _archive_tail(text: str, archive_base: str) -> str | None:
    """The path and query of a link on web.archive.org (or the configured archive), else None."""
    raw = (text or "").strip()
    candidate = raw if "://" in raw[:12] else f"https://{raw}"
    try:
        typed = read_typed_url(candidate)  # the host a browser opens, as /checksite reads it
    except InvalidURL:
        return None
    if typed.userinfo or typed.backslash or typed.escaped:
        return None  # `https://evil.com\@web.archive.org/…` is no archive link, whatever it says
    if typed.host not in ARCHIVE_HOSTS and (not archive_base or typed.host != typed_host(archive_base)):
        return None
    return typed.tail  # path and query exactly as given


def _original(archived: str) -> str:
    """The archived URL as written after the timestamp, with a scheme and its two slashes."""
    if _ENCODED_SCHEME.match(archived):
        archived = unquote(archived)  # `https%3A%2F%2Fshop.com%2Fp`, as some sites link it
    if not re.match(r"^https?:/", archived, re.IGNORECASE):
        archived = f"http://{archived}"
    return re.sub(r"^(https?:)/+", r"\1//", archived, flags=re.IGNORECASE)  # "http:/x" in old links


def parse_snapshot(text: str, archive_base: str = "") -> Snapshot | None:
    """A snapshot link on web.archive.org (or on the configured archive `archive_base`), else None."""
    rest = _archive_tail(text, archive_base)
    match = _PATH.match(rest) if rest is not None else None
    if not match:
        return None
    return Snapshot(match.group(1), _original(match.group(2)), (text or "").strip())


def archived_original(text: str, archive_base: str = "") -> str | None:
    """The page an archive link is about when it names no single capture (a calendar of captures
    `/web/2019*/shop.com/p`, `/save/…`, `/wait/…`), else None."""
    rest = _archive_tail(text, archive_base)
    match = _PAGE_PATH.match(rest) if rest is not None else None
    if not match or match.group(1).strip("/*") == "":
        return None
    return _original(match.group(1).rstrip("*"))
