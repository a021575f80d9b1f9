"""Decoding untrusted photos with caps, matching copies by perceptual hash, matching copied text."""

from __future__ import annotations

import pytest

from chatbot.evidence import imagematch, textmatch
from chatbot.evidence.images import MAX_PIXELS, ImageRefused, decode
from tests.fixtures.copying.pictures import (
    SVG,
    animated_gif,
    corrupt_jpeg,
    edited,
    encode,
    huge_png_header,
    photo,
)


def _print(data: bytes, reference: bool = False) -> imagematch.Fingerprint:
    return imagematch.fingerprint(decode(data).image, reference=reference)


@pytest.mark.parametrize("kind", ["resize", "crop", "mirror", "watermark"])
def test_edited_copies_match_their_original_only(kind: str) -> None:
    originals = [photo(seed) for seed in range(6)]
    references = [_print(encode(image), reference=True) for image in originals]
    copy = _print(encode(edited(originals[2], kind), quality=40))
    index, match = imagematch.best_match(copy, references)  # type: ignore[misc]
    assert index == 2 and match.verdict in {"same_photo", "edited_copy"}
    others = [imagematch.compare(copy, r).verdict for i, r in enumerate(references) if i != 2]
    assert others == ["different"] * 5


def test_re_encoded_photo_is_the_same_photo() -> None:
    image = photo(11)
    copy = _print(encode(image, "WEBP", quality=50))
    match = imagematch.compare(copy, _print(encode(image), reference=True))
    assert match.verdict == "same_photo" and match.variant == "as is"


@pytest.mark.parametrize(("data", "content_type", "code"), [
    (huge_png_header(), "image/png", "too_many_pixels"),
    (corrupt_jpeg(), "image/jpeg", "corrupt"),
    (SVG, "image/svg+xml", "svg"),
    (SVG, "application/octet-stream", "svg"),  # sniffed, not trusted from the header
    (b"<html>not a picture</html>", "image/jpeg", "not_an_image"),
])
def test_hostile_files_are_refused_before_decoding(data: bytes, content_type: str, code: str) -> None:
    with pytest.raises(ImageRefused) as caught:
        decode(data, content_type)
    assert caught.value.code == code


def test_pixel_cap_is_checked_from_the_header() -> None:
    # Just over the cap is refused without reading the (absent) pixel rows.
    side = int(MAX_PIXELS ** 0.5) + 2
    with pytest.raises(ImageRefused) as caught:
        decode(huge_png_header(side, side))
    assert caught.value.code == "too_many_pixels"


def test_animation_first_frame_only() -> None:
    first, second = photo(1, (300, 300)), photo(2, (300, 300))
    decoded = decode(animated_gif(first, second))
    assert decoded.frames == 2 and decoded.format == "GIF"
    frame = imagematch.fingerprint(decoded.image)
    assert imagematch.compare(frame, _print(encode(first), reference=True)).verdict != "different"
    assert imagematch.compare(frame, _print(encode(second), reference=True)).verdict == "different"


def test_work_is_done_on_a_small_picture() -> None:
    decoded = decode(encode(photo(3, (4000, 3000))))
    assert (decoded.width, decoded.height) == (4000, 3000)
    assert max(decoded.image.size) <= 256


def test_copied_sentences_are_found_in_english_and_chinese() -> None:
    seller = [*textmatch.split("title", "LumiNest Aurora Sunset Projection Lamp, 16 Colours"),
              *textmatch.split("description", "Bring the golden hour home. The lamp rotates 180 degrees "
                               "and casts a warm halo on any wall! Made of aluminium."),
              *textmatch.split("bullet", "【日落灯】一键切换十六种颜色，营造温馨氛围")]
    copycat = ["Aurora Sunset Projection Lamp - 16 Colors | Best Deals",
               "Bring the golden hour home! The lamp rotates 180 degrees and casts a warm halo on any wall.",
               "日落灯：一键切换十六种颜色,营造温馨氛围。 Free shipping worldwide."]
    result = textmatch.compare(seller, copycat)
    assert result.similarity > 0.7
    wheres = {m.where for m in result.passages}
    assert {"title", "description", "bullet"} <= wheres
    other = ["A ceramic planter for succulents, hand made in Portugal."]
    assert textmatch.compare(seller, other).similarity == 0


def test_text_work_is_capped() -> None:
    seller = [textmatch.Passage("description", f"Sentence {i} about the lamp body") for i in range(500)]
    result = textmatch.compare(seller, ["x " * 100_000])
    assert result.compared == textmatch.MAX_PASSAGES and result.seller_passages == 500
