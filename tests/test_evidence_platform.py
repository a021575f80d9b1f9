"""Platform detection from knowledge/platforms.yaml, and each platform's takedown route."""

from __future__ import annotations

import pytest

from chatbot.evidence import platform
from chatbot.i18n import is_cjk
from tests.fixtures.sites.server import ROOT


@pytest.mark.parametrize(("html", "headers", "host", "expected"), [
    ((ROOT / "shopify/products/aurora-lamp.html").read_text(), {}, "", "shopify"),
    ("<p>plain</p>", {"x-shopid": "1"}, "", "shopify"),
    ("<p>plain</p>", {}, "cool-store.myshopify.com", "shopify"),
    ((ROOT / "woo/product/rose-planter/index.html").read_text(), {}, "", "woocommerce"),
    ('<link href="/wp-content/themes/x/style.css"><meta name="generator" content="WordPress 6.4">', {}, "",
     "wordpress"),
    ('<img src="https://img.myshopline.com/image/store/1/a.jpg"><script>window.Shopline = {}</script>',
     {}, "", "shopline"),
    ('<script src="https://cdn.shoplazza.com/x.js"></script><script>window.SHOPLAZZA = {}</script>', {}, "",
     "shoplazza"),
    ('<img src="https://static.wixstatic.com/media/a.jpg"><meta name="generator" content="Wix.com Website">',
     {}, "", "wix"),
    ('<script src="https://cdn11.bigcommerce.com/s-abc/x.js"></script><script>var BCData = {};</script>',
     {}, "", "bigcommerce"),
    ('<script type="text/x-magento-init">{}</script><link href="/static/version1700000000/frontend/x.css">',
     {}, "", "magento"),
    ((ROOT / "generic/index.html").read_text(), {"server": "nginx"}, "", "unknown"),
    ("<p>We sell shopify themes</p>", {}, "", "unknown"),  # one weak word is not a platform
])
def test_detect(html: str, headers: dict[str, str], host: str, expected: str) -> None:
    assert platform.detect(html, headers, host).key == expected


def test_every_platform_has_a_takedown_route_in_both_languages() -> None:
    for key in platform.platforms():
        english = platform.takedown(key, "en")
        chinese = platform.takedown(key, "zh-Hans")
        assert english["text"] and chinese["text"] and english["text"] != chinese["text"]
        assert any(is_cjk(ch) for ch in chinese["text"])
    assert platform.takedown("shopify", "en")["url"].startswith("https://")
    assert platform.takedown("nonsense", "en") == platform.takedown("unknown", "en")


def test_detection_lists_the_signals_that_fired() -> None:
    found = platform.detect("<p>x</p>", {"x-shopid": "9", "powered-by": "Shopify"})
    assert found.matched == ("header:x-shopid", "header:powered-by") and found.score == 6
