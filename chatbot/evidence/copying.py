"""Proof of copying: the copycat page's photos and words against the seller's own listing (an
Amazon ASIN, a product page on any shop, or photos and text the seller supplies).

Every image goes through the safe fetcher (the same SSRF rules as any page) and images.decode
(caps before decoding). Each problem — a robot check, an SVG, a bomb, a redirect to a private
address, a cap reached — becomes a `Problem` in the result; the rest of the comparison goes on.
Work is bounded: at most MAX_COPYCAT_IMAGES and MAX_SELLER_IMAGES photos, the result says how many
were found and how many compared.
"""

from __future__ import annotations

import asyncio
import base64
import time
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from chatbot.context import Context
from chatbot.evidence import amazon, copying_store, imagematch, textmatch
from chatbot.evidence.client import EvidenceClient
from chatbot.evidence.images import MAX_IMAGE_BYTES, Decoded, ImageRefused, decode, thumbnail_jpeg
from chatbot.evidence.listing import Listing, ListingImage, amazon_listing, shop_listing, text_file_passages
from chatbot.evidence.network import NETWORK_ERRORS
from chatbot.net.fetcher import FetchError

SOURCE = "copying"
MAX_COPYCAT_IMAGES = 24
MAX_SELLER_IMAGES = 24
MAX_TEXT_FILE_BYTES = 200_000
IMAGE_CONCURRENCY = 4
THUMB_SIDE = 120
IMAGE_ACCEPT = "image/avif,image/webp,image/jpeg,image/png,image/gif;q=0.9,*/*;q=0.5"
# The page verdict: how many matching photos, how much matching text.
COPIED_IMAGES = 2
COPIED_TEXT = 0.6
SIMILAR_TEXT = 0.3

PageVerdict = Literal["copied", "similar", "different", "inconclusive"]


@dataclass(frozen=True)
class CopyingRequest:
    """The copycat's page and at least one of: the seller's ASIN, listing URL, photo files, text."""

    copycat_url: str
    asin: str | None = None
    marketplace: str = "com"
    listing_url: str | None = None
    image_files: tuple[str, ...] = ()
    text: str | None = None  # the seller's own title/bullets/description, first line the title

    @property
    def seller_source(self) -> str:
        return "amazon" if self.asin else "listing" if self.listing_url else "files"


@dataclass(frozen=True)
class Problem:
    """Something that could not be read; `code` keys copying.problem.<code> (fetch.* codes too)."""

    side: Literal["copycat", "seller"]
    code: str
    detail: str = ""
    url: str = ""


@dataclass(frozen=True)
class ImageMatch:
    copycat_image: str
    seller_image: str  # URL, or the file name for photos the seller supplied
    distance: int  # pHash Hamming distance, 0..256
    verdict: imagematch.Verdict
    variant: str  # which form of the seller's photo matched: "as is", "mirrored", "crop 85% at ..."
    copycat_uploaded: str | None = None  # ISO date the copycat's CDN gives for this photo
    copycat_uploaded_detail: str = ""
    copycat_thumb: str = ""  # data: URI, small JPEG, for reports
    seller_thumb: str = ""


@dataclass(frozen=True)
class PassageMatch:
    where: str
    seller_text: str
    copycat_text: str
    score: float


@dataclass(frozen=True)
class CopyingResult:
    verdict: PageVerdict
    reason: str  # a copying.reason.<code>
    image_matches: tuple[ImageMatch, ...]
    text_similarity: float
    passages: tuple[PassageMatch, ...]
    copycat_images_found: int
    copycat_images_compared: int
    seller_images_found: int
    seller_images_compared: int
    seller_source: str
    seller_ref: str  # the ASIN, the listing URL or the file names
    marketplace: str | None = None
    seller_first_available: str | None = None  # ISO date Amazon gives, when read
    copycat_first_upload: str | None = None  # earliest ISO upload date among the matched photos
    problems: tuple[Problem, ...] = ()
    elapsed: float = 0.0
    thresholds: dict[str, int] = field(default_factory=lambda: {
        "same_photo": imagematch.SAME_PHOTO_MAX, "edited_copy": imagematch.EDITED_COPY_MAX, "bits": 256})

    @property
    def copies(self) -> tuple[ImageMatch, ...]:
        return tuple(m for m in self.image_matches if m.verdict != "different")

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["copies"] = len(self.copies)
        return data


@dataclass
class _Side:
    listing: Listing | None = None
    images: list[tuple[str, Decoded, ListingImage | None]] = field(default_factory=list)
    found: int = 0
    first_available: date | None = None


async def _page(client: EvidenceClient, url: str, side: Literal["copycat", "seller"],
                problems: list[Problem]) -> tuple[str, str] | None:
    """(html, final URL) or None with the problem noted."""
    try:
        fetched, _ = await client.get(url, source=SOURCE, accept="text/html")
    except FetchError as exc:
        problems.append(Problem(side, f"fetch.{exc.code}", exc.detail, url))
        return None
    if fetched.status >= 400:
        problems.append(Problem(side, "http_status", str(fetched.status), url))
        return None
    return fetched.text, fetched.final_url


async def _amazon(client: EvidenceClient, template: str, request: CopyingRequest,
                  problems: list[Problem], side: _Side) -> None:
    assert request.asin
    url = template.format(marketplace=request.marketplace, asin=request.asin)
    try:
        fetched, _ = await client.get(url, source="amazon", max_bytes=4_000_000, accept="text/html",
                                      service=True)
    except FetchError as exc:
        # Amazon is our service: its silence is said as such, not as a site that may be gone.
        code = "amazon_unreachable" if f"fetch.{exc.code}" in NETWORK_ERRORS else f"fetch.{exc.code}"
        problems.append(Problem("seller", code, exc.detail, url))
        return
    if fetched.status in {503, 429} or amazon.is_robot_check(fetched.text):
        problems.append(Problem("seller", "amazon_blocked", "", url))
        return
    if fetched.status >= 400:
        problems.append(Problem("seller", "http_status", str(fetched.status), url))
        return
    side.listing = amazon_listing(fetched.text, fetched.final_url)
    found = amazon.find_first_available(fetched.text, request.marketplace)
    side.first_available = found[0] if found else None


async def _image(client: EvidenceClient, url: str, side: Literal["copycat", "seller"],
                 gate: asyncio.Semaphore) -> Decoded | Problem:
    async with gate:
        try:
            fetched, record = await client.get(url, source=SOURCE, max_bytes=MAX_IMAGE_BYTES,
                                               accept=IMAGE_ACCEPT)
        except FetchError as exc:
            return Problem(side, f"fetch.{exc.code}", exc.detail, url)
        if fetched.status >= 400:
            return Problem(side, "http_status", str(fetched.status), url)
        if fetched.truncated:
            return Problem(side, "too_large", f"> {MAX_IMAGE_BYTES} bytes", url)
    try:
        decoded = await asyncio.to_thread(decode, fetched.body, fetched.content_type)
    except ImageRefused as exc:
        record.extracted.append(f"image refused: {exc.code}")
        return Problem(side, exc.code, exc.detail, url)
    record.extracted.append(f"{decoded.format} {decoded.width}x{decoded.height}")
    return decoded


def _file_image(path: str) -> Decoded | Problem:
    name = Path(path).name
    try:
        size = Path(path).stat().st_size
        if size > MAX_IMAGE_BYTES:
            return Problem("seller", "too_large", f"{size} bytes", name)
        return decode(Path(path).read_bytes())
    except ImageRefused as exc:
        return Problem("seller", exc.code, exc.detail, name)
    except OSError as exc:
        return Problem("seller", "unreadable_file", exc.strerror or type(exc).__name__, name)


Side = Literal["copycat", "seller"]


async def _fetch_images(client: EvidenceClient, wanted: list[ListingImage], side: Side, deadline: float,
                        problems: list[Problem]) -> list[tuple[str, Decoded, ListingImage]]:
    gate = asyncio.Semaphore(IMAGE_CONCURRENCY)
    tasks = [asyncio.create_task(_image(client, item.url, side, gate)) for item in wanted]
    if not tasks:
        return []
    done, pending = await asyncio.wait(tasks, timeout=max(0.1, deadline - time.monotonic()))
    for task in pending:
        task.cancel()
    out = []
    for item, task in zip(wanted, tasks, strict=True):
        if task not in done:
            problems.append(Problem(side, "timeout", "", item.url))
            continue
        got = task.result()
        if isinstance(got, Problem):
            problems.append(got)
        else:
            out.append((item.url, got, item))
    return out


def _thumb(decoded: Decoded) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(thumbnail_jpeg(decoded.image, THUMB_SIDE)).decode()


def _match(copycat: _Side, seller: _Side) -> list[ImageMatch]:
    references = [imagematch.fingerprint(d.image, reference=True) for _, d, _ in seller.images]
    matches = []
    for url, decoded, item in copycat.images:
        found = imagematch.best_match(imagematch.fingerprint(decoded.image), references)
        if found is None:
            continue
        index, match = found
        seller_name, seller_decoded, _ = seller.images[index]
        is_copy = match.verdict != "different"
        matches.append(ImageMatch(
            url, seller_name, match.distance, match.verdict, match.variant,
            item.uploaded.isoformat() if item and item.uploaded else None,
            item.uploaded_detail if item else "",
            _thumb(decoded) if is_copy else "", _thumb(seller_decoded) if is_copy else ""))
    return sorted(matches, key=lambda m: (m.verdict == "different", m.distance))


def _verdict(copies: int, compared: tuple[int, int], text: float, text_compared: bool, *,
             copycat_read: bool, seller_blocked: bool) -> tuple[PageVerdict, str]:
    """(verdict, reason code): copied on two matching photos, one photo and some text, or most of
    the text; similar on one photo or some text; different when there was something to compare."""
    if copies >= COPIED_IMAGES or (copies and text >= SIMILAR_TEXT) or text >= COPIED_TEXT:
        if copies and text >= SIMILAR_TEXT:
            return "copied", "images_and_text"
        return "copied", "images" if copies else "text"
    if copies or text >= SIMILAR_TEXT:
        return "similar", "one_image" if copies else "some_text"
    if (compared[0] and compared[1]) or text_compared:
        return "different", "no_match"
    if not copycat_read:
        return "inconclusive", "copycat_unreadable"
    if seller_blocked:
        return "inconclusive", "amazon_blocked"
    if not compared[1]:
        return "inconclusive", "no_seller_images"
    return "inconclusive", "no_copycat_images"


async def run(client: EvidenceClient, request: CopyingRequest, *, amazon_url: str,
              budget: float) -> CopyingResult:
    """Compare; never raises for bad input (it becomes a `Problem`). `budget`: seconds for the whole
    comparison, image fetches included; photos still loading then are reported as timeouts."""
    started = time.monotonic()
    deadline = started + budget
    problems: list[Problem] = []
    copycat, seller = _Side(), _Side()

    async def copycat_side() -> None:
        page = await _page(client, request.copycat_url, "copycat", problems)
        if page is not None:
            copycat.listing = shop_listing(*page)

    async def seller_side() -> None:
        if request.asin:
            await _amazon(client, amazon_url, request, problems, seller)
        elif request.listing_url:
            page = await _page(client, request.listing_url, "seller", problems)
            if page is not None:
                seller.listing = shop_listing(*page)

    try:
        await asyncio.wait_for(asyncio.gather(copycat_side(), seller_side()),
                               timeout=max(0.1, deadline - time.monotonic()))
    except TimeoutError:
        problems.append(Problem("copycat" if copycat.listing is None else "seller", "timeout"))
    copycat_wanted = list(copycat.listing.images) if copycat.listing else []
    seller_wanted = list(seller.listing.images) if seller.listing else []
    copycat.found, seller.found = len(copycat_wanted), len(seller_wanted) + len(request.image_files)
    if len(copycat_wanted) > MAX_COPYCAT_IMAGES:
        problems.append(Problem("copycat", "image_cap", f"{MAX_COPYCAT_IMAGES}/{len(copycat_wanted)}"))
    if seller.found > MAX_SELLER_IMAGES:
        problems.append(Problem("seller", "image_cap", f"{MAX_SELLER_IMAGES}/{seller.found}"))
    files = list(request.image_files)[:MAX_SELLER_IMAGES]
    for path, got in zip(files, await asyncio.gather(*(asyncio.to_thread(_file_image, f) for f in files)),
                         strict=True):
        if isinstance(got, Problem):
            problems.append(got)
        else:
            seller.images.append((Path(path).name, got, None))
    copycat_got, seller_got = await asyncio.gather(
        _fetch_images(client, copycat_wanted[:MAX_COPYCAT_IMAGES], "copycat", deadline, problems),
        _fetch_images(client, seller_wanted[:MAX_SELLER_IMAGES - len(seller.images)], "seller", deadline,
                      problems))
    copycat.images = list(copycat_got)
    seller.images += seller_got
    matches = await asyncio.to_thread(_match, copycat, seller) if copycat.images and seller.images else []
    seller_passages = list(seller.listing.passages) if seller.listing else []
    if request.text:
        seller_passages += text_file_passages(request.text)
    copycat_texts = [p.text for p in copycat.listing.passages] if copycat.listing else []
    text = textmatch.compare(seller_passages, copycat_texts)
    copies = [m for m in matches if m.verdict != "different"]
    # The verdict counts the seller's photos that were copied, not the copycat's images: one
    # photo shown twice (full size and a thumbnail) is one photo.
    copied_photos = len({m.seller_image for m in copies})
    verdict, reason = _verdict(copied_photos, (len(copycat.images), len(seller.images)), text.similarity,
                               bool(seller_passages and copycat_texts),
                               copycat_read=copycat.listing is not None,
                               seller_blocked=any(p.code == "amazon_blocked" for p in problems))
    uploads = [m.copycat_uploaded for m in copies if m.copycat_uploaded]
    return CopyingResult(
        verdict, reason, tuple(matches), text.similarity,
        tuple(PassageMatch(p.where, p.seller_text, p.copycat_text, p.score) for p in text.passages),
        copycat.found, len(copycat.images), seller.found, len(seller.images),
        request.seller_source,
        request.asin or request.listing_url or ", ".join(Path(f).name for f in request.image_files) or "text",
        request.marketplace if request.asin else None,
        seller.first_available.isoformat() if seller.first_available else None,
        min(uploads) if uploads else None, tuple(problems), round(time.monotonic() - started, 3))


async def check_in_lookup(ctx: Context, client: EvidenceClient, request: Any, copycat_url: str,
                          result: dict[str, Any], budget: float) -> None:
    """The copying section of a /checksite lookup (`request`: the engine's LookupRequest): sets
    `result["copying"]`, adds the photos fetched to `result["evidence"]` and stores the check for
    the letters. The lookup's pages come from `client`'s memo rather than a second fetch."""
    wanted = CopyingRequest(copycat_url, asin=request.asin, marketplace=request.marketplace,
                            listing_url=request.listing, image_files=tuple(request.images))
    found = await run(client, wanted, amazon_url=ctx.settings.amazon_url, budget=budget)
    result["copying"] = found.to_json()
    result["evidence"] = list(result.get("evidence", [])) + [
        r.to_json() for r in client.log if r.source == SOURCE]
    await asyncio.to_thread(copying_store.save, ctx, copycat_url, result["copying"], result.get("id"))
