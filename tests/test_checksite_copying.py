"""/checksite with --asin or --listing adds the copying section: in the terminal (JSON and
reports), and in chat through the bot, in English and Chinese; the lookup reuses its pages."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from chatbot.app import SellerGuard
from chatbot.conversation import Attachment, Code, Heading, Notice
from tests.conftest import Chat
from tests.fixtures.copying import site
from tests.fixtures.sites.server import Web, cli_env, serve


@pytest.fixture(scope="module")
def web() -> Iterator[Web]:
    with serve() as running:
        site.install(running)
        yield running


@pytest.fixture
def bot(app: SellerGuard, web: Web, with_settings: Callable[..., SellerGuard]) -> SellerGuard:
    return site.bot_on(web, app, with_settings)


def test_checksite_json_has_the_copying_section(run_cli, web: Web) -> None:  # type: ignore[no-untyped-def]
    before = len(web.hits)
    proc = run_cli("checksite", f"{web.base}{site.COPYCAT_PAGE}", "--asin", "B0SELLERIM", "--json",
                   env=cli_env(web))
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    copying = result["copying"]
    assert copying["verdict"] == "copied" and copying["copies"] == 3
    assert copying["seller_first_available"] == "2021-09-15"
    assert result["comparison"]["seller_date"] == "2021-09-15"  # the date check still runs beside it
    hits = web.hits[before:]
    # One fetch each of the copycat page and of the Amazon page: the copying check reuses them.
    assert sum(h.endswith(site.COPYCAT_PAGE) for h in hits) == 1
    assert sum("/amazon/" in h for h in hits) == 1
    assert any(e["source"] == "copying" and "/images/I/" in e["url"] for e in result["evidence"])


def test_the_listing_date_is_read_in_the_marketplace_given(run_cli, web: Web) -> None:  # type: ignore[no-untyped-def]
    # A numeric date on amazon.de is day first: 05.03.2019 is the 5th of March, not May 3rd.
    proc = run_cli("checksite", f"{web.base}{site.COPYCAT_PAGE}", "--asin", "B0SELLERDN",
                   "--marketplace", "de", "--json", env=cli_env(web))
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["comparison"]["seller_date"] == "2019-03-05"
    assert result["copying"]["seller_first_available"] == "2019-03-05"


def test_checksite_reports_show_the_matches(run_cli, web: Web, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    html = tmp_path / "evidence.html"
    proc = run_cli("checksite", f"{web.base}{site.COPYCAT_PAGE}", "--asin", "B0SELLERIM", "--report",
                   str(html), env=cli_env(web))
    assert proc.returncode == 0, proc.stderr
    page = html.read_text(encoding="utf-8")
    assert "Proof of copying" in page and page.count('src="data:image/jpeg;base64,') >= 6
    assert "edited copy" in page and "GOLDEN HOUR AT HOME" in page
    assert "Copying:" in proc.stdout  # the terminal summary has the section too
    pdf = tmp_path / "evidence.pdf"
    proc = run_cli("checksite", f"{web.base}{site.COPYCAT_PAGE}", "--asin", "B0SELLERIM", "--report",
                   str(pdf), "--lang", "zh", env=cli_env(web))
    assert proc.returncode == 0, proc.stderr
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 5000


def test_checksite_with_photo_files(run_cli, web: Web, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    mine = tmp_path / "mine.jpg"
    mine.write_bytes(web.files["/images/I/71aurMain._AC_SL1500_.jpg"][0])
    proc = run_cli("checksite", f"{web.base}{site.HOSTILE_PAGE}", "--since", "2021-09-15", "--images",
                   str(mine), "--json", env=cli_env(web))
    assert proc.returncode == 0, proc.stderr
    copying = json.loads(proc.stdout)["copying"]
    assert copying["seller_source"] == "files" and copying["copies"] == 1
    assert {p["code"] for p in copying["problems"]} >= {"svg", "too_many_pixels", "corrupt",
                                                         "fetch.blocked_address"}


def test_checksite_in_chat(bot: SellerGuard, chat: Chat, web: Web) -> None:
    reply = chat.one(f"/checksite {web.base}{site.COPYCAT_PAGE} --asin B0SELLERIM")
    assert reply.ok and reply.data["copying"]["verdict"] == "copied"
    headings = [p.text for p in reply.parts if isinstance(p, Heading)]
    assert any(h.startswith("Copying:") for h in headings)
    notes = "\n".join(p.text for p in reply.parts if isinstance(p, Notice))
    assert "3 of the 4 product photos compared on their page match your photos" in notes
    assert "mirrored" in notes
    report = next(a for a in reply.parts if isinstance(a, Attachment) and a.path.endswith(".html"))
    assert "Proof of copying" in Path(report.path).read_text(encoding="utf-8")


def test_checksite_in_chat_chinese_robot_check(bot: SellerGuard, chat: Chat, web: Web) -> None:
    reply = chat.one(f"查站 {web.base}{site.COPYCAT_PAGE} --asin B0BLOCKED1")
    assert reply.ok
    copying = reply.data["copying"]
    assert copying["verdict"] == "inconclusive" and copying["reason"] == "amazon_blocked"
    notes = "\n".join(p.text for p in reply.parts if isinstance(p, Notice))
    assert "机器人验证" in notes and "--images" in notes


def test_letters_cite_the_matches(bot: SellerGuard, chat: Chat, web: Web) -> None:
    copycat = f"{web.base}{site.COPYCAT_PAGE}"
    assert chat.one(f"/checksite {copycat} --asin B0SELLERIM").ok
    case_id = chat("/notice")[0].data["case"]["id"]
    assert chat.one(f"/case {case_id} site {copycat}").ok
    assert chat.one(f"/case {case_id} asin B0SELLERIM").ok
    sentence = ("3 of the 4 product images on the page are copies of the photos in our listing ASIN "
                "B0SELLERIM on amazon.com, first available on 2021-09-15.")
    for letter_type in ("takedown", "dispute"):
        reply = chat.one(f"/letter {letter_type} {case_id}")
        body = next(p.text for p in reply.parts if isinstance(p, Code))
        assert sentence in body, body
        assert "text similarity" in body
    # A case whose storefront was never compared keeps the placeholder to fill by hand.
    other = chat("/notice")[0].data["case"]["id"]
    chat.one(f"/case {other} site https://elsewhere.example/p/1")
    body = next(p.text for p in chat.one(f"/letter takedown {other}").parts if isinstance(p, Code))
    assert "copies of the photos" not in body and "[For each page, name the copied images" in body
