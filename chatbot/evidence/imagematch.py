"""Is the copycat's photo the seller's photo? Perceptual hashes from `imagehash`, compared the way
copies are made.

A copy is usually the seller's photo resized, re-compressed, cropped by a tenth or a fifth,
mirrored, colour-shifted or stamped with a watermark. pHash (DCT of a grey picture; 16 x 16 = 256
bits here, since 64 bits cannot tell two different product shots on white apart) survives
resizing, re-compression, colour shifts and small stamps; it does not survive a crop or a mirror.
So each of the seller's photos is hashed as it is and as the crops and the mirror image a copier
would make (REFERENCE_CROPS, mirrored too), and a copycat photo's distance is the smallest Hamming
distance to any of them.

Thresholds come from the labelled set in bench/copying.py (figures in the README): on it no pair
of different pictures came closer than 74 bits, and 98.2 % of edited copies came within 60.
- same photo: distance to the seller's photo as it is <= SAME_PHOTO_MAX;
- edited copy: distance to its closest crop or mirror image <= EDITED_COPY_MAX;
- different: otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import imagehash
import numpy as np
from PIL import Image, ImageOps

Verdict = Literal["same_photo", "edited_copy", "different"]

SAME_PHOTO_MAX = 20  # of 256 bits
EDITED_COPY_MAX = 60
HASH_SIZE = 16  # 256-bit hashes: 64 bits cannot tell apart two product shots on white
REFERENCE_SIDE = 128  # the seller's photo is cropped at this size (pHash itself reads 64 x 64)
CROP_KEEPS = (0.9, 0.85, 0.8)  # a copier's crops of 10-20 %: each kept share of the side ...
CROP_PLACES = (0.0, 0.25, 0.5, 0.75, 1.0)  # ... placed at the start, middle or end of the slack, both ways


def _crop_boxes() -> dict[str, tuple[float, float, float, float]]:
    boxes = {}
    for keep in CROP_KEEPS:
        for x in CROP_PLACES:
            for y in CROP_PLACES:
                left, top = (1 - keep) * x, (1 - keep) * y
                boxes[f"crop {round(keep * 100)}% at {x:g},{y:g}"] = (left, top, left + keep, top + keep)
    return boxes


# (left, top, right, bottom) as fractions of the seller's photo.
REFERENCE_CROPS = _crop_boxes()


@dataclass(frozen=True, eq=False)
class Fingerprint:
    """`whole`: the photo as it is; `labels` and `bits` (one row of HASH_SIZE**2 booleans per
    variant): its crops and mirror images — empty for a copycat photo, filled for the seller's."""

    whole: imagehash.ImageHash
    labels: tuple[str, ...] = ()
    bits: np.ndarray = field(default_factory=lambda: np.zeros((0, HASH_SIZE * HASH_SIZE), dtype=bool))


@dataclass(frozen=True)
class Match:
    distance: int  # pHash Hamming distance, 0..256, to the closest variant
    variant: str  # "as is", "mirrored", "crop 85% at 0.5,0.5", "mirrored, crop 90% at 0,1", ...
    verdict: Verdict


def _hash(image: Image.Image) -> imagehash.ImageHash:
    return imagehash.phash(image, hash_size=HASH_SIZE)


def fingerprint(image: Image.Image, *, reference: bool = False) -> Fingerprint:
    """Hashes of a decoded photo (see images.decode: small RGB). `reference=True` for the seller's
    photos adds the crops and the mirror image (2 x (1 + len(REFERENCE_CROPS)) hashes)."""
    image = image.convert("L")
    whole = _hash(image)
    if not reference:
        return Fingerprint(whole)
    labels: list[str] = []
    rows: list[np.ndarray] = []
    # pHash reads a 64 x 64 picture: cropping a smaller copy gives the same hashes for less work.
    small = image.copy()
    small.thumbnail((REFERENCE_SIDE, REFERENCE_SIDE), Image.Resampling.BILINEAR)
    width, height = small.size
    for prefix, source in (("", small), ("mirrored, ", ImageOps.mirror(small))):
        if prefix:
            labels.append("mirrored")
            rows.append(_hash(source).hash.flatten())
        for label, (left, top, right, bottom) in REFERENCE_CROPS.items():
            box = (round(left * width), round(top * height), round(right * width), round(bottom * height))
            labels.append(prefix + label)
            rows.append(_hash(source.crop(box)).hash.flatten())
    return Fingerprint(whole, tuple(labels), np.array(rows, dtype=bool))


def compare(copy: Fingerprint, reference: Fingerprint) -> Match:
    """The copycat photo against one seller photo; the verdict uses the thresholds above."""
    distance = int(copy.whole - reference.whole)
    if distance <= SAME_PHOTO_MAX or not reference.labels:
        return Match(distance, "as is", "same_photo" if distance <= SAME_PHOTO_MAX else
                     "edited_copy" if distance <= EDITED_COPY_MAX else "different")
    distances = np.count_nonzero(reference.bits != copy.whole.hash.flatten(), axis=1)
    closest = int(np.argmin(distances))
    best = (distance, "as is") if distance <= distances[closest] else (int(distances[closest]),
                                                                       reference.labels[closest])
    return Match(best[0], best[1], "edited_copy" if best[0] <= EDITED_COPY_MAX else "different")


def best_match(copy: Fingerprint, references: list[Fingerprint]) -> tuple[int, Match] | None:
    """(index into `references`, match) of the closest seller photo; None when there is none."""
    found: tuple[int, Match] | None = None
    for index, reference in enumerate(references):
        match = compare(copy, reference)
        if found is None or (match.verdict != "different", -match.distance) > \
                (found[1].verdict != "different", -found[1].distance):
            found = (index, match)
    return found
