"""What members type becomes one blocklist unit: PSL registrable domain, or the host on a shared
platform; bad input is refused with a reason code; protected sites are recognised."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chatbot.blocklist.guardrails import protected_match
from chatbot.blocklist.normalize import InvalidSite, normalize_site, registrable_domain


@pytest.mark.parametrize(
    ("text", "unit", "host"),
    [
        ("https://User:pw@Shop.Example.COM:8443/p?q=1#frag", "example.com", "shop.example.com"),
        ("EXAMPLE.com.", "example.com", "example.com"),
        ("www.fake-brand.co.uk/about", "fake-brand.co.uk", "www.fake-brand.co.uk"),
        ("http://fake-brand.myshopify.com/products/bag", "fake-brand.myshopify.com",
         "fake-brand.myshopify.com"),
        ("a.b.github.io", "a.b.github.io", "a.b.github.io"),
        ("my-store.wixsite.com/shop", "my-store.wixsite.com", "my-store.wixsite.com"),
        ("deals.myshopline.com", "deals.myshopline.com", "deals.myshopline.com"),
        ("x.herokuapp.com", "x.herokuapp.com", "x.herokuapp.com"),  # a PSL private suffix
        ("例子。中国", "xn--fsqu00a.xn--fiqs8s", "xn--fsqu00a.xn--fiqs8s"),
        ("HTTPS://Bücher.DE/katalog", "xn--bcher-kva.de", "xn--bcher-kva.de"),
        ("mailto:ip-team@brand-claims.com", "brand-claims.com", "brand-claims.com"),
        ("ip-team@brand-claims.com", "brand-claims.com", "brand-claims.com"),
        ("example.com:8080/x", "example.com", "example.com"),
        ("  <https://shop.example.org>  ", "example.org", "shop.example.org"),
        ("https:\\\\evil.example.net\\path", "example.net", "evil.example.net"),
        ("http://evil.example.com\\@good.example.org/", "example.com", "evil.example.com"),
        ("shop%2Eexample.com", "example.com", "shop.example.com"),
        ("shop．example｡com.", "example.com", "shop.example.com"),
        ("someone@copycat.co.uk:25", "copycat.co.uk", "copycat.co.uk"),
    ],
)
def test_units(text, unit, host):
    site = normalize_site(text)
    assert (site.unit, site.host) == (unit, host)


def test_idn_keeps_both_forms_and_shared_platform_is_named():
    site = normalize_site("https://假貨.com/x")
    assert site.unit == "xn--sxqx58l.com" and site.unicode_host == "假貨.com"
    assert site.unicode_unit == "假貨.com" and site.shared_platform is None
    shop = normalize_site("cozy.myshopify.com")
    assert shop.shared_platform == "myshopify.com" and shop.registrable == "myshopify.com"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("x" * 3000, "too_long"),
        ("ftp://files.example.com", "scheme"),
        ("javascript:alert(1)", "scheme"),
        ("http://127.0.0.1/admin", "ip_address"),
        ("http://[::1]:8080/", "ip_address"),
        ("2130706433", "ip_address"),
        ("http://0x7f.1/", "ip_address"),
        ("hello", "not_domain"),
        ("bad domain.com", "not_domain"),
        ("under_score.com", "not_domain"),
        ("http://xn--zz.com", "not_domain"),
        ("https://example.com:http/", "not_domain"),
        ("1.2.3.4.5", "not_domain"),
        ("shop.0x7f", "not_domain"),
        ("shop\x00.com/", "not_domain"),
        ("https://shop.com:99999/", "not_domain"),
        ("http://127.0.0.1\\@evil.com/", "ip_address"),
        ("0300.0250.0.1", "ip_address"),
        ("shop.notarealtld", "unknown_suffix"),
        ("co.uk", "public_suffix"),
        ("myshopify.com", "platform"),
        ("https://www.wixsite.com/", "platform"),
    ],
)
def test_invalid(text, code):
    with pytest.raises(InvalidSite) as caught:
        normalize_site(text)
    assert caught.value.code == code


@pytest.mark.parametrize(
    ("text", "lookalike"),
    [("аррӏе.com", True), ("pаypal.com", True), ("淘宝abc.com", False), ("bücher.de", False),
     ("example.com", False), ("пример.рф", False)],
)
def test_mixed_script_names_are_flagged(text, lookalike):
    assert normalize_site(text).lookalike is lookalike


def test_registrable_domain():
    assert registrable_domain("a.b.example.co.uk") == "example.co.uk"
    assert registrable_domain("shop.myshopify.com") == "myshopify.com"
    assert registrable_domain("例子.中国") == "xn--fsqu00a.xn--fiqs8s"
    with pytest.raises(InvalidSite):
        registrable_domain("com")


@pytest.mark.parametrize(
    ("text", "match"),
    [("amazon.co.uk", "amazon.*"), ("https://sellercentral.amazon.com/x", "amazon.*"),
     ("shopify.com", "shopify.com"), ("www.etsy.com", "etsy.com"), ("mail.google.de", "google.*")],
)
def test_protected_sites(text, match):
    assert protected_match(normalize_site(text)) == match


@pytest.mark.parametrize("text", ["fake-brand.myshopify.com", "amazon-deals-outlet.com", "my.github.io"])
def test_stores_on_platforms_and_lookalike_names_are_not_protected(text):
    assert protected_match(normalize_site(text)) is None


_label = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?", fullmatch=True)


@given(labels=st.lists(_label, min_size=1, max_size=3),
       suffix=st.sampled_from(["com", "co.uk", "shop", "myshopify.com", "github.io", "com.cn"]),
       scheme=st.sampled_from(["", "http://", "https://", "HTTPS://"]),
       path=st.sampled_from(["", "/", "/products/x?y=1#z", ":443/a"]))
def test_normalising_is_stable(labels, suffix, scheme, path):
    host = ".".join([*labels, suffix])
    try:
        site = normalize_site(f"{scheme}{host.upper()}{path}")
    except InvalidSite as exc:
        assert exc.code in {"ip_address", "not_domain", "platform", "public_suffix"}
        return
    assert site.host == host
    again = normalize_site(site.unit)
    assert again.unit == site.unit  # a unit normalises to itself
    assert site.host.endswith(site.unit)


# The shortcut for already-normal hosts must agree with the full parse, which a URL always takes.
_any_label = st.from_regex(r"(xn--)?[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True)
_psl_edges = ["com", "co.uk", "uk", "ck", "www.ck", "bd", "kawasaki.jp", "city.kawasaki.jp", "jp",
              "myshopify.com", "github.io", "herokuapp.com", "s3.amazonaws.com", "blogspot.com",
              "appspot.com", "zzzz", "1", "0x7f", "com.cn", "shop", "wixsite.com"]


@given(labels=st.lists(_any_label, min_size=0, max_size=3), suffix=st.sampled_from(_psl_edges),
       tail=st.sampled_from(["", "/", "/p?q=1#z", "?q", "#top", "/a b", "/x@evil.com", ":443/"]))
def test_plain_hosts_and_links_normalise_exactly_as_the_full_parse(labels, suffix, tail):
    host = ".".join([*labels, suffix])

    def outcome(text: str) -> object:
        try:
            return normalize_site(text)
        except InvalidSite as exc:
            return exc.code

    # Backslashes and userinfo always take the full parse; they must not change the answer.
    assert outcome(host) == outcome(host.upper()) == outcome(f"http:\\\\{host}\\")
    assert outcome(f"https://{host}{tail}") == outcome(f"HTTPS://{host.upper()}{tail}") \
        == outcome(f"https://member@{host}{tail}".replace("://", ":\\\\", 1))


def test_suffix_shortcut_agrees_with_the_public_suffix_list_for_every_rule():
    from publicsuffixlist import PublicSuffixList

    from chatbot.blocklist.normalize import _psl, public_suffixes

    full = PublicSuffixList(only_icann=False, accept_unknown=False)
    icann = PublicSuffixList(only_icann=True, accept_unknown=False)
    names = {rule.removeprefix("!").removeprefix("*.") for rule in _psl()._publicsuffix}
    assert len(names) > 5000
    for name in sorted(names):
        for host in (name, f"x.{name}", f"shop.x.{name}", f"www.{name}"):
            assert public_suffixes(host) == (full.publicsuffix(host), icann.publicsuffix(host)), host
