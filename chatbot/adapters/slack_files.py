"""Files a member attaches to a Slack message, downloaded with the bot token into a temporary
folder: photos sent with `查站 <url>` or `/checksite` (the copying check's `--images`), and a saved
copy of a copycat's page sent on its own (read like `sellerguard checksite --html`).

The token goes only to Slack's own file host (files.slack.com, or the origin of SLACK_API_URL for a
test or proxy setup), through the safe fetcher, which drops it on a redirect to another origin.
At most MAX_FILES photos of at most images.MAX_IMAGE_BYTES each; other files are ignored.
"""

from __future__ import annotations

import asyncio
import logging
import re
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from chatbot.config import Settings
from chatbot.conversation import FileRef
from chatbot.evidence.images import MAX_IMAGE_BYTES
from chatbot.evidence.saved import MAX_SAVED_BYTES
from chatbot.net.fetcher import FetchError, SafeFetcher

log = logging.getLogger(__name__)

MAX_FILES = 24
IMAGE_TYPES = frozenset({"jpg", "jpeg", "png", "gif", "webp", "avif", "heic"})
PHOTOS, PAGES = "image", "html"  # what a message's files are wanted for (FileRef.kind)
MAX_BYTES = {PHOTOS: MAX_IMAGE_BYTES, PAGES: MAX_SAVED_BYTES}
SLACK_FILE_ORIGIN = "https://files.slack.com"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def photo_urls(files: Sequence[FileRef], settings: Settings, kind: str = PHOTOS) -> list[tuple[str, str]]:
    """(safe file name, download URL) of the files of `kind` (PHOTOS or PAGES) on Slack's own
    file host, at most MAX_FILES."""
    allowed = {SLACK_FILE_ORIGIN, _origin(settings.slack_api_url)}
    out = []
    for item in files[:MAX_FILES]:
        suffix = item.name.rsplit(".", 1)[-1].lower() if "." in item.name else ""
        if item.kind != kind and not (kind == PHOTOS and suffix in IMAGE_TYPES):
            continue
        if item.url and _origin(item.url) in allowed:
            name = re.sub(r"[^\w.\-]", "_", item.name or item.id or "photo")[:80]
            out.append((name, item.url))
    return out


async def _download(settings: Settings, token: str, wanted: list[tuple[str, str]],
                    folder: Path, max_bytes: int) -> list[FileRef]:
    fetched = []
    async with SafeFetcher(settings) as fetcher:
        for index, (name, url) in enumerate(wanted):
            try:
                got = await fetcher.fetch(url, max_bytes=max_bytes,
                                          headers={"authorization": f"Bearer {token}"})
            except FetchError as exc:
                log.info("a Slack file could not be downloaded: %s", exc.code)
                continue
            if got.status != 200 or got.truncated or _login_page(got.content_type, got.body, max_bytes):
                continue  # a sign-in page instead of the file: the token lacks files:read
            path = folder / f"{index:02d}-{name}"
            path.write_bytes(got.body)
            fetched.append(FileRef(name=name, mimetype=got.content_type, url=url, path=str(path)))
    return fetched


def _login_page(content_type: str, body: bytes, max_bytes: int) -> bool:
    """Slack answers a download without files:read with its sign-in page (HTML, status 200): for
    a photo any text answer is that page; for a saved page, one that reads like Slack's sign-in."""
    if max_bytes != MAX_SAVED_BYTES:
        return content_type.startswith("text/")
    head = body[:4096].lower()
    return b"slack" in head and any(word in head for word in (b"sign in", b"signin", b"log in", b"login"))


@contextmanager
def downloaded(settings: Settings, token: str, files: Sequence[FileRef],
               kind: str = PHOTOS) -> Iterator[tuple[FileRef, ...]]:
    """The attached files of `kind` with `path` set to a local copy; the copies are removed when
    the block ends. Other files, and files not on Slack's file host, are left out."""
    wanted = photo_urls(files, settings, kind)
    if not wanted or not token:
        yield ()
        return
    with tempfile.TemporaryDirectory(prefix="sellerguard-photos-") as folder:
        yield tuple(asyncio.run(_download(settings, token, wanted, Path(folder), MAX_BYTES[kind])))
