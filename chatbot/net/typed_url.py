"""Which host a typed text names: the one reading of a URL, a bare host or an e-mail address.

Everything that reads a site from what a person typed reads it here (the fetcher's
`urls.parse_user_url`, hence /checksite and /case site; the blocklist's `normalize_site`), so
they cannot disagree about the host. Each caller then applies its own policy to the reading:
the fetcher refuses what the reading had to tolerate (a backslash, a user name, escapes in the
host), the blocklist accepts it and adds its own facts on top of the host.

The reading is a browser's (the WHATWG URL rules for http and https): before the query "\\" is
"/", the last "@" of the authority ends a user name, percent-escapes in the host are decoded,
IDNA (UTS-46) maps the name ("。" "．" "｡" are dots, a trailing dot goes), and a host whose last
label is a number is an IPv4 address in any form the C resolver reads (`0x7f.1`, `2130706433`).
"""

from __future__ import annotations

import ipaddress
import re
import socket
import unicodedata
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote

import idna

MAX_URL_LENGTH = 2048
SCHEMES = frozenset({"http", "https", "mailto"})  # the schemes a typed site may carry

HostKind = Literal["name", "ipv4", "ipv6"]

# Characters that stand for "." in East Asian input methods; IDNA maps them to "." as well.
_FULL_STOPS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})
# Invisible characters that ride along when a URL is copied from a chat or a web page.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
# Spaces (`\s` is `str.isspace`), control and invisible characters: no part of a host, and hidden
# in a path.
_ODD = re.compile(f"[\\s\\x00-\\x1f\\x7f-\\x9f{_INVISIBLE}]")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
# Quotes around a pasted link (always stripped) and bracket pairs (stripped when both ends have
# them: a path may end in ")").
_QUOTES = "<>\"'`“”‘’«»「」『』《》〈〉"
_PAIRS = frozenset({"()", "（）", "{}"})  # not "[]": a bare IPv6 address is written so
# Defanged links: hxxp://, hxxps[:]//, shop[.]com, shop(.)com, shop[dot]com.
_DEFANGED_SCHEME = re.compile(r"^h(?:xx|XX|tt|TT)p(s?)(?:\[:\]|:)//", re.IGNORECASE)
# Chinese and Japanese sentence punctuation a pasted link ends up followed by ("…/p。"). Only these:
# a canonical URL writes them percent-encoded, so reading one back never loses a character, while
# an ASCII "." or "," may end a real path ("/p." reads back as "/p.").
_TRAILING = "。，、；：！？…"
# A scheme typed with a Chinese or Japanese input method on: "ｈｔｔｐｓ：／／shop.com/p".
_WIDE_SCHEME = re.compile(r"^[Ａ-Ｚａ-ｚA-Za-z]{3,6}[:：][/／]{0,3}")
_DEFANGED_DOT = re.compile(r"\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)", re.IGNORECASE)
# "shop.com:8080/x" and "shop.com:" are a host and a port, not a scheme named "shop.com".
_HOST_PORT_WITHOUT_SCHEME = re.compile(r"^(?:[^/?#:@\\]+:\d+|[^/?#:@\\]*\.[^/?#:@\\]*:)(?:[/?#\\]|$)")
_NUMBER = re.compile(r"^(?:0x[0-9a-f]*|[0-9]+)$")
_NUMERIC_V4 = re.compile(r"^(?:0x[0-9a-f]*|[0-9]+)(?:\.(?:0x[0-9a-f]*|[0-9]+)){0,3}$")
_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")


class InvalidURL(ValueError):
    """A typed text that names no host, or a URL we will not fetch; `code` says why (it keys the
    user-facing message `fetch.url.<code>`)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True, slots=True)
class TypedURL:
    """What a typed text names. Fields record what the reading had to tolerate, so a strict
    caller can refuse it rather than guess."""

    scheme: str  # "http", "https" or "mailto", lower case; "" when none was typed ("shop.com/x")
    host: str  # lower-case ASCII: a name in punycode, a dotted IPv4 address, "[v6]" compressed
    kind: HostKind
    address: ipaddress.IPv4Address | ipaddress.IPv6Address | None  # for kind "ipv4" and "ipv6"
    port: int | None  # 0-65535 as typed; None when none was typed
    tail: str  # path and query, fragment dropped, "\\" before the query read as "/"; "" when none
    userinfo: bool  # a user name came before the host (`user:pw@`, an e-mail address)
    backslash: bool  # the text has a "\\" somewhere (parsers other than browsers read it otherwise)
    loose_slashes: bool  # a scheme not followed by exactly "//" ("http:/x", "http:///x")
    escaped: bool  # the host was written with percent-escapes ("%73hop.com")
    odd_characters: bool  # spaces, control or invisible characters after the host ("/a b")


def _strip(text: str) -> str:
    """`text` without surrounding whitespace and invisible characters (zero-width spaces, BOM),
    and without the quotes or brackets a link is wrapped in when copied from a chat or a document
    (`<https://shop.com/p>`, `"shop.com"`, `“shop.com”`, `「shop.com」`, `(https://shop.com/p)`),
    and the Chinese or Japanese sentence punctuation after it (`https://shop.com/p。`)."""
    while True:
        before = text
        text = text.strip()
        while text and (text[0] in _INVISIBLE or text[-1] in _INVISIBLE):
            text = text.strip(_INVISIBLE).strip()
        text = text.strip(_QUOTES).rstrip(_TRAILING)
        if len(text) >= 2 and text[0] + text[-1] in _PAIRS:
            text = text[1:-1]
        if text == before:
            return text


def _refang(text: str) -> str:
    """A link written "defanged" so that it cannot be clicked (`hxxps://shop[.]com/p`, as warnings
    about scam shops write it) in its ordinary form; the host part only, for the dots."""
    text = _DEFANGED_SCHEME.sub(lambda m: f"http{m.group(1).lower()}://", text, count=1)
    head, sep, tail = text.partition("://")
    if not sep:
        head, tail = "", text
    cut = min((i for i in (tail.find("/"), tail.find("?"), tail.find("#")) if i >= 0), default=len(tail))
    return f"{head}{sep}{_DEFANGED_DOT.sub('.', tail[:cut])}{tail[cut:]}"


def normalize_host(host: str) -> str:
    """A host name as typed (any case, IDN, "。" for ".", a trailing dot) in the ASCII form we
    compare and connect to; raises `InvalidURL("host")`, also for a broken punycode label
    (`xn--zz.com`). Does not tell names from IPv4 numbers: `read_typed_url` does."""
    host = host.translate(_FULL_STOPS).lower()
    if host.endswith("."):
        host = host[:-1]  # the fully-qualified form names the same host
    if not host or ".." in host or host.startswith("."):
        raise InvalidURL("host", host)
    try:
        if not host.isascii():
            ascii_host = idna.encode(host, uts46=True).decode("ascii")
        else:
            ascii_host = host
            for label in host.split(".") if "xn--" in host else ():
                if label.startswith("xn--"):
                    idna.decode(label)  # a broken A-label is not a name anyone can visit
    except (idna.IDNAError, UnicodeError, ValueError):
        raise InvalidURL("host", host) from None
    labels = ascii_host.split(".")
    if len(ascii_host) > 253 or not all(_LABEL.match(label) for label in labels):
        raise InvalidURL("host", host)
    return ascii_host


def _ipv4(ascii_host: str) -> ipaddress.IPv4Address | None:
    """The address a host whose last label is a number stands for (decimal, hex, octal and short
    forms: `2130706433`, `0x7f.1`, `127.1`, as the C resolver reads them), None for a name;
    raises `InvalidURL("host")` for a number that is no address (`1.2.3.4.5`, `shop.0x7f`)."""
    if not _NUMBER.match(ascii_host.rsplit(".", 1)[-1]):
        return None
    if not _NUMERIC_V4.match(ascii_host):
        raise InvalidURL("host", ascii_host)
    try:
        return ipaddress.IPv4Address(socket.inet_aton(ascii_host))
    except OSError:
        raise InvalidURL("host", ascii_host) from None


def _split_scheme(text: str) -> tuple[str, str, bool]:
    """(scheme or "", the rest after the scheme's slashes, whether those were not exactly "//")."""
    if text.startswith("//"):
        return "", text[2:], False
    match = _SCHEME.match(text)
    if not match or _HOST_PORT_WITHOUT_SCHEME.match(text):
        return "", text, False
    scheme = match.group(1).lower()
    if scheme not in SCHEMES:
        raise InvalidURL("scheme", scheme)
    rest = text[match.end():]
    if scheme == "mailto":
        return scheme, rest, False
    after = rest.lstrip("/")
    return scheme, after, len(rest) - len(after) != 2


def _port(raw: str) -> int | None:
    if raw == "":
        return None
    if not raw.isascii() or not raw.isdigit() or int(raw) > 65535:
        raise InvalidURL("port", raw)
    return int(raw)


def read_typed_url(text: str) -> TypedURL:
    """Read the host (and port, path and query) that a typed URL, bare host (`shop.com/x`) or
    e-mail address (`ip@brand.com`, `mailto:ip@brand.com`) names; raise `InvalidURL` with code
    `empty`, `too_long`, `not_url` (no host, or spaces or control characters before the path),
    `scheme` (other than http, https, mailto), `port` (not 0-65535) or `host` (not a valid name
    or IP address). Whether the host may be fetched, listed or compared is the caller's policy."""
    if not isinstance(text, str) or not (text := _strip(text)):
        raise InvalidURL("empty")
    if len(text) > MAX_URL_LENGTH:
        raise InvalidURL("too_long", str(len(text)))
    if (wide := _WIDE_SCHEME.match(text)) is not None and not wide.group(0).isascii():
        text = unicodedata.normalize("NFKC", wide.group(0)) + text[wide.end():]
    text = _refang(text)
    odd = _ODD.search(text) is not None
    backslash = "\\" in text
    if backslash:
        cut = min((i for i in (text.find("?"), text.find("#")) if i >= 0), default=len(text))
        text = text[:cut].replace("\\", "/") + text[cut:]
    scheme, rest, loose = _split_scheme(text)
    rest = rest.split("#", 1)[0]
    if scheme == "mailto":
        authority, tail = rest.split("?", 1)[0], ""
    else:
        cut = min((i for i in (rest.find("/"), rest.find("?")) if i >= 0), default=len(rest))
        authority, tail = rest[:cut], rest[cut:]
    if odd and _ODD.search(authority):
        raise InvalidURL("not_url", "contains spaces or control characters")
    userinfo = "@" in authority
    authority = authority.rpartition("@")[2]
    if not authority:
        raise InvalidURL("not_url", "no host")
    if authority.startswith("["):
        end = authority.find("]")
        host, port_part = authority[: end + 1], authority[end + 1:]
        if end < 0 or (port_part and not port_part.startswith(":")):
            raise InvalidURL("host", authority)
        port = _port(port_part[1:])
        try:
            ip6 = ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            raise InvalidURL("host", host) from None
        return TypedURL(scheme, f"[{ip6.compressed}]", "ipv6", ip6, port, tail, userinfo, backslash,
                        loose, False, odd)
    host, _, port_raw = authority.partition(":")
    if ":" in port_raw:
        raise InvalidURL("port", port_raw)
    port = _port(port_raw)
    escaped = "%" in host
    if escaped:
        try:
            host = unquote(host, errors="strict")
        except UnicodeDecodeError:
            raise InvalidURL("host", host) from None
    ascii_host = normalize_host(host)
    ip4 = _ipv4(ascii_host)
    if ip4 is not None:
        return TypedURL(scheme, str(ip4), "ipv4", ip4, port, tail, userinfo, backslash, loose, escaped,
                        odd)
    return TypedURL(scheme, ascii_host, "name", None, port, tail, userinfo, backslash, loose, escaped, odd)


def typed_host(text: str, default: str = "") -> str:
    """The host `read_typed_url` reads from `text` (`"http://Evil.com\\@good.com/"` →
    `"evil.com"`), or `default` when the text names none; for labels and routing, not for
    deciding whether to fetch (that is `urls.parse_user_url`)."""
    try:
        return read_typed_url(text).host
    except InvalidURL:
        return default
