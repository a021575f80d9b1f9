"""The public blocklist page (/blocklist) from `sellerguard serve`: search, result, not found,
bad input, Chinese UI; neutral facts only (no reporters, no free text); readable on a phone in
headless Chromium."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

pytest.register_assert_rewrite("tests.webserve")  # also loaded as a plugin below

from chatbot.blocklist.service import Actor, BlocklistService, ReportInput  # noqa: E402
from chatbot.config import Settings  # noqa: E402
from chatbot.context import Context  # noqa: E402
from chatbot.db import Database  # noqa: E402
from tests.webserve import DESKTOP, HTTP_TIMEOUT, PHONE, overflows, save_doc_shot, serving  # noqa: E402

pytest_plugins = ["tests.webserve"]  # the `browser` fixture
get = functools.partial(httpx.get, timeout=HTTP_TIMEOUT)  # generous: a busy machine is no failure

SECRET_REASON = "Zhang Wei from Shenzhen sent me a fake trademark complaint"
ALICE, BOB, MOD = Actor("console:alice"), Actor("slack:UBOB"), Actor("console:mod", True)


@pytest.fixture
def base(settings: Settings, db: Database, tmp_path: Path) -> Iterator[str]:
    svc = Context(settings, db).service(BlocklistService)
    listed = svc.report(ALICE, ReportInput(url="https://fake-brand-claims.com/x", reason=SECRET_REASON,
                                           category="fake-complaint",
                                           rights_owner_email="legal@fake.example"))
    svc.approve(MOD, listed["id"])
    svc.record_signals("fake-brand-claims.com", {"online": False})
    svc.report(BOB, ReportInput(url="https://copy-lamps.myshopify.com/", reason="copied my photos",
                                category="copycat-store"))  # reported only: not public
    shop = svc.report(BOB, ReportInput(url="https://北欧灯具.com/", reason="copycat",
                                       category="copycat-store"))
    svc.approve(MOD, shop["id"])
    with serving(settings.database_url, tmp_path) as running:
        yield running


def test_search_shows_neutral_facts_only(base: str) -> None:
    page = get(f"{base}/blocklist", params={"q": "https://www.fake-brand-claims.com/products/x?y=1"})
    assert page.status_code == 200
    html = page.text
    assert "fake-brand-claims.com — listed" in html
    assert "fake IP complaint" in html and "offline" in html
    for secret in (SECRET_REASON, "Zhang Wei", "alice", "UBOB", "legal@fake.example", "console:"):
        assert secret not in html
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "script-src" not in page.headers["content-security-policy"]
    assert "<script" not in html.lower()


def test_not_public_not_found_and_bad_input(base: str) -> None:
    pending = get(f"{base}/blocklist", params={"q": "copy-lamps.myshopify.com"}).text
    assert "Not on the list" in pending and "copied my photos" not in pending
    missing = get(f"{base}/blocklist", params={"q": "honest-shop.com"}).text
    assert "Not on the list" in missing
    for bad in ("not a domain at all", "<script>alert(1)</script>", "x" * 5000 + ".com", "http://"):
        answer = get(f"{base}/blocklist", params={"q": bad})
        assert answer.status_code == 200, bad[:40]
        assert "does not look like a domain" in answer.text
        assert "<script>alert" not in answer.text


def test_chinese_ui_and_idn(base: str) -> None:
    page = get(f"{base}/blocklist", params={"q": "北欧灯具.com", "lang": "zh"}).text
    assert "恶意投诉方网站社区黑名单" in page and "已上榜" in page and "仿冒店铺" in page
    assert "xn--" in page  # the punycode form is shown beside the Unicode name
    traditional = get(f"{base}/blocklist", headers={"accept-language": "zh-TW,zh;q=0.9"}).text
    assert "惡意投訴方網站社群黑名單" in traditional and "最近上榜" in traditional


def test_in_a_browser_on_a_phone_and_a_desktop(base: str, browser: Any) -> None:
    for size in (PHONE, DESKTOP):
        context = browser.new_context(viewport=size, locale="en-US")
        context.set_default_timeout(HTTP_TIMEOUT * 1000)
        page = context.new_page()
        blocked: list[str] = []
        page.on("console", lambda msg, blocked=blocked: blocked.append(msg.text)
                if "Content Security Policy" in msg.text else None)
        page.goto(f"{base}/blocklist")
        assert "fake-brand-claims.com" in page.locator("table").inner_text()  # recently listed
        page.get_by_role("searchbox").fill("fake-brand-claims.com")
        page.get_by_role("button", name="Search").click()
        page.wait_for_url("**q=fake-brand-claims.com**")
        result = page.locator("#result")
        assert "listed" in result.inner_text() and "fake IP complaint" in result.inner_text()
        assert not overflows(page)
        page.get_by_role("searchbox").fill("never-listed.com")
        page.get_by_role("button", name="Search").click()
        page.wait_for_url("**never-listed.com**")
        assert "Not on the list" in page.locator("#result").inner_text()
        page.get_by_role("link", name="简体中文").click()
        page.wait_for_url("**lang=zh**")
        assert page.locator("h1").inner_text() == "恶意投诉方网站社区黑名单"
        assert page.get_by_role("button", name="查询").count() == 1
        assert "不在名单上" in page.locator("#result").inner_text()
        assert not overflows(page)
        if size == PHONE:
            page.get_by_role("searchbox").fill("fake-brand-claims.com")
            page.get_by_role("button", name="查询").click()
            page.wait_for_url("**q=fake-brand-claims.com**")
            assert "已上榜" in page.locator("#result").inner_text()
            save_doc_shot(page.screenshot(), "blocklist-phone.png")
        assert not blocked, blocked
        context.close()
