"""Photos a member attaches to a Slack message (`查站 <url>` or `/checksite` typed with the files):
downloaded with the bot token into a temporary folder, for the copying check's `--images`.

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
from chatbot.net.fetcher import FetchError, SafeFetcher

log = logging.getLogger(__name__)

MAX_FILES = 24
IMAGE_TYPES = frozenset({"jpg", "jpeg", "png", "gif", "webp", "avif", "heic"})
SLACK_FILE_ORIGIN = "https://files.slack.com"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def photo_urls(files: Sequence[FileRef], settings: Settings) -> list[tuple[str, str]]:
    """(safe file name, download URL) of the pictures on Slack's own file host, at most MAX_FILES."""
    allowed = {SLACK_FILE_ORIGIN, _origin(settings.slack_api_url)}
    out = []
    for item in files[:MAX_FILES]:
        suffix = item.name.rsplit(".", 1)[-1].lower() if "." in item.name else ""
        if item.kind != "image" and suffix not in IMAGE_TYPES:
            continue
        if item.url and _origin(item.url) in allowed:
            name = re.sub(r"[^\w.\-]", "_", item.name or item.id or "photo")[:80]
            out.append((name, item.url))
    return out


async def _download(settings: Settings, token: str, wanted: list[tuple[str, str]],
                    folder: Path) -> list[FileRef]:
    fetched = []
    async with SafeFetcher(settings) as fetcher:
        for index, (name, url) in enumerate(wanted):
            try:
                got = await fetcher.fetch(url, max_bytes=MAX_IMAGE_BYTES,
                                          headers={"authorization": f"Bearer {token}"})
            except FetchError as exc:
                log.info("a Slack file could not be downloaded: %s", exc.code)
                continue
            if got.status != 200 or got.truncated or got.content_type.startswith("text/"):
                continue  # a login page instead of the file: the token lacks files:read
            path = folder / f"{index:02d}-{name}"
            path.write_bytes(got.body)
            fetched.append(FileRef(name=name, mimetype=got.content_type, url=url, path=str(path)))
    return fetched


@contextmanager
def downloaded(settings: Settings, token: str, files: Sequence[FileRef]) -> Iterator[tuple[FileRef, ...]]:
    """The attached pictures with `path` set to a local copy; the copies are removed when the
    block ends. Files that are not pictures on Slack's file host are left out."""
    wanted = photo_urls(files, settings)
    if not wanted or not token:
        yield ()
        return
    with tempfile.TemporaryDirectory(prefix="sellerguard-photos-") as folder:
        yield tuple(asyncio.run(_download(settings, token, wanted, Path(folder))))
