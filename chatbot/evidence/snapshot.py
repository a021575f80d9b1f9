"""Wayback Machine snapshot links: `https://web.archive.org/web/20200314061522/https://shop.com/p`
is that snapshot of that URL, and the snapshot's time is itself evidence (a third party saw the
page then). One reader for the link form, used by /checksite and the saved-page mode.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from chatbot.evidence.dates import from_wayback, plausible
from chatbot.evidence.model import DateClaim
from chatbot.net.typed_url import InvalidURL, read_typed_url, typed_host

SOURCE = "wayback"
W_SNAPSHOT = 0.9  # the archive's own record, as a first capture
ARCHIVE_HOSTS = frozenset({"web.archive.org", "wayback.archive.org", "archive.org"})
# /web/<1-14 digits>[<modifier>_]/<original>; the modifier (id_, if_, im_…) picks a rendering.
_PATH = re.compile(r"^/web/(\d{4,14})(?:[a-z]{2}_)?/+(.+)$", re.IGNORECASE)


@dataclass(frozen=True)
class Snapshot:
    timestamp: str  # as in the link, 4-14 digits
    original: str  # the archived URL, with a scheme
    link: str  # the snapshot link as given

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


def parse_snapshot(text: str, archive_base: str = "") -> Snapshot | None:
    """A snapshot link on web.archive.org (or on the configured archive `archive_base`), else None."""
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
    rest = typed.tail  # path and query exactly as given
    match = _PATH.match(rest)
    if not match:
        return None
    original = match.group(2)
    if not re.match(r"^https?:/", original, re.IGNORECASE):
        original = f"http://{original}"
    original = re.sub(r"^(https?:)/+", r"\1//", original, flags=re.IGNORECASE)  # "http:/x" in old links
    return Snapshot(match.group(1), original, raw)
