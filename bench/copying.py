"""Proof of copying: precision and recall of "copy" at the shipped thresholds, per edit kind, on a
labelled set; and how fast we hash beside imagehash's bare call.

The labelled set: the sample photos that ship with scikit-image (`pip install -e '.[bench]'`) and
matplotlib, plus generated "product on a white background" pictures (the hard case: many
different products look alike at 8 x 8). Each is edited the way copiers do — resize, crop 10-20 %,
JPEG quality 30, watermark text, mirror, colour shift — and every edited picture is compared with
every original: the pair from the same original is a copy, every other pair is not.

Run: .venv/bin/python -m bench copying        (about 20 s on one core)
"""

from __future__ import annotations

import io
import random
import time
from collections.abc import Callable
from pathlib import Path

import imagehash
from PIL import Image, ImageDraw, ImageEnhance, ImageOps

from chatbot.evidence import imagematch
from chatbot.evidence.images import decode

SEED = 15
SPEED_ROUNDS = 3
# Near-duplicates in the sample data that are not one photo: a stereo pair, a grey copy.
SKIP = {"motorcycle_right.png", "chessboard_GRAY.png", "lfw_subset.npy"}


def _packaged() -> list[tuple[str, Image.Image]]:
    found: list[tuple[str, Image.Image]] = []
    folders = []
    try:
        import skimage

        folders.append(Path(skimage.__file__).parent / "data")
    except ImportError:
        print("(scikit-image is not installed: pip install -e '.[bench]' for its 25 sample photos)")
    import matplotlib

    folders.append(Path(matplotlib.__file__).parent / "mpl-data" / "sample_data")
    for folder in folders:
        for path in sorted(folder.iterdir()):
            if path.suffix.lower() not in {".png", ".jpg", ".jpeg"} or path.name in SKIP:
                continue
            with Image.open(path) as image:
                if min(image.size) < 64:
                    continue
                found.append((path.stem, image.convert("RGB")))
    return found


def _products(count: int, rng: random.Random) -> list[tuple[str, Image.Image]]:
    """Generated product shots: one object of a few shapes and colours, centred on white."""
    out = []
    for number in range(count):
        image = Image.new("RGB", (800, 800), (255, 255, 255))
        draw = ImageDraw.Draw(image)
        for _ in range(rng.randint(2, 5)):
            colour = tuple(rng.randint(0, 230) for _ in range(3))
            x, y = rng.randint(150, 450), rng.randint(150, 450)
            w, h = rng.randint(80, 300), rng.randint(80, 300)
            shape = rng.choice((draw.ellipse, draw.rectangle, draw.rounded_rectangle))
            shape((x, y, min(x + w, 700), min(y + h, 700)), fill=colour)  # type: ignore[operator]
        out.append((f"product-{number:02d}", image))
    return out


def _jpeg(image: Image.Image, quality: int = 90) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def _crop(image: Image.Image, rng: random.Random) -> Image.Image:
    keep = 1 - rng.uniform(0.10, 0.20)
    width, height = image.size
    w, h = round(width * keep), round(height * keep)
    left, top = rng.randint(0, width - w), rng.randint(0, height - h)
    return image.crop((left, top, left + w, top + h))


def _watermark(image: Image.Image, rng: random.Random) -> Image.Image:
    marked = image.copy()
    draw = ImageDraw.Draw(marked)
    width, height = marked.size
    size = max(12, width // 14)
    y = rng.randint(height // 2, height - size - 4)
    draw.text((width // 10, y), "BEST-DEALS-SHOP.COM", fill=(255, 255, 255), font_size=size,
              stroke_width=1, stroke_fill=(0, 0, 0))
    return marked


def _colour(image: Image.Image, rng: random.Random) -> Image.Image:
    shifted = ImageEnhance.Color(image).enhance(rng.uniform(1.3, 1.6))
    shifted = ImageEnhance.Brightness(shifted).enhance(rng.uniform(0.85, 1.15))
    r, g, b = shifted.split()
    return Image.merge("RGB", (r.point(lambda v: min(255, v + 20)), g, b))


EDITS: dict[str, Callable[[Image.Image, random.Random], bytes]] = {
    "as is (re-encoded)": lambda im, rng: _jpeg(im, 85),
    "resize 50%": lambda im, rng: _jpeg(im.resize((im.width // 2, im.height // 2), Image.Resampling.LANCZOS)),
    "crop 10-20%": lambda im, rng: _jpeg(_crop(im, rng)),
    "JPEG quality 30": lambda im, rng: _jpeg(im, 30),
    "watermark text": lambda im, rng: _jpeg(_watermark(im, rng)),
    "mirror": lambda im, rng: _jpeg(ImageOps.mirror(im)),
    "colour shift": lambda im, rng: _jpeg(_colour(im, rng)),
}


def accuracy(originals: list[tuple[str, Image.Image]], rng: random.Random) -> None:
    references = [imagematch.fingerprint(decode(_jpeg(im, 95)).image, reference=True) for _, im in originals]
    print(f"{len(originals)} originals x {len(EDITS)} edits; each edited picture against every original")
    print(f"thresholds: same photo <= {imagematch.SAME_PHOTO_MAX}, edited copy <= "
          f"{imagematch.EDITED_COPY_MAX} of 256 bits\n")
    print(f"{'edit':22} {'TP':>4} {'FN':>4} {'FP':>5} {'TN':>6} {'precision':>10} {'recall':>7}  "
          "distances of copies")
    totals = [0, 0, 0, 0]
    closest_other = 256
    for edit, make in EDITS.items():
        tp = fn = fp = tn = 0
        distances = []
        for index, (_, image) in enumerate(originals):
            copy = imagematch.fingerprint(decode(make(image, rng)).image)
            for other, reference in enumerate(references):
                match = imagematch.compare(copy, reference)
                said = match.verdict != "different"
                if other == index:
                    distances.append(match.distance)
                    tp, fn = tp + said, fn + (not said)
                else:
                    fp, tn = fp + said, tn + (not said)
                    closest_other = min(closest_other, match.distance)
        totals = [a + b for a, b in zip(totals, (tp, fn, fp, tn), strict=True)]
        precision = tp / (tp + fp) if tp + fp else 1.0
        print(f"{edit:22} {tp:4} {fn:4} {fp:5} {tn:6} {precision:10.3f} {tp / (tp + fn):7.3f}  "
              f"median {sorted(distances)[len(distances) // 2]}, max {max(distances)}")
    tp, fn, fp, tn = totals
    print(f"{'all edits':22} {tp:4} {fn:4} {fp:5} {tn:6} {tp / max(1, tp + fp):10.3f} {tp / (tp + fn):7.3f}")
    print(f"closest pair of different pictures: {closest_other} bits (edited copy <= "
          f"{imagematch.EDITED_COPY_MAX})")


def speed(originals: list[tuple[str, Image.Image]]) -> None:
    """Photos hashed per second from encoded bytes, both ways in the same run: the bare call is
    `imagehash.phash(Image.open(...), hash_size=16)`, ours is images.decode + imagematch.fingerprint."""
    for label, side in (("as served (sample size)", None), ("marketplace size, 1500 px", 1500)):
        blobs = []
        for _, image in originals:
            if side:
                height = round(side * image.height / image.width)
                image = image.resize((side, height), Image.Resampling.BILINEAR)
            blobs.append(_jpeg(image, 90))

        def bare(blobs: list[bytes] = blobs) -> None:
            for blob in blobs:
                imagehash.phash(Image.open(io.BytesIO(blob)), hash_size=imagematch.HASH_SIZE)

        def ours(blobs: list[bytes] = blobs) -> None:
            for blob in blobs:
                imagematch.fingerprint(decode(blob).image)

        rates = {}
        for name, work in (("bare", bare), ("decode + fingerprint (ours)", ours)):
            best = float("inf")
            for _ in range(SPEED_ROUNDS):
                started = time.perf_counter()
                work()
                best = min(best, time.perf_counter() - started)
            rates[name] = len(blobs) / best
        bare_rate, our_rate = rates.values()
        print(f"{label}: bare {bare_rate:6.0f} images/s, ours {our_rate:6.0f} images/s "
              f"(ours takes {bare_rate / our_rate:.2f}x the bare call's time: it checks the caps first, then "
              f"decodes JPEG at a reduced scale)")
    started = time.perf_counter()
    decoded = [decode(_jpeg(im, 90)).image for _, im in originals]
    for image in decoded:
        imagematch.fingerprint(image, reference=True)
    print(f"seller side (with {2 * (1 + len(imagematch.REFERENCE_CROPS))} crop/mirror variants): "
          f"{len(decoded) / (time.perf_counter() - started):.0f} images/s")


def main() -> None:
    rng = random.Random(SEED)
    originals = _packaged() + _products(20, rng)
    accuracy(originals, rng)
    print()
    speed(originals)


if __name__ == "__main__":
    main()
