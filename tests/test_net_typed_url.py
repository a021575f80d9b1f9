"""One reading of which host a typed text names: the fetcher (/checksite, /case site) and the
blocklist read the same host from the same text and differ only in what they then allow."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from chatbot.blocklist.normalize import InvalidSite, _plain_host, normalize_site
from chatbot.net.typed_url import InvalidURL, read_typed_url
from chatbot.net.urls import host_of, parse_user_url

PORTS = frozenset({80, 443, 8080})
# Refusals that are the blocklist's own policy on a host the reading accepted.
BLOCKLIST_POLICY = {"ip_address", "not_domain", "unknown_suffix", "public_suffix", "platform"}


def fetcher_host(text: str) -> str | None:
    try:
        return host_of(parse_user_url(text, allowed_ports=PORTS, allow_private=True))
    except InvalidURL:
        return None


def blocklist_outcome(text: str) -> str:
    try:
        return normalize_site(text).host
    except InvalidSite as exc:
        return f"!{exc.code}"


def read(text: str) -> str:
    return read_typed_url(text).host


@pytest.mark.parametrize(("text", "host"), [
    # backslashes are "/" before the query, as in a browser: the host ends at the first one
    ("http://evil.com\\@good.com/", "evil.com"),
    ("https:\\\\shop.example.net\\path", "shop.example.net"),
    ("http://127.0.0.1\\@evil.com/", "127.0.0.1"),
    ("shop.com/?q=a\\@evil.com", "shop.com"),
    # the last "@" of the authority ends a user name; "@" after the host is in the path or query
    ("http://user:pw@copycat.com:8080/", "copycat.com"),
    ("http://a@b@copycat.com/", "copycat.com"),
    ("http://copycat.com/@evil.com", "copycat.com"),
    ("http://copycat.com?@evil.com", "copycat.com"),
    ("http://copycat.com#@evil.com", "copycat.com"),
    ("http://evil.com／@good.com/", "good.com"),  # a full-width solidus is no delimiter
    # e-mail addresses name the domain after the "@"
    ("someone@copycat.com", "copycat.com"),
    ("mailto:someone@copycat.com?subject=IP", "copycat.com"),
    # percent-escapes in the host are decoded once
    ("http://%73hop.com/", "shop.com"),
    ("shop%2Ecom", "shop.com"),
    ("http://%31%32%37.0.0.1/", "127.0.0.1"),
    # full-width and ideographic dots, trailing dot, case and UTS-46 mapping
    ("例子。中国", "xn--fsqu00a.xn--fiqs8s"),
    ("shop．example｡com", "shop.example.com"),
    ("HTTPS://Shop.Example.COM./x", "shop.example.com"),
    ("ＳＨＯＰ.com", "shop.com"),
    ("Bücher.de", "xn--bcher-kva.de"),
    ("xn--bcher-kva.de", "xn--bcher-kva.de"),
    ("http://ⓛⓞⓒⓐⓛⓗⓞⓢⓣ/", "localhost"),
    # a host ending in a number is an IPv4 address in any form the resolver reads
    ("http://0x7f.1/", "127.0.0.1"),
    ("127.1", "127.0.0.1"),
    ("2130706433", "127.0.0.1"),
    ("0300.0250.0.1", "192.168.0.1"),  # octal
    ("http://１２７.０.０.１/", "127.0.0.1"),  # full-width digits
    ("http://10.0.0.1。/", "10.0.0.1"),
    ("[2606:4700:4700::1111]", "[2606:4700:4700::1111]"),
    # ports, with or without a scheme
    ("shop.com:8080/x", "shop.com"),
    ("shop.com:", "shop.com"),
    ("https://shop.com:0/", "shop.com"),
    # surrounding whitespace and invisible characters go; bare hosts and scheme-relative links
    ("  \u200bshop.com/x\ufeff \n", "shop.com"),
    ("//shop.com/x", "shop.com"),
    ("shop.com/a b", "shop.com"),  # spaces and control characters after the host are in the path
    ("https://copy.com/a\x00b", "copy.com"),
    ("http:/shop.com", "shop.com"),
    ("https:///shop.com", "shop.com"),
])
def test_the_host_a_text_names(text: str, host: str) -> None:
    assert read(text) == host


@pytest.mark.parametrize(("text", "code"), [
    ("", "empty"),
    (" \u200b ", "empty"),
    ("shop.com/" + "a" * 2100, "too_long"),
    ("sh\u200bop.com", "not_url"),  # an invisible character inside
    ("shop\r\n.com", "not_url"),
    ("bad domain.com", "not_url"),
    ("http://user name@shop.com/", "not_url"),
    ("https://", "not_url"),
    ("user@", "not_url"),
    ("ftp://shop.com", "scheme"),
    ("javascript:alert(1)", "scheme"),
    ("shop.com:99999", "port"),
    ("shop.com:8０", "port"),
    ("https://shop.com:http/", "port"),
    ("shop.com:http", "scheme"),  # a name before ":" and no port number: a scheme
    ("1.2.3.4.5", "host"),  # ends in a number, but no address
    ("shop.0x7f", "host"),
    ("256.1.1.1", "host"),
    ("xn--zz.com", "host"),  # a broken punycode label
    ("shop..com", "host"),
    ("shop.com..", "host"),
    ("-shop.com", "host"),
    ("http://shop%252ecom/", "host"),  # decoded once: "%2e" is no letter of a name
    ("http://%ff.com/", "host"),
    ("evil.com＠good.com", "host"),  # a full-width "@" is no delimiter, and no letter of a name
    ("[not-v6]", "host"),
])
def test_texts_that_name_no_host(text: str, code: str) -> None:
    with pytest.raises(InvalidURL) as refused:
        read_typed_url(text)
    assert refused.value.code == code


def test_the_reading_records_what_it_tolerated() -> None:
    typed = read_typed_url("HTTP:\\\\user@%73hop.com:8080\\a?b=1#c")
    assert (typed.scheme, typed.host, typed.kind, typed.port, typed.tail) == (
        "http", "shop.com", "name", 8080, "/a?b=1")
    assert typed.backslash and typed.userinfo and typed.escaped and not typed.loose_slashes
    plain = read_typed_url("shop.com")
    assert (plain.scheme, plain.port, plain.tail, plain.address) == ("", None, "", None)
    assert not (plain.backslash or plain.userinfo or plain.escaped or plain.loose_slashes
                or plain.odd_characters)
    assert read_typed_url("shop.com/a\u200bb").odd_characters
    assert read_typed_url("http:shop.com").loose_slashes
    address = read_typed_url("0x7f.1")
    assert (address.kind, address.address) == ("ipv4", ipaddress.IPv4Address("127.0.0.1"))
    assert read_typed_url("[::1]:80").kind == "ipv6"


@pytest.mark.parametrize(("text", "blocklist", "fetcher"), [
    ("http://evil.com\\@good.com/", "evil.com", None),  # the fetcher refuses backslashes
    ("someone@copycat.com", "copycat.com", None),  # and user names
    ("mailto:someone@copycat.com", "copycat.com", None),  # and other schemes
    ("http://%73hop.com/", "shop.com", None),  # and escapes in the host
    ("http:/shop.com", "shop.com", None),  # and a scheme without "//"
    ("http://127.0.0.1\\@evil.com/", "!ip_address", None),
    ("0x7f.1", "!ip_address", "127.0.0.1"),
    ("https://under_score.example.com/", "!not_domain", "under_score.example.com"),
    ("例子。中国/x", "xn--fsqu00a.xn--fiqs8s", "xn--fsqu00a.xn--fiqs8s"),
    ("shop．example｡com.", "shop.example.com", "shop.example.com"),
    ("shop.0x7f", "!not_domain", None),
    ("xn--zz.com", "!not_domain", None),
    ("shop.com/a b\x00", "shop.com", None),  # and spaces or control characters anywhere
    # wrapped as chats and documents wrap a link: both read the link inside
    ("<https://shop-example.com/p>", "shop-example.com", "shop-example.com"),
    ("\"https://shop-example.com/p\"", "shop-example.com", "shop-example.com"),
    ("“https://shop-example.com/p”", "shop-example.com", "shop-example.com"),
    ("「shop-example.com/p」", "shop-example.com", "shop-example.com"),
    ("（https://shop-example.com/p）", "shop-example.com", "shop-example.com"),
    ("(https://shop-example.com/p)", "shop-example.com", "shop-example.com"),
    ("'<shop-example.com>'", "shop-example.com", "shop-example.com"),
    # defanged, as warnings about scam shops write links: both read the link it stands for
    ("hxxps://copycat-shop[.]com/products/lamp", "copycat-shop.com", "copycat-shop.com"),
    ("hxxp://copycat-shop(.)com", "copycat-shop.com", "copycat-shop.com"),
    ("https[:]//copycat-shop[dot]com/p", "copycat-shop.com", "copycat-shop.com"),
    ("copycat-shop[.]com", "copycat-shop.com", "copycat-shop.com"),
    ("HXXPS://evil[.]com\\@good.com/", "evil.com", None),  # refanged, then the same policy
])
def test_blocklist_and_fetcher_read_one_host_and_differ_in_policy(
        text: str, blocklist: str, fetcher: str | None) -> None:
    assert blocklist_outcome(text) == blocklist
    assert fetcher_host(text) == fetcher


# Pieces of the tricky texts members and sellers paste; every mix of them is read both ways.
# Each piece is plain three times in four, so many mixes are texts both sides accept.
def _mostly(plain: list[str], tricky: list[str]) -> st.SearchStrategy[str]:
    return st.sampled_from(plain * (3 * len(tricky) // len(plain) or 1) + tricky)


_SCHEMES = _mostly(["", "http://", "HTTPS://", "//"],
                   ["https:", "http:/", "https:///", "http:\\\\", "mailto:", "ftp://", " ", "\u200b"])
_USERS = _mostly([""], ["user@", "u:p@", "someone@", "evil.com\\@", "evil.com／@", "a@b@", "@",
                        "evil.com%40"])
_LABELS = _mostly(["shop", "copy-brand", "Shop", "www"],
                  ["ＳＨＯＰ", "bücher", "xn--bcher-kva", "例子", "аррӏе", "my_shop", "%73hop", "127",
                   "0x7f", "1", "010", "xn--zz", "-x", "a" * 63, "a" * 64])
_SUFFIXES = _mostly(["com", "co.uk", "myshopify.com", "github.io", "shop"],
                    ["中国", "xn--fiqs8s", "0x7f", "1", "notarealtld", ""])
_DOTS = _mostly(["."], ["。", "．", "｡", "%2e", ".."])
_ENDS = _mostly([""], [".", "。"])
_PORTS = _mostly(["", ":443"], [":", ":80", ":8080", ":0", ":99999", ":x", ":8０"])
_TAILS = _mostly(["", "/", "/p?q=1#f"],
                 ["?@evil.com", "#@evil.com", "\\@evil.com", "/a b", "/\x00", "?q=\\", "\ufeff", " \n"])


@st.composite
def tricky_texts(draw: st.DrawFn) -> str:
    labels = draw(st.lists(_LABELS, min_size=0, max_size=3))
    suffix = draw(_SUFFIXES)
    parts = [*labels, suffix] if suffix else labels or ["shop"]
    host = parts[0]
    for part in parts[1:]:
        host += draw(_DOTS) + part
    return draw(_SCHEMES) + draw(_USERS) + host + draw(_ENDS) + draw(_PORTS) + draw(_TAILS)


@settings(max_examples=600)
@given(tricky_texts())
@example("http://evil.com\\@good.com/")
@example("someone@copycat.com")
@example("HTTPS://Shop.Example.COM:443/p?q=1")
def test_whenever_both_accept_they_name_the_same_host(text: str) -> None:
    site = blocklist_outcome(text)
    fetched = fetcher_host(text)
    if fetched is not None and not site.startswith("!"):
        assert site == fetched
    if fetched is not None and site.startswith("!"):
        assert site[1:] in BLOCKLIST_POLICY  # refused for what the host is, not for how it was read
    if not site.startswith("!"):
        assert site == read(text.strip().strip("<>\"'`"))


@settings(max_examples=600)
@given(tricky_texts())
def test_the_blocklist_fast_path_reads_what_the_reading_reads(text: str) -> None:
    for variant in (text, text.lower(), text.strip()):
        plain = _plain_host(variant)
        if plain is not None:
            assert plain == read(variant)


@given(st.text(alphabet=st.characters(codec="ascii"), max_size=40))
def test_the_fast_path_agrees_on_any_ascii_text(text: str) -> None:
    for variant in (text, f"shop.com{text}", f"https://shop.com{text}", f"HTTP://Shop.COM/{text}"):
        plain = _plain_host(variant)
        if plain is not None:
            assert plain == read(variant)


@given(st.text(max_size=60))
def test_any_text_is_read_or_refused_with_a_code(text: str) -> None:
    try:
        typed = read_typed_url(text)
    except InvalidURL as refused:
        assert refused.code in {"empty", "too_long", "not_url", "scheme", "port", "host"}
        return
    assert typed.host and typed.host == typed.host.lower() and typed.host.isascii()


@pytest.mark.parametrize(("text", "path"), [
    ("https://shop.example/wiki/Lamp_(desk)", "/wiki/Lamp_(desk)"),  # a path may end in ")"
    ("https://shop.example/p/[.]x", "/p/[.]x"),  # only the host is refanged
    ("https://[2606:4700::1111]/p", "/p"),
])
def test_what_is_not_wrapping_or_defanging_is_kept(text: str, path: str) -> None:
    assert read_typed_url(text).tail == path


@pytest.mark.parametrize(("text", "host", "path"), [
    # Chinese sentence punctuation after a pasted link is not part of it; ASCII may end a path.
    ("https://shop.example/p。", "shop.example", "/p"),
    ("https://shop.example/p，", "shop.example", "/p"),
    ("https://shop.example/p！", "shop.example", "/p"),
    ("（https://shop.example/products/lamp）。", "shop.example", "/products/lamp"),
    ("https://shop.example/p…", "shop.example", "/p"),
    ("https://shop.example/p.", "shop.example", "/p."),
    # A scheme typed with a Chinese input method on, with full-width colon and slashes.
    ("ｈｔｔｐｓ://shop.example/p", "shop.example", "/p"),
    ("ＨＴＴＰ：／／ｓｈｏｐ．example/p", "shop.example", "/p"),
])
def test_punctuation_and_full_width_schemes_around_a_pasted_link(text: str, host: str, path: str) -> None:
    typed = read_typed_url(text)
    assert (typed.host, typed.tail) == (host, path)
    assert typed.scheme in {"", "http", "https"}
