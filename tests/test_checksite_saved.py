"""Saved pages and archive snapshots: the site is down, the seller has a copy or a Wayback link."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from chatbot.app import SellerGuard
from chatbot.evidence.snapshot import archived_original, parse_snapshot
from tests.conftest import Chat
from tests.fixtures.sites.server import UNREACHABLE_SERVICES, Web, chat_on, cli_env, serve

SAVED = Path(__file__).parent / "fixtures" / "saved"
NOWHERE = UNREACHABLE_SERVICES  # a saved page is read offline: unreachable services change nothing


@pytest.fixture(scope="module")
def web() -> Iterator[Web]:
    with serve() as running:
        yield running


def test_saved_page_read_offline(run_cli, web: Web) -> None:  # type: ignore[no-untyped-def]
    hits = len(web.hits)
    proc = run_cli("checksite", "--html", str(SAVED / "sandy-throw-chrome.html"), "--url",
                   "https://copycat-shop.com/products/throw", "--brand", "LUMIVA", "--since", "2015-06-01",
                   "--json", env=cli_env(web, **NOWHERE))
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["host"] == "copycat-shop.com" and result["platform"] == "shopify"
    assert result["site_first_seen"]["date"] == "2016-04-21"
    assert result["page_first_seen"]["date"] == "2019-10-16"
    assert result["brand_hits"] and result["saved_page"]["file"] == "sandy-throw-chrome.html"
    assert result["evidence"][0]["url"] == "file:sandy-throw-chrome.html" and result["evidence"][0]["sha256"]
    assert result["comparison"]["seller_date"] == "2015-06-01"
    assert len(web.hits) == hits  # nothing fetched


def test_saved_page_address_from_the_file(run_cli, web: Web) -> None:  # type: ignore[no-untyped-def]
    proc = run_cli("checksite", "--html", str(SAVED / "sandy-throw-chrome.html"), env=cli_env(web, **NOWHERE))
    assert proc.returncode == 0, proc.stderr
    assert "copycat-shop.com" in proc.stdout and "nothing was fetched" in proc.stdout


def test_saved_wayback_copy_carries_the_snapshot_time(run_cli, web: Web) -> None:  # type: ignore[no-untyped-def]
    proc = run_cli("checksite", "--html", str(SAVED / "arc-lamp-singlefile.html"), "--json",
                   env=cli_env(web, **NOWHERE))
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["normalized_url"] == "https://copycat-shop.com/products/lamp"
    assert result["page_first_seen"]["date"] == "2020-03-14"
    assert "wayback" in result["page_first_seen"]["sources"]


def test_a_page_saved_from_the_wayback_machine_is_dated_by_the_archive_record_in_it(  # type: ignore[no-untyped-def]
        run_cli, web: Web, tmp_path: Path) -> None:
    """The archive's toolbar script names the original and the capture time; its closing comment
    names the time. Either dates the copy, also when the seller's link is a short `/web/2021/…`."""
    saved = SAVED / "rose-planter-wayback.html"
    short = "https://web.archive.org/web/2021/https://rose-garden-deals.com/product/rose-planter/"
    without_script = tmp_path / "no-toolbar.html"
    text = saved.read_text(encoding="utf-8")
    without_script.write_text(text[text.index("<!-- End Wayback"):], encoding="utf-8")
    for file, extra in ((saved, []), (saved, ["--url", short]), (without_script, ["--url", short])):
        proc = run_cli("checksite", "--html", str(file), "--json", *extra, env=cli_env(web, **NOWHERE))
        assert proc.returncode == 0, proc.stderr
        result = json.loads(proc.stdout)
        assert result["normalized_url"] == "https://rose-garden-deals.com/product/rose-planter/", extra
        wayback = [d for s in result["sources"] if s["name"] == "wayback" for d in s["dates"]]
        assert [d["value"] for d in wayback] == ["2021-09-17"], (file.name, extra)
        assert "/web/20210917031544/" in wayback[0]["detail"]
    # Without the record, a short link names no capture: no date is made up for it.
    proc = run_cli("checksite", "--html", str(SAVED / "sandy-throw-chrome.html"), "--url", short, "--json",
                   env=cli_env(web, **NOWHERE))
    assert proc.returncode == 0, proc.stderr
    assert not [d for s in json.loads(proc.stdout)["sources"] if s["name"] == "wayback" for d in s["dates"]]


def test_a_page_saved_without_a_note_is_named_by_its_own_canonical_link(  # type: ignore[no-untyped-def]
        run_cli, web: Web, tmp_path: Path) -> None:
    """Firefox writes no "saved from" note: the page's own canonical link (else og:url) names it;
    a link we would refuse to check (a user name before the host) names none: the file is read alone."""
    head = ("<html><head><title>Best LED lamp</title>{}<meta property='article:published_time' "
            "content='2021-06-01T10:00:00Z'></head><body><h1>Best LED lamp</h1></body></html>")
    cases = {
        "canonical.html": ('<link rel="canonical" href="https://copycat-blog.com/2020/03/05/best-led-lamp/">',
                           "copycat-blog.com"),
        "og.html": ('<meta property="og:url" content="https://copycat-shop.com/products/lamp">',
                    "copycat-shop.com"),
        "relative.html": ('<link rel="canonical" href="/products/lamp">', "relative.html"),
        "userinfo.html": ('<link rel="canonical" href="https://admin:pw@copycat-shop.com/p">',
                          "userinfo.html"),
    }
    for name, (tag, host) in cases.items():
        (tmp_path / name).write_text(head.format(tag), encoding="utf-8")
        proc = run_cli("checksite", "--html", str(tmp_path / name), "--json", env=cli_env(web, **NOWHERE))
        assert proc.returncode == 0, (name, proc.stderr)
        assert json.loads(proc.stdout)["host"] == host, name


def test_a_saved_page_that_names_no_address(run_cli, web: Web, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A page saved without any note of its address: read as it is, with or without --url."""
    page = tmp_path / "plain.html"
    page.write_text("<html><head><title>Aurora lamp</title>"
                    "<meta property='article:published_time' content='2021-06-01T10:00:00Z'></head>"
                    "<body><h1>Aurora lamp</h1></body></html>", encoding="utf-8")
    for extra in ([], ["--url", "https://glowpeak-shop.com/products/aurora-lamp"]):
        proc = run_cli("checksite", "--html", str(page), "--json", *extra, env=cli_env(web, **NOWHERE))
        assert proc.returncode == 0, proc.stderr
        assert json.loads(proc.stdout)["page_first_seen"]["date"] == "2021-06-01"


def test_a_snapshot_link_given_as_the_address_is_that_snapshot(run_cli, web: Web) -> None:  # type: ignore[no-untyped-def]
    link = "https://web.archive.org/web/20200314061522/https://glowpeak-shop.com/products/aurora-lamp"
    proc = run_cli("checksite", "--html", str(SAVED / "sandy-throw-chrome.html"), "--url", link, "--json",
                   env=cli_env(web, **NOWHERE))
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["normalized_url"] == "https://glowpeak-shop.com/products/aurora-lamp"
    assert any(s["name"] == "wayback" and any(d["value"] == "2020-03-14" for d in s["dates"])
               for s in result["sources"])


@pytest.mark.parametrize(("args", "reason"), [
    (["--html", "no-such-file.html"], "no such file"),
    (["--url", "https://copycat-shop.com/p"], "--html"),
    (["https://copycat-shop.com/p", "--html", "x.html"], "--html"),
])
def test_saved_page_bad_input_exit_2(run_cli, web: Web, args: list[str], reason: str) -> None:  # type: ignore[no-untyped-def]
    proc = run_cli("checksite", *args, env=cli_env(web))
    assert proc.returncode == 2 and reason in proc.stderr


@pytest.mark.parametrize(("name", "code", "reason"), [
    ("missing.html", "evidence.saved.missing", "no such file"),
    ("folder", "evidence.saved.not_a_file", "is a folder"),  # "Webpage, complete" saves one beside the page
    ("empty.html", "evidence.saved.empty", "is empty"),
    ("bom-only.html", "evidence.saved.empty", "is empty"),
])
def test_an_unreadable_saved_page_is_refused_as_json_too(run_cli, web: Web, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                         name: str, code: str, reason: str) -> None:
    (tmp_path / "folder").mkdir()
    (tmp_path / "empty.html").write_bytes(b"")
    (tmp_path / "bom-only.html").write_bytes(b"\xff\xfe" + " \n".encode("utf-16-le"))
    proc = run_cli("checksite", "--html", str(tmp_path / name), "--json", env=cli_env(web, **NOWHERE))
    assert proc.returncode == 2 and reason in proc.stderr
    assert json.loads(proc.stdout)["refused"]["code"] == code


def test_a_bad_option_is_refused_as_json_too(run_cli, web: Web) -> None:  # type: ignore[no-untyped-def]
    proc = run_cli("checksite", "https://copycat-shop.com/p", "--since", "31/04/2021", "--json",
                   env=cli_env(web))
    assert proc.returncode == 2 and "30 days" in proc.stderr
    assert json.loads(proc.stdout)["refused"] == {"code": "dates.no_such_day", "detail": "31/04/2021"}


@pytest.mark.parametrize(("link", "timestamp", "original"), [
    ("https://web.archive.org/web/20200314061522/https://copycat-shop.com/products/lamp",
     "20200314061522", "https://copycat-shop.com/products/lamp"),
    ("web.archive.org/web/2020031406im_/http:/copycat-shop.com/p?variant=1", "2020031406",
     "http://copycat-shop.com/p?variant=1"),
    ("http://web.archive.org/web/20190101000000*/copycat-shop.com", None, None),
    ("https://copycat-shop.com/web/20200314061522/x", None, None),
    # a browser opens the host before the backslash; a user name before the host is a disguise
    ("https://copycat-shop.com\\@web.archive.org/web/20200314061522/https://x.com/", None, None),
    ("https://web.archive.org@copycat-shop.com/web/20200314061522/https://x.com/", None, None),
    ("https://copycat-shop.com@web.archive.org/web/20200314061522/https://x.com/", None, None),
    ("HTTPS://Web.Archive.ORG./web/20200314061522/https://x.com/", "20200314061522", "https://x.com/"),
    ("https://web-beta.archive.org/web/20170611000000/https://x.com/p", "20170611000000", "https://x.com/p"),
])
def test_snapshot_links(link: str, timestamp: str | None, original: str | None) -> None:
    snap = parse_snapshot(link)
    assert (snap.timestamp, snap.original) == (timestamp, original) if snap else timestamp is None


@pytest.mark.parametrize(("link", "original"), [
    ("https://web.archive.org/web/2019*/copycat-shop.com/products/lamp", "http://copycat-shop.com/products/lamp"),
    ("https://web.archive.org/web/*/https://copycat-shop.com/products/lamp*", "https://copycat-shop.com/products/lamp"),
    ("http://web.archive.org/web/20190101000000*/copycat-shop.com", "http://copycat-shop.com"),
    ("wayback.archive.org/web/*/copycat-shop.com/p", "http://copycat-shop.com/p"),
    ("http://archive.org/wait/https://copycat-shop.com/p", "https://copycat-shop.com/p"),
    ("https://web.archive.org/save/https://copycat-shop.com/p", "https://copycat-shop.com/p"),
    ("https://web.archive.org/web/*/https%3A%2F%2Fcopycat-shop.com%2Fp", "https://copycat-shop.com/p"),
    ("https://web.archive.org/web/*/", None),
    ("https://web.archive.org/web/20200314061522/https://copycat-shop.com/p", None),  # a snapshot
    ("https://copycat-shop.com\\@web.archive.org/web/*/https://x.com/", None),
])
def test_archive_links_naming_no_capture_are_their_page(link: str, original: str | None) -> None:
    assert archived_original(link) == original


@pytest.mark.parametrize(("link", "timestamp", "original"), [
    ("https://web.archive.org/web/20200314061522/https%3A%2F%2Fcopycat-shop.com%2Fp", "20200314061522",
     "https://copycat-shop.com/p"),
    ("https://web.archive.org/web/2019/https://copycat-shop.com/p", "2019", "https://copycat-shop.com/p"),
    ("https://web.archive.org/web/201903if_/https://copycat-shop.com/p", "201903", "https://copycat-shop.com/p"),
])
def test_snapshot_links_encoded_or_short(link: str, timestamp: str, original: str) -> None:
    snap = parse_snapshot(link)
    assert snap is not None and (snap.timestamp, snap.original) == (timestamp, original)
    assert snap.exact == (len(timestamp) == 14)


@pytest.fixture
def bot(app: SellerGuard, web: Web, with_settings: Callable[..., SellerGuard]) -> SellerGuard:
    return chat_on(web, app, with_settings)  # type: ignore[return-value]


def test_snapshot_link_in_chat_is_that_snapshot(bot: SellerGuard, chat: Chat, web: Web) -> None:
    link = f"{web.base}/web/20200314061522/http://copycat-shop.com/products/lamp"
    reply = chat.one(f"/checksite {link}")
    result = reply.data
    assert result["normalized_url"] == "http://copycat-shop.com/products/lamp"
    assert result["snapshot"]["timestamp"] == "20200314061522"
    assert result["page_first_seen"]["date"] == "2020-03-14"
    page = next(s for s in result["sources"] if s["name"] == "page")
    assert page["ok"] and result["platform"] == "shopify"  # the archived copy was read
    assert any("/web/20200314061522id_/" in e["url"] for e in result["evidence"])


def test_a_calendar_link_in_chat_is_the_page_it_lists(bot: SellerGuard, chat: Chat, web: Web) -> None:
    reply = chat.one(f"/checksite {web.base}/web/2019*/copycat-shop.com:{web.port}/products/lamp")
    result = reply.data
    assert result["host"] == "copycat-shop.com"  # not the archive's own host
    assert result["normalized_url"] == web.shop("copycat-shop.com", "/products/lamp")
    assert "snapshot" not in result and result["platform"] == "shopify"


def test_a_short_timestamp_is_the_capture_the_archive_redirects_to(bot: SellerGuard, chat: Chat,
                                                                   web: Web) -> None:
    page = "http://copycat-shop.com/products/lamp"
    web.redirects[f"/web/2020id_/{page}"] = f"/web/20200314061522id_/{page}"
    try:
        result = chat.one(f"/checksite {web.base}/web/2020/{page}").data
    finally:
        del web.redirects[f"/web/2020id_/{page}"]
    assert result["snapshot"]["timestamp"] == "20200314061522"
    assert result["snapshot"]["link"] == f"{web.base}/web/20200314061522/{page}"
    assert result["page_first_seen"]["date"] == "2020-03-14"
