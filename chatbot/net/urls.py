"""Turn what a user typed (or what a redirect said) into one checked http(s) URL.

The host is read by `typed_url.read_typed_url`, the one reading every part of the bot uses; this
module is the fetcher's policy on top of it, strict on purpose: a URL that different parsers read
differently (`http://127.0.0.1\\@evil.com/`, userinfo, escapes in the host) is refused instead of
guessed at, so the host we check is the host we connect to.
"""

from __future__ import annotations

from typing import Any

import httpx

from chatbot.net.addresses import (
    is_allowed_address,
    is_blocked_hostname,
    is_metadata_hostname,
)
from chatbot.net.typed_url import InvalidURL, TypedURL, read_typed_url

__all__ = ["DEFAULT_PORTS", "InvalidURL", "host_of", "parse_user_url", "port_of", "user_url"]

DEFAULT_PORTS = {"http": 80, "https": 443}


def _port(typed: TypedURL, scheme: str, allowed_ports: frozenset[int]) -> int | None:
    """The port to write in the URL (None for the scheme's default); refuses ports not allowed."""
    port = DEFAULT_PORTS[scheme] if typed.port is None else typed.port
    if port == 0 or port not in allowed_ports:
        raise InvalidURL("port", str(port))
    return None if port == DEFAULT_PORTS[scheme] else port


def _check_host(typed: TypedURL, *, allow_private: bool) -> str:
    """The host in the form we connect to; refuses names and literals that are never public."""
    if typed.address is not None:
        if not is_allowed_address(typed.address, allow_private=allow_private):
            raise InvalidURL("ip_literal_private", str(typed.address))
        return typed.host
    host = typed.host
    if is_metadata_hostname(host) or (not allow_private and is_blocked_hostname(host)):
        raise InvalidURL("host_private", host)
    if not allow_private and "." not in host:
        raise InvalidURL("host", host)  # a bare intranet name, not a website
    return host


def parse_user_url(
    text: str, *, allowed_ports: frozenset[int], allow_private: bool = False
) -> httpx.URL:
    """Parse, normalise and check a URL; raise `InvalidURL` with a code saying what was wrong.

    Accepts `shop.com/x` (https is assumed), strips surrounding whitespace and the fragment,
    turns IDN into punycode and "。" into ".", drops a trailing dot. Refuses spaces and control
    characters anywhere, other schemes,
    a scheme not followed by "//", backslashes, userinfo, escapes in the host, ports outside
    `allowed_ports`, and hosts that are never public (IP literals and names like localhost)
    unless `allow_private`. Resolving the name is the fetcher's job.
    """
    typed = read_typed_url(text)
    if typed.odd_characters:
        raise InvalidURL("not_url", "contains spaces or control characters")
    scheme = typed.scheme or "https"
    if scheme not in DEFAULT_PORTS:
        raise InvalidURL("scheme", scheme)
    if typed.loose_slashes:
        raise InvalidURL("not_url", "missing // after the scheme")
    if typed.backslash:
        raise InvalidURL("not_url", "contains a backslash")
    if typed.userinfo:
        raise InvalidURL("userinfo")
    if typed.escaped:
        raise InvalidURL("host", "percent-escapes in the host")
    port = _port(typed, scheme, allowed_ports)
    host = _check_host(typed, allow_private=allow_private)
    tail = typed.tail
    if tail.startswith("?"):
        tail = "/" + tail
    netloc = host if port is None else f"{host}:{port}"
    try:
        url = httpx.URL(f"{scheme}://{netloc}{tail or '/'}")
    except httpx.InvalidURL as exc:
        raise InvalidURL("not_url", str(exc)) from None
    if url.userinfo or url.raw_host.decode("ascii").strip("[]") != host.strip("[]"):
        raise InvalidURL("not_url", "ambiguous URL")  # belt and braces: httpx must agree with us
    if url.path == "/" and not str(url).split("?", 1)[0].split("#", 1)[0].endswith("/"):
        url = url.copy_with(path="/")  # "/." and "/.." resolve to an empty path: write the root
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
