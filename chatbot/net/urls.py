"""Turn what a user typed (or what a redirect said) into one checked http(s) URL.

The parser is strict on purpose: a URL that different parsers read differently
(`http://127.0.0.1\\@evil.com/`, embedded control characters, userinfo) is refused instead of
guessed at, so the host we check is the host we connect to.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from typing import Any

import httpx
import idna

from chatbot.net.addresses import (
    is_allowed_address,
    is_blocked_hostname,
    is_metadata_hostname,
)

MAX_URL_LENGTH = 2048
DEFAULT_PORTS = {"http": 80, "https": 443}

# Characters that stand for "." in East Asian input methods; IDNA maps them to "." as well.
_FULL_STOPS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})
# Invisible characters that ride along when a URL is copied from a chat or a web page.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_HOST_PORT_WITHOUT_SCHEME = re.compile(r"^[^/?#:@]+:\d+(?:[/?#]|$)")
_NUMERIC_V4 = re.compile(r"^(?:0x[0-9a-f]*|[0-9]+)(?:\.(?:0x[0-9a-f]*|[0-9]+)){0,3}$")
_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")


class InvalidURL(ValueError):
    """A URL we will not fetch; `code` says why (it keys the user-facing message)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


def _strip(text: str) -> str:
    text = text.strip()
    while text and (text[0] in _INVISIBLE or text[-1] in _INVISIBLE):
        text = text.strip(_INVISIBLE).strip()
    return text


def _split_scheme(text: str) -> tuple[str, str]:
    """(scheme, rest after "//"); a missing scheme means https."""
    if text.startswith("//"):
        return "https", text[2:]
    match = _SCHEME.match(text)
    if match and not _HOST_PORT_WITHOUT_SCHEME.match(text):
        scheme = match.group(1).lower()
        if scheme not in DEFAULT_PORTS:
            raise InvalidURL("scheme", scheme)
        rest = text[match.end():]
        if not rest.startswith("//"):
            raise InvalidURL("not_url", "missing // after the scheme")
        return scheme, rest[2:]
    return "https", text


def _parse_port(raw: str, scheme: str, allowed_ports: frozenset[int]) -> int | None:
    if raw == "":
        port = DEFAULT_PORTS[scheme]
    elif not raw.isascii() or not raw.isdigit() or not 0 < int(raw) < 65536:
        raise InvalidURL("port", raw)
    else:
        port = int(raw)
    if port not in allowed_ports:
        raise InvalidURL("port", str(port))
    return None if port == DEFAULT_PORTS[scheme] else port


def _numeric_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """Decimal, hex, octal and short IPv4 forms (`2130706433`, `0x7f.1`, `127.1`) as the C
    resolver reads them, so they are judged as the address they become."""
    if not _NUMERIC_V4.match(host):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        raise InvalidURL("host", host) from None


def normalize_host(host: str) -> str:
    """A host as typed (any case, IDN, "。" for ".", a trailing dot) in the ASCII form we
    compare and connect to; raises `InvalidURL("host")`. The one host normaliser: the fetcher,
    /checksite, /case site and the blocklist all read a host through it."""
    host = host.translate(_FULL_STOPS).lower()
    if host.endswith("."):
        host = host[:-1]  # the fully-qualified form names the same host
    if not host or ".." in host or host.startswith("."):
        raise InvalidURL("host", host)
    try:
        ascii_host = idna.encode(host, uts46=True).decode("ascii") if not host.isascii() else host
    except (idna.IDNAError, UnicodeError):
        raise InvalidURL("host", host) from None
    labels = ascii_host.split(".")
    if len(ascii_host) > 253 or not all(_LABEL.match(label) for label in labels):
        raise InvalidURL("host", host)
    return ascii_host


def _check_host(host: str, *, allow_private: bool) -> str:
    """The host in the form we connect to; refuses names and literals that are never public."""
    if host.startswith("["):
        if not host.endswith("]"):
            raise InvalidURL("host", host)
        try:
            ip6 = ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            raise InvalidURL("host", host) from None
        if not is_allowed_address(ip6, allow_private=allow_private):
            raise InvalidURL("ip_literal_private", str(ip6))
        return f"[{ip6.compressed}]"
    ascii_host = normalize_host(host)
    ip4 = _numeric_ipv4(ascii_host)
    if ip4 is not None:
        if not is_allowed_address(ip4, allow_private=allow_private):
            raise InvalidURL("ip_literal_private", str(ip4))
        return str(ip4)
    if is_metadata_hostname(ascii_host) or (not allow_private and is_blocked_hostname(ascii_host)):
        raise InvalidURL("host_private", ascii_host)
    if not allow_private and "." not in ascii_host:
        raise InvalidURL("host", ascii_host)  # a bare intranet name, not a website
    if ascii_host.rsplit(".", 1)[-1].isdigit():
        raise InvalidURL("host", ascii_host)  # "1.2.3.4.5": neither a name nor an address
    return ascii_host


def parse_user_url(
    text: str, *, allowed_ports: frozenset[int], allow_private: bool = False
) -> httpx.URL:
    """Parse, normalise and check a URL; raise `InvalidURL` with a code saying what was wrong.

    Accepts `shop.com/x` (https is assumed), strips surrounding whitespace and the fragment,
    turns IDN into punycode and "。" into ".", drops a trailing dot. Refuses other schemes,
    userinfo, ports outside `allowed_ports`, and hosts that are never public (IP literals and
    names like localhost) unless `allow_private`. Resolving the name is the fetcher's job.
    """
    if not isinstance(text, str) or not (text := _strip(text)):
        raise InvalidURL("empty")
    if len(text) > MAX_URL_LENGTH:
        raise InvalidURL("too_long", str(len(text)))
    if any(ch.isspace() or ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 or ch in _INVISIBLE for ch in text):
        raise InvalidURL("not_url", "contains spaces or control characters")
    if "\\" in text:
        raise InvalidURL("not_url", "contains a backslash")
    scheme, rest = _split_scheme(text)
    rest = rest.split("#", 1)[0]
    cut = min((i for i in (rest.find("/"), rest.find("?")) if i >= 0), default=len(rest))
    authority, tail = rest[:cut], rest[cut:]
    if "@" in authority:
        raise InvalidURL("userinfo")
    if not authority:
        raise InvalidURL("not_url", "no host")
    if authority.startswith("["):
        end = authority.find("]")
        host, port_part = authority[: end + 1], authority[end + 1:]
        if end < 0 or (port_part and not port_part.startswith(":")):
            raise InvalidURL("host", authority)
        port_raw = port_part[1:]
    else:
        host, _, port_raw = authority.partition(":")
        if ":" in port_raw:
            raise InvalidURL("port", port_raw)
    port = _parse_port(port_raw, scheme, allowed_ports)
    host = _check_host(host, allow_private=allow_private)
    if tail.startswith("?"):
        tail = "/" + tail
    netloc = host if port is None else f"{host}:{port}"
    try:
        url = httpx.URL(f"{scheme}://{netloc}{tail or '/'}")
    except httpx.InvalidURL as exc:
        raise InvalidURL("not_url", str(exc)) from None
    if url.userinfo or url.raw_host.decode("ascii").strip("[]") != host.strip("[]"):
        raise InvalidURL("not_url", "ambiguous URL")  # belt and braces: httpx must agree with us
    return url


def user_url(text: str, settings: Any) -> httpx.URL:
    """`parse_user_url` under the operator's policy (`settings.allowed_ports`,
    `settings.allow_private_networks`): the one check for a URL a user typed, wherever it is
    typed (/checksite, /case site, the fetcher's first hop); raises `InvalidURL`."""
    return parse_user_url(text, allowed_ports=settings.allowed_ports,
                          allow_private=settings.allow_private_networks)


def host_of(url: httpx.URL) -> str:
    """The ASCII host of a URL, without IPv6 brackets."""
    return url.raw_host.decode("ascii").strip("[]")


def port_of(url: httpx.URL) -> int:
    return url.port or DEFAULT_PORTS[url.scheme]
