"""The URL parser: what a seller pastes, and the traps other parsers fall into."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from hypothesis.provisional import urls

from chatbot.net.urls import InvalidURL, parse_user_url

PORTS = frozenset({80, 443})


def parse(text: str, **kwargs: object) -> str:
    return str(parse_user_url(text, allowed_ports=kwargs.pop("ports", PORTS), **kwargs))  # type: ignore[arg-type]


def code_of(text: str, **kwargs: object) -> str:
    with pytest.raises(InvalidURL) as refused:
        parse(text, **kwargs)
    return refused.value.code


@pytest.mark.parametrize(("text", "expected"), [
    ("shop.com/x", "https://shop.com/x"),
    ("  https://shop.com/x \n", "https://shop.com/x"),  # leading spaces (CVE-2023-24329)
    ("\u200bhttps://shop.com/\ufeff", "https://shop.com/"),  # invisible characters from a chat paste
    ("https://Shop.COM./Tea-Cup", "https://shop.com/Tea-Cup"),  # case and the trailing dot
    ("example.com。", "https://example.com/"),  # ideographic full stop
    ("shop．example｡com/p", "https://shop.example.com/p"),  # fullwidth and halfwidth stops
    ("https://shop.com/p?variant=1#reviews", "https://shop.com/p?variant=1"),  # fragment dropped
    ("https://shop.com?x=1", "https://shop.com/?x=1"),
    ("//shop.com/a", "https://shop.com/a"),
    ("http://shop.com:80/", "http://shop.com/"),
    ("https://shop.com:443/a", "https://shop.com/a"),
    ("https://bücher.de/ü?q=茶", "https://xn--bcher-kva.de/%C3%BC?q=%E8%8C%B6"),
    ("https://аррӏе.com", "https://xn--80ak6aa92e.com/"),  # valid IDN, encoded, not trusted for it
    ("店铺.中国/商品", "https://xn--hxtq42j.xn--fiqs8s/%E5%95%86%E5%93%81"),
    ("https://my_shop.example.com/", "https://my_shop.example.com/"),
    ("http://ＳＨＯＰ.com/", "http://shop.com/"),
    ("https://8.8.8.8/", "https://8.8.8.8/"),
    ("https://[2606:4700:4700::1111]/x", "https://[2606:4700:4700::1111]/x"),
    ("https://shop.com/a%20b", "https://shop.com/a%20b"),
    ("http://shop.com#@127.0.0.1/", "http://shop.com/"),  # the @ is in the fragment, not the authority
    ("http://shop.com?@127.0.0.1/", "http://shop.com/?@127.0.0.1/"),
    ("shop.com:", "https://shop.com/"),  # an empty port is the default one, not a scheme "shop.com"
    ("https://xn--bcher-kva.de/", "https://xn--bcher-kva.de/"),
])
def test_accepted_and_normalised(text: str, expected: str) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(("text", "code"), [
    ("", "empty"),
    ("   \t ", "empty"),
    ("https://shop.com/" + "a" * 3000, "too_long"),
    ("http://127.0.0.1\\@evil.com/", "not_url"),  # parsers disagree on the host: refuse
    ("https:\\\\evil.com", "not_url"),
    ("https://shop.com/a b", "not_url"),
    ("https://shop.com/\x00", "not_url"),
    ("https://shop\r\n.com/", "not_url"),
    ("http:/shop.com", "not_url"),
    ("https://", "not_url"),
    ("https:///path", "not_url"),
    ("file:///etc/passwd", "scheme"),
    ("gopher://127.0.0.1:6379/_FLUSHALL", "scheme"),
    ("javascript:alert(1)", "scheme"),
    ("ftp://shop.com/", "scheme"),
    ("data:text/html,hi", "scheme"),
    ("mailto:seller@shop.com", "scheme"),
    ("dict://shop.com:11211/", "scheme"),
    ("http://user:pass@shop.com/", "userinfo"),
    ("http://shop.com@evil.com/", "userinfo"),
    ("http://@shop.com/", "userinfo"),
    ("http://127.0.0.1:80@evil.com/", "userinfo"),
    ("http://%31%32%37.0.0.1/", "host"),  # percent-encoded host
    ("https://shop.com:8080/", "port"),
    ("shop.com:22", "port"),
    ("https://shop.com:0/", "port"),
    ("https://shop.com:65536/", "port"),
    ("https://shop.com:8０/", "port"),
    ("https://shop.com:80:80/", "port"),
    ("https://shop.com:-1/", "port"),
    ("https://-shop.com/", "host"),
    ("https://shop..com/", "host"),
    ("https://.shop.com/", "host"),
    ("https://sh op.com/", "not_url"),
    ("https://shop!.com/", "host"),
    ("https://1.2.3.4.5/", "host"),
    ("https://shop.0x7f/", "host"),  # ends in a number, so an address to a browser, and no address
    ("https://xn--zz.com/", "host"),  # a broken punycode label
    ("http://%73hop.com/", "host"),
    ("https://[::1/", "host"),
    ("https://[not-v6]/", "host"),
    ("https://intranet/", "host"),
    ("https://" + "a" * 64 + ".com/", "host"),
    ("http://localhost/", "host_private"),
    ("http://LOCALHOST./admin", "host_private"),
    ("http://shop.localhost/", "host_private"),
    ("http://metadata.google.internal/computeMetadata/v1/", "host_private"),
    ("http://db.internal/", "host_private"),
    ("http://127.0.0.1/", "ip_literal_private"),
    ("http://127.1/", "ip_literal_private"),
    ("http://0/", "ip_literal_private"),
    ("http://0.0.0.0/", "ip_literal_private"),
    ("http://2130706433/", "ip_literal_private"),
    ("http://0x7f.0.0.1/", "ip_literal_private"),
    ("http://169.254.169.254/latest/meta-data/", "ip_literal_private"),
    ("http://100.100.100.200/latest/meta-data/", "ip_literal_private"),
    ("http://[::]/", "ip_literal_private"),
    ("http://[::1]/", "ip_literal_private"),
    ("http://[::ffff:127.0.0.1]/", "ip_literal_private"),
    ("http://[::ffff:a9fe:a9fe]/", "ip_literal_private"),
    ("http://[64:ff9b::7f00:1]/", "ip_literal_private"),
    ("http://[2002:7f00:1::]/", "ip_literal_private"),
    ("http://[fd00:ec2::254]/", "ip_literal_private"),
    ("http://[fe80::1%25eth0]/", "ip_literal_private"),
    ("http://10.0.0.1。/", "ip_literal_private"),
    # Unicode that IDNA folds into something else is judged as what it becomes
    ("http://127。0。0。1/", "ip_literal_private"),
    ("http://１２７.０.０.１/", "ip_literal_private"),  # fullwidth digits
    ("http://ⓛⓞⓒⓐⓛⓗⓞⓢⓣ/", "host_private"),  # circled letters
    ("http://locaⅬhost/", "host_private"),  # Roman numeral fifty
    ("http://evil.com／@127.0.0.1/", "userinfo"),  # fullwidth solidus
    ("http://example.com＠127.0.0.1", "host"),  # fullwidth commercial at
    ("http://shop.com:٥٦/", "port"),  # Arabic-Indic digits
])
def test_refused_with_a_code_that_says_why(text: str, code: str) -> None:
    assert code_of(text) == code


def test_allowed_ports_come_from_the_caller() -> None:
    assert parse("https://shop.com:8443/", ports=frozenset({443, 8443})) == "https://shop.com:8443/"
    assert code_of("http://shop.com/", ports=frozenset({443})) == "port"  # default port 80 not allowed


def test_private_targets_only_with_allow_private() -> None:
    ports = frozenset({8080})
    assert parse("http://127.0.0.1:8080/x", ports=ports, allow_private=True) == "http://127.0.0.1:8080/x"
    assert parse("http://localhost:8080/", ports=ports, allow_private=True) == "http://localhost:8080/"
    assert parse("http://intranet:8080/", ports=ports, allow_private=True) == "http://intranet:8080/"
    # metadata stays refused even then
    assert code_of("http://169.254.169.254/", allow_private=True) == "ip_literal_private"
    assert code_of("http://metadata.google.internal/", allow_private=True) == "host_private"


def test_result_is_an_httpx_url_with_no_userinfo_or_fragment() -> None:
    url = parse_user_url("Shop.com/a?b=1#c", allowed_ports=PORTS)
    assert isinstance(url, httpx.URL)
    assert (url.scheme, url.host, url.port, url.path, url.query, url.fragment, url.userinfo) == (
        "https", "shop.com", None, "/a", b"b=1", "", b"")


def test_invalid_url_is_a_value_error_with_detail() -> None:
    with pytest.raises(ValueError) as refused:
        parse_user_url("gopher://x.com/", allowed_ports=PORTS)
    assert isinstance(refused.value, InvalidURL)
    assert refused.value.detail == "gopher"


@given(urls())
@example("http://A.AD/.#0")  # a path of dot segments resolves to the root, written "/"
@example("https://shop.example/p/..?variant=1")
def test_parsing_is_idempotent_on_anything_it_accepts(text: str) -> None:
    try:
        first = parse_user_url(text, allowed_ports=PORTS)
    except InvalidURL as refused:
        assert refused.code  # a code always says why
        return
    again = parse_user_url(str(first), allowed_ports=PORTS)
    assert again == first
    assert first.scheme in {"http", "https"} and not first.userinfo and not first.fragment


@given(st.text(max_size=80))
def test_arbitrary_text_never_raises_anything_but_invalid_url(text: str) -> None:
    try:
        url = parse_user_url(text, allowed_ports=PORTS)
    except InvalidURL:
        return
    assert url.scheme in {"http", "https"} and url.port in (None, 80, 443) and not url.userinfo


def test_every_refusal_code_has_a_message_in_both_languages() -> None:
    import inspect
    import re

    from chatbot.i18n import t
    from chatbot.net import typed_url, urls

    codes = {code for module in (typed_url, urls)
             for code in re.findall(r'InvalidURL\("(\w+)"', inspect.getsource(module))}
    assert {"empty", "scheme", "userinfo", "port", "host", "ip_literal_private"} <= codes
    for code in codes:
        english, chinese = t(f"fetch.url.{code}", "en"), t(f"fetch.url.{code}", "zh-Hans")
        assert english != chinese and chinese != t(f"fetch.url.{code}", "zh-Hant")
