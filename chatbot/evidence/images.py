"""Product photos from bytes we do not trust: check, then decode, with every cap applied before
Pillow spends memory on the pixels.

Refused, each with a stable code that keys a message (copying.problem.<code>):
- `svg`: SVG is a document that can fetch other URLs and run scripts; we never render it;
- `too_large`: more than MAX_IMAGE_BYTES of data;
- `too_many_pixels`: the header announces more than MAX_PIXELS (a 20,000 x 20,000 PNG is 400 million
  pixels: refused from its header, before a single row is inflated);
- `not_an_image`: no format we read (JPEG, PNG, WebP, GIF, AVIF where this Pillow has it);
- `corrupt`: the header was fine, the pixel data was not (a truncated JPEG).
Animated GIF/WebP/AVIF: the first frame only.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError, features

MAX_IMAGE_BYTES = 8_000_000  # a marketplace photo is at most a few MB; Amazon's hi-res about 1 MB
MAX_PIXELS = 40_000_000  # 8000 x 5000; Amazon's own limit for uploads is 10,000 px on the long side
MAX_SIDE = 12_000
WORK_SIDE = 256  # we hash a picture this size at most: decoding JPEG at a reduced scale is far cheaper
FORMATS = ("JPEG", "PNG", "WEBP", "GIF") + (("AVIF",) if features.check("avif") else ())

# Pillow's own decompression-bomb guard, set low for this process: it raises (not warns) at twice
# this, and our header check above refuses first anyway.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


class ImageRefused(Exception):
    """`code` is one of svg, too_large, too_many_pixels, not_an_image, corrupt."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Decoded:
    """A photo ready to hash: `image` is RGB, at most WORK_SIDE on its long side; `width` and
    `height` are the original's pixels; `frames` > 1 for an animation (we kept the first)."""

    image: Image.Image
    format: str
    width: int
    height: int
    frames: int = 1


def looks_like_svg(data: bytes, content_type: str = "") -> bool:
    if "svg" in content_type.lower():
        return True
    head = data[:1024].lstrip().lower()
    return head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in data[:4096].lower())


def decode(data: bytes, content_type: str = "") -> Decoded:
    """Bytes → `Decoded`; raises `ImageRefused`. Never decodes more than MAX_PIXELS."""
    if looks_like_svg(data, content_type):
        raise ImageRefused("svg")
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageRefused("too_large", f"{len(data)} bytes")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=FORMATS)  # reads the header only
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        if isinstance(exc, UnidentifiedImageError):
            raise ImageRefused("not_an_image") from None
        raise ImageRefused("too_many_pixels", f"> {2 * MAX_PIXELS // 1_000_000} MP") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise ImageRefused("corrupt", type(exc).__name__) from None
    width, height = image.size
    if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
        raise ImageRefused("too_many_pixels", f"{width} x {height}")
    if width < 1 or height < 1:
        raise ImageRefused("corrupt", f"{width} x {height}")
    frames = int(getattr(image, "n_frames", 1) or 1)
    fmt = image.format or "?"
    try:
        image.seek(0)
        if fmt == "JPEG":
            image.draft("RGB", (WORK_SIDE, WORK_SIDE))  # DCT scaling: decode at 1/2..1/8 size
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
        work = image.convert("RGBA") if image.mode in {"P", "PA", "LA", "RGBA"} else image
        if work.mode == "RGBA":  # a transparent product cut-out is shown on white
            background = Image.new("RGB", work.size, (255, 255, 255))
            background.paste(work, mask=work.getchannel("A"))
            work = background
        work = work.convert("RGB")
        work.thumbnail((WORK_SIDE, WORK_SIDE), Image.Resampling.BILINEAR, reducing_gap=2.0)
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombWarning) as exc:
        raise ImageRefused("corrupt", type(exc).__name__) from None
    return Decoded(work, fmt, width, height, frames)


def thumbnail_jpeg(image: Image.Image, side: int = 120, quality: int = 70) -> bytes:
    """A small JPEG for reports (side-by-side thumbnails)."""
    small = image.copy()
    small.thumbnail((side, side), Image.Resampling.BILINEAR)
    out = io.BytesIO()
    small.convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()
