"""/checksite and 查站 in chat: the summary, the button, the report files, and every refusal."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from chatbot.app import SellerGuard
from chatbot.conversation import Action, Actions, Attachment, Fields, Incoming, Reply
from chatbot.evidence.engine import EvidenceEngine
from tests.conftest import Chat
from tests.fixtures.sites.server import Web, resolver, serve, settings_for


@pytest.fixture(scope="module")
def web() -> Iterator[Web]:
    with serve() as running:
        yield running


@pytest.fixture
def bot(app: SellerGuard, web: Web, with_settings: Callable[..., SellerGuard]) -> SellerGuard:
    changed = settings_for(web, app.settings)
    bot = with_settings(**{k: getattr(changed, k) for k in (
        "allow_private_networks", "allowed_ports", "wayback_url", "rdap_url", "amazon_url",
        "fetch_timeout", "lookup_timeout")})
    # The fixture shops' names resolve to the local web.
    bot.ctx._services[EvidenceEngine] = EvidenceEngine(bot.ctx, resolver=resolver)
    return bot


def fields(reply: Reply) -> dict[str, str]:
    part = next(p for p in reply.parts if isinstance(p, Fields))
    return dict(part.pairs)


def test_checksite_summary_in_english(bot: SellerGuard, chat: Chat, web: Web) -> None:
    url = web.shop("glowpeak-shop.com", "/products/aurora-lamp")
    reply = chat.one(f"/checksite {url} --since 2021-09-15 --brand LumiNest")
    assert reply.ok and reply.intent == "checksite"
    assert "Shopify" in reply.text and "2023-04-12" in reply.text
    shown = fields(reply)
    assert shown["Platform"] == "Shopify"
    assert shown["Product page first seen"].startswith("2023-04-12 (high confidence")
    assert shown["Store/domain first seen"].startswith("2022-10-28")
    assert shown["Your listing"] == ("Your listing (2021-09-15) predates this page by 574 days "
                                     "(the earliest evidence for the page is 2023-04-12).")
    assert "LumiNest" in shown["Brand word"]
    assert shown["Community blocklist"] == "not on the list"
    assert shown["Registrar abuse contact"] == "abuse@namecheap.com"
    assert "shopify.com/legal/dmca" in shown["Takedown route"]
    button = next(p for p in reply.parts if isinstance(p, Actions)).buttons[0]
    assert (button.id, button.value) == ("site.report", reply.data["normalized_url"])
    files = [p for p in reply.parts if isinstance(p, Attachment)]
    assert {Path(a.path).suffix for a in files} == {".html", ".pdf", ".png"}
    for attachment in files:
        assert Path(attachment.path).stat().st_size > 500
    assert Path(next(a.path for a in files if a.path.endswith(".pdf"))).read_bytes().startswith(b"%PDF")
    html = Path(next(a.path for a in files if a.path.endswith(".html"))).read_text(encoding="utf-8")
    assert "Evidence log" in html and reply.data["evidence"][0]["sha256"] in html
    for key in ("url", "normalized_url", "platform", "page_first_seen", "site_first_seen", "sources",
                "comparison", "brand_hits", "blocklist", "evidence"):
        assert key in reply.data


def test_chinese_text_command(bot: SellerGuard, chat: Chat, web: Web) -> None:
    url = web.shop("bloom-garden.net", "/product/rose-planter/")
    reply = chat.one(f"查站 {url} --since 2024-06-01 --report 证据.pdf")
    assert reply.ok and reply.lang == "zh-Hans"
    shown = fields(reply)
    assert shown["建站平台"] == "WooCommerce (WordPress)"
    assert shown["您的商品"].startswith("这个页面(2024-02-03)比您的商品(2024-06-01)早 119 天")
    files = [p for p in reply.parts if isinstance(p, Attachment)]
    # A chat user names the file, never its folder.
    lookup = reply.data["id"]
    assert {Path(a.path).name for a in files} == {f"checksite-{lookup}-bloom-garden.net-证据.pdf",
                                                   f"checksite-{lookup}-bloom-garden.net-证据.png"}
    assert all(Path(a.path).parent == Path(bot.settings.report_dir) for a in files)


def test_traditional_chinese_reader(bot: SellerGuard, chat: Chat, web: Web) -> None:
    url = web.shop("glowpeak-shop.com", "/products/aurora-lamp")
    reply = chat.one(f"查站 {url} 請檢查")
    assert not reply.ok and reply.lang == "zh-Hant"
    assert "看懂" in reply.text or "選項" in reply.text


def test_report_button_where_no_form_opens(bot: SellerGuard) -> None:
    msg = Incoming(platform="console", user="alice", action=Action("site.report", "https://copycat.example/x"))
    [reply] = bot.handle(msg)
    assert "/report https://copycat.example/x" in reply.text


@pytest.mark.parametrize(("text", "expected"), [
    ("/checksite", "Tell me which page to check"),
    ("/checksite https://a.example --since 2021-13-40", "there is no month 13"),
    ("/checksite https://a.example --since someday", "--since needs the date"),
    ("/checksite https://a.example --since 2999-01-01", "is in the future"),
    ("/checksite https://a.example --since 2021-01-01 --asin B0SELLER01", "either --since"),
    ("/checksite https://a.example --asin 123", "An ASIN is B0 and 8 letters"),
    ("/checksite https://a.example --asin B0SELLER01 --marketplace xx", "I don't know the Amazon site “xx”"),
    ("/checksite https://a.example --marketplace de", "--marketplace goes with --asin"),
    ("/checksite https://a.example --colour red", "I don't know the option --colour"),
    ("/checksite https://a.example --brand", "needs a value"),
    ("/checksite https://a.example --report ../../etc/passwd", "--report takes a file name"),
    ("/checksite ftp://a.example/file", "I only check http:// and https://"),
    ("/checksite file:///etc/passwd", "I only check http:// and https://"),
    ("/checksite http://user:secret@a.example/", "user name or password"),
])
def test_bad_input_says_what_is_wrong(bot: SellerGuard, chat: Chat, text: str, expected: str) -> None:
    reply = chat.one(text)
    assert not reply.ok
    assert expected in reply.text


def test_bad_input_in_chinese(bot: SellerGuard, chat: Chat) -> None:
    reply = chat.one("查站 https://a.example --since 明天")
    assert not reply.ok and reply.lang == "zh-Hans"
    assert "--since 需要您的商品上架日期" in reply.text
    refused = chat.one("查站 ftp://a.example/x")
    assert "我只检查" in refused.text or "http://" in refused.text


def test_unresolvable_host_reports_what_worked(bot: SellerGuard, chat: Chat, web: Web) -> None:
    # The name does not resolve while our own services answer: the site may be gone. That is no
    # invalid input: the lookup runs, and what the archive and the registry know is shown.
    reply = chat.one(f"/checksite {web.shop('no-such-shop.com', '/products/x')}")
    assert not reply.ok
    assert "does not resolve" in reply.text and "taken down" in reply.text
    assert reply.data["network"]["state"] == "site_gone"
    assert any(s["name"] == "wayback" and s["ok"] for s in reply.data["sources"])


def test_private_address_refused(app: SellerGuard, chat: Chat) -> None:
    for target in ("http://169.254.169.254/latest/meta-data/", "http://127.0.0.1/admin", "http://[::1]/",
                   "http://2130706433/"):
        reply = chat.one(f"/checksite {target}")
        assert not reply.ok
        assert "private network" in reply.text, target


def test_hostile_page_still_answers(bot: SellerGuard, chat: Chat, web: Web) -> None:
    reply = chat.one(f"/checksite {web.shop('hostile-shop.com', '/loop-a')}")
    assert reply.ok  # the other sources still made a report
    assert any("redirects in a circle" in getattr(p, "text", "") for p in reply.parts)


def test_blocklist_status_and_signals(bot: SellerGuard, chat: Chat, web: Web) -> None:
    reported = chat.one("/report glowpeak-shop.com copycat store selling my lamp", user="bob")
    assert reported.ok, reported.text
    reply = chat.one(f"/checksite {web.shop('glowpeak-shop.com', '/products/aurora-lamp')}")
    assert fields(reply)["Community blocklist"].startswith("reported by 1 member")
    assert reply.data["blocklist"]["state"] == "reported"
    # What the lookup learnt (registrar, abuse contacts, address) now links blocklist entries.
    check = chat.one("/blocklist check glowpeak-shop.com")
    signals = check.data.get("signals") or check.data.get("result", {}).get("signals") or {}
    assert "namecheap, inc." in str(signals).lower(), check.data


def test_traditional_chinese_summary(bot: SellerGuard, chat: Chat, web: Web) -> None:
    reply = chat.one(f"查站 {web.shop('glowpeak-shop.com', '/products/aurora-lamp')} --brand 露米燈")
    assert reply.ok and reply.lang == "zh-Hant"
    shown = fields(reply)
    assert "建站平臺" in shown or "建站平台" in shown
    assert any("頁面上沒有出現" in value for value in shown.values())


def test_huge_page_and_xml_bomb_explained(bot: SellerGuard, chat: Chat, web: Web,
                                           with_settings: Callable[..., SellerGuard]) -> None:
    changed = with_settings(fetch_max_bytes=1_000_000)
    changed.ctx._services[EvidenceEngine] = EvidenceEngine(changed.ctx, resolver=resolver)
    reply = chat.one(f"/checksite {web.shop('hostile-shop.com', '/huge')}")
    assert reply.ok
    notes = [getattr(p, "text", "") for p in reply.parts]
    assert any("larger than 1 MB; I read only the first part" in n for n in notes)
    bomb = chat.one(f"/checksite {web.shop('bomb-shop.com', '/')}")
    expected = "sitemap: refused: the sitemap uses XML entities or a DTD (an XML bomb)"
    assert any(expected in getattr(p, "text", "") for p in bomb.parts)
