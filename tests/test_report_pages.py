"""Report pages on the web process: `/r/<token>` and its PDF, PNG and WACZ, over HTTP from
`sellerguard serve` and in headless Chromium at a phone and a desktop size."""

from __future__ import annotations

import functools
import hashlib
import io
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

pytest.register_assert_rewrite("tests.webserve")  # also loaded as a plugin below

from pdfminer.high_level import extract_text  # noqa: E402
from sqlalchemy import update  # noqa: E402

from chatbot.config import Settings  # noqa: E402
from chatbot.context import Context  # noqa: E402
from chatbot.db import Database  # noqa: E402
from chatbot.evidence import links, verify  # noqa: E402
from chatbot.evidence.engine import EvidenceEngine, LookupRequest  # noqa: E402
from chatbot.evidence.models import ReportLink  # noqa: E402
from tests.fixtures.sites.server import resolver, serve, settings_for  # noqa: E402
from tests.webserve import DESKTOP, HTTP_TIMEOUT, PHONE, overflows, save_doc_shot, serving  # noqa: E402

pytest_plugins = ["tests.webserve"]  # the `browser` fixture
get = functools.partial(httpx.get, timeout=HTTP_TIMEOUT)  # generous: a busy machine is no failure



@pytest.fixture
def site(settings: Settings, db: Database, tmp_path: Path) -> Iterator[tuple[Context, dict[str, Any], str]]:
    """A stored lookup of the fixture Shopify store, and the web process serving its reports."""
    with serve() as web:
        configured = settings_for(web, settings, public_url="https://reports.example")
        ctx = Context(configured, db)  # type: ignore[arg-type]
        engine = EvidenceEngine(ctx, resolver=resolver)
        result = engine.check(LookupRequest(web.shop("glowpeak-shop.com", "/products/aurora-lamp"),
                                            since=date(2021, 9, 15), brand="LumiNest"))
        with serving(settings.database_url, tmp_path, SELLERGUARD_REPORT_DIR=settings.report_dir) as base:
            yield ctx, result, base


def test_a_link_opens_the_report_and_its_files(site: Any) -> None:
    ctx, result, base = site
    url = links.report_url(ctx, result, "zh-Hans")
    assert url.startswith("https://reports.example/r/") and links.TOKEN.fullmatch(url.rsplit("/", 1)[1])
    token = url.rsplit("/", 1)[1]
    page = get(f"{base}/r/{token}")
    assert page.status_code == 200 and "证据日志" in page.text
    assert "比这个页面早 574 天" in page.text  # the seller's own date, as in the chat reply
    by_id = get(f"{base}/r/{links.create(ctx, result['id'])}")
    assert "give your listing date with --since" in by_id.text
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp and "unsafe-inline" not in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "no-store" in page.headers["cache-control"]
    assert "<script" not in page.text.lower()
    english = get(f"{base}/r/{token}?lang=en")
    assert "Evidence log" in english.text
    pdf = get(f"{base}/r/{token}/report.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert "attachment" in pdf.headers["content-disposition"]
    text = "".join(extract_text(io.BytesIO(pdf.content)).split())
    assert "证据日志" in text and result["package"]["sha256"] in text
    png = get(f"{base}/r/{token}/timeline.png")
    assert png.headers["content-type"] == "image/png" and png.content.startswith(b"\x89PNG")
    wacz = get(f"{base}/r/{token}/evidence.wacz")
    assert wacz.headers["content-type"] == "application/wacz"
    assert hashlib.sha256(wacz.content).hexdigest() == result["package"]["sha256"]
    assert wacz.headers["x-content-type-options"] == "nosniff"


def test_expired_unknown_and_tricks_get_clear_pages(site: Any) -> None:
    ctx, result, base = site
    token = links.create(ctx, result["id"], "zh-Hans")
    with ctx.db.session() as session:
        session.execute(update(ReportLink).values(expires_at=ctx.clock() - timedelta(seconds=1)))
    expired = get(f"{base}/r/{token}")
    assert expired.status_code == 410 and "此报告链接已过期" in expired.text
    assert expired.headers["referrer-policy"] == "no-referrer"
    assert get(f"{base}/r/{token}/report.pdf").status_code == 410
    fresh = links.create(ctx, result["id"], "en")
    for path in ("/r/" + "A" * 43, "/r/short", "/r/", "/r", f"/r/{fresh}/../../datapackage.json",
                 f"/r/{fresh}/%2e%2e%2fdatapackage.json", f"/r/{fresh}/report.docx",
                 f"/r/{fresh}/..%2f..%2fetc%2fpasswd", "/r/%00", "/r/" + "x" * 5000):
        answer = get(base + path)
        assert answer.status_code in (404, 410), path
        assert "root:" not in answer.text and "PK" not in answer.text[:2]
    unknown = get(f"{base}/r/{'B' * 43}", headers={"accept-language": "zh-TW"})
    assert unknown.status_code == 404 and "這裡沒有報告" in unknown.text
    with pytest.raises(LookupError):
        links.report_url(ctx, 999_999)


def test_report_page_reads_well_on_a_phone_and_a_desktop(site: Any, browser: Any, tmp_path: Path) -> None:
    ctx, result, base = site
    token = links.create(ctx, result, "zh-Hans")
    for size, name in ((PHONE, "phone"), (DESKTOP, "desktop")):
        context = browser.new_context(viewport=size, device_scale_factor=1)
        context.set_default_timeout(HTTP_TIMEOUT * 1000)
        page = context.new_page()
        blocked: list[str] = []
        page.on("console", lambda msg, blocked=blocked: blocked.append(msg.text)
                if "Content Security Policy" in msg.text else None)
        page.goto(f"{base}/r/{token}")
        assert page.locator("h1").inner_text() == "店铺证据报告"
        assert not overflows(page), f"the report is wider than a {name} screen"
        timeline = page.locator("img.timeline")
        assert timeline.evaluate("img => img.complete && img.naturalWidth > 0")
        assert timeline.bounding_box()["width"] <= size["width"]
        # Styles apply (the CSP allows exactly the page's own style block): headings are sized.
        assert page.locator("h1").evaluate("h => getComputedStyle(h).fontSize") != "32px"
        assert not blocked, blocked
        assert page.get_by_text("下载 PDF").count() == 1
        shot = page.screenshot(full_page=False)
        assert shot.startswith(b"\x89PNG")
        if name == "phone":
            (tmp_path / "report-phone.png").write_bytes(shot)
            save_doc_shot(shot, "report-phone.png")
        context.close()


def test_verify_passes_on_the_served_package(site: Any, tmp_path: Path) -> None:
    ctx, result, base = site
    token = links.create(ctx, result["id"])
    target = tmp_path / "downloaded.wacz"
    target.write_bytes(get(f"{base}/r/{token}/evidence.wacz").content)
    verdict = verify.check(target)
    assert verdict.ok, verdict.problems
    assert any(re.search(r"/products/aurora-lamp$", url) for _, _, url in verdict.urls)
