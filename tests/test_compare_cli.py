"""`sellerguard compare` in a subprocess against the fixture web: the copycat's Shopify page
against the seller's Amazon listing, supplied photos, another shop's page, and hostile input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.copying import site
from tests.fixtures.copying.pictures import SVG, encode, photo
from tests.fixtures.sites.server import Web, cli_env, serve


@pytest.fixture(scope="module")
def web() -> Iterator[Web]:
    with serve() as running:
        site.install(running)
        yield running


def _compare(run_cli, web: Web, *args: str) -> dict:  # type: ignore[no-untyped-def]
    proc = run_cli("compare", *args, "--json", env=cli_env(web))
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def test_copycat_against_the_amazon_listing(run_cli, web: Web) -> None:  # type: ignore[no-untyped-def]
    result = _compare(run_cli, web, f"{web.base}{site.COPYCAT_PAGE}", "--asin", "B0SELLERIM")
    assert result["verdict"] == "copied" and result["reason"] == "images_and_text"
    by_name = {m["copycat_image"].rsplit("/", 1)[-1].split("?")[0]: m for m in result["image_matches"]}
    for name, seller in (("sunset-main.jpg", "71aurMain"), ("sunset-side.jpg", "71aurSide"),
                         ("sunset-box.jpg", "51aurBox")):
        match = by_name[name]
        assert match["verdict"] in {"same_photo", "edited_copy"} and seller in match["seller_image"]
        assert set(match) >= {"copycat_image", "seller_image", "distance", "verdict"}
        assert match["copycat_thumb"].startswith("data:image/jpeg;base64,")
    assert by_name["sunset-side.jpg"]["variant"].startswith("mirrored")
    assert by_name["sunset-room.jpg"]["verdict"] == "different"
    assert 0.3 <= result["text_similarity"] <= 1
    assert {p["where"] for p in result["passages"]} >= {"title", "bullet"}
    assert result["seller_first_available"] == "2021-09-15"
    assert result["copycat_first_upload"] == "2023-04-12"  # Shopify ?v= of the earliest matched photo
    assert result["copycat_images_compared"] == 4 and result["seller_images_compared"] == 3
    # The Amazon page is fetched once, each photo once, and every fetch is in the evidence log.
    urls = [e["url"] for e in result["evidence"]]
    assert sum("/amazon/" in u for u in urls) == 1 and len(urls) == len(set(urls))


def test_photos_and_text_from_files(run_cli, web: Web, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    files = []
    for seed in (1, 2):
        path = tmp_path / f"mine-{seed}.png"
        path.write_bytes(encode(photo(seed), "PNG"))
        files.append(str(path))
    (tmp_path / "bad.svg").write_bytes(SVG)
    text = tmp_path / "listing.txt"
    text.write_text("Aurora Sunset Projection Lamp, 16 Colors, 180° Rotation\n"
                    "GOLDEN HOUR AT HOME: the lamp casts a warm sunset halo on any wall, ceiling or "
                    "corner of your room.\n", encoding="utf-8")
    result = _compare(run_cli, web, f"{web.base}{site.COPYCAT_PAGE}", "--images", *files,
                      str(tmp_path / "bad.svg"), str(tmp_path / "missing.jpg"), "--text", str(text))
    assert result["verdict"] == "copied"
    copies = [m for m in result["image_matches"] if m["verdict"] != "different"]
    assert {m["seller_image"] for m in copies} == {"mine-1.png", "mine-2.png"}
    codes = {(p["code"], p["url"]) for p in result["problems"]}
    assert ("svg", "bad.svg") in codes and ("unreadable_file", "missing.jpg") in codes
    assert result["text_similarity"] > 0.9


def test_listing_on_another_shop(run_cli, web: Web) -> None:  # type: ignore[no-untyped-def]
    mine = f"{web.base}{site.COPYCAT_PAGE}"
    result = _compare(run_cli, web, f"{web.base}{site.HOSTILE_PAGE}", "--listing", mine)
    assert result["seller_source"] == "listing" and result["seller_images_compared"] == 4
    assert [m["verdict"] for m in result["image_matches"]] == ["same_photo"]


def test_hostile_images_are_refused_and_the_rest_completes(run_cli, web: Web) -> None:  # type: ignore[no-untyped-def]
    result = _compare(run_cli, web, f"{web.base}{site.HOSTILE_PAGE}", "--asin", "B0SELLERIM")
    codes = {p["url"].rsplit("/", 1)[-1].split("?")[0]: p["code"] for p in result["problems"]}
    assert codes["lamp-drawing.svg"] == "svg"
    assert codes["poster.png"] == "too_many_pixels"
    assert codes["broken.jpg"] == "corrupt"
    assert codes["inside.jpg"] == "fetch.blocked_address"
    assert [m["verdict"] for m in result["image_matches"]] == ["edited_copy"]
    assert result["verdict"] == "similar"


def test_crowded_page_is_capped_and_says_so(run_cli, web: Web) -> None:  # type: ignore[no-untyped-def]
    result = _compare(run_cli, web, f"{web.base}{site.CROWDED_PAGE}", "--asin", "B0SELLERIM")
    assert result["copycat_images_found"] == 501
    cap = next(p for p in result["problems"] if p["code"] == "image_cap")
    assert cap["detail"] == "24/501"
    assert sum(1 for e in result["evidence"] if "/cdn/shop/files/" in e["url"]) == 24


def test_robot_check_and_no_images(run_cli, web: Web) -> None:  # type: ignore[no-untyped-def]
    result = _compare(run_cli, web, f"{web.base}{site.BARE_PAGE}", "--asin", "B0BLOCKED1")
    assert result["verdict"] == "inconclusive" and result["reason"] == "amazon_blocked"
    assert [p["code"] for p in result["problems"]] == ["amazon_blocked"]
    assert result["image_matches"] == [] and result["copycat_images_found"] == 0


def test_text_summary_in_chinese(run_cli, web: Web) -> None:  # type: ignore[no-untyped-def]
    proc = run_cli("compare", f"{web.base}{site.COPYCAT_PAGE}", "--asin", "B0SELLERIM", "--lang", "zh",
                   env=cli_env(web))
    assert proc.returncode == 0, proc.stderr
    assert "抄袭比对" in proc.stdout and "结论：抄袭" in proc.stdout and "改动过的副本" in proc.stdout
    host = web.base.split("//", 1)[1].split(":", 1)[0]
    assert f"抄袭比对：{host} 与您的商品页" in proc.stdout  # the host /checksite reads, without the port
    proc = run_cli("compare", f"{web.base}{site.COPYCAT_PAGE}", "--asin", "B0SELLERIM", "--lang", "zh-Hant",
                   env=cli_env(web))
    assert "抄襲比對" in proc.stdout and "鏡像翻轉" in proc.stdout


@pytest.mark.parametrize(("args", "reason"), [
    (["http://169.254.169.254/latest/", "--asin", "B0SELLERIM"], "private network"),
    (["https://example.com"], "one of the arguments --asin --listing --images is required"),
    (["https://example.com", "--asin", "nope"], "An ASIN is B0 and 8 letters"),
])
def test_refused_input_exits_2(run_cli, web: Web, args: list[str], reason: str) -> None:  # type: ignore[no-untyped-def]
    proc = run_cli("compare", *args, env=cli_env(web, SELLERGUARD_ALLOW_PRIVATE_NETWORKS="0"))
    assert proc.returncode == 2
    assert reason in proc.stderr


def test_one_photo_shown_twice_is_one_copied_photo(run_cli, web: Web, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The verdict counts the seller's photos that were copied: their page showing one of them
    full size and as a thumbnail is one photo ("similar"), not two ("copied")."""
    web.files["/cdn/shop/files/twice-big.jpg"] = (encode(photo(5)), "image/jpeg")
    web.files["/cdn/shop/files/twice-small.jpg"] = (encode(photo(5).resize((300, 300))), "image/jpeg")
    page = ("<html><head><title>Lamp</title></head><body><h1>Lamp</h1>"
            "<img src='/cdn/shop/files/twice-big.jpg'><img src='/cdn/shop/files/twice-small.jpg'>"
            "</body></html>")
    web.files["/products/twice"] = (page.encode(), "text/html; charset=utf-8")
    mine = tmp_path / "mine.jpg"
    mine.write_bytes(encode(photo(5)))
    result = _compare(run_cli, web, f"{web.base}/products/twice", "--images", str(mine))
    assert sum(m["verdict"] != "different" for m in result["image_matches"]) == 2
    assert result["verdict"] == "similar" and result["reason"] == "one_image"


def test_lazy_loaded_copies_are_compared(run_cli, web: Web) -> None:  # type: ignore[no-untyped-def]
    # Every copy sits behind lazy loading (a Shopify {width} template, data-srcset, <picture>).
    result = _compare(run_cli, web, f"{web.base}{site.LAZY_PAGE}", "--asin", "B0SELLERIM")
    assert result["verdict"] == "copied" and result["copies"] == 3
    names = {m["copycat_image"].rsplit("/", 1)[-1].split("?")[0] for m in result["image_matches"]}
    assert names == {"sunset-main_720x.jpg", "sunset-side.jpg", "sunset-box.jpg"}
    assert not any("{width}" in e["url"] or e["url"].startswith("data:") for e in result["evidence"])
