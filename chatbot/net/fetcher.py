"""SafeFetcher: the one HTTP client for every outbound request.

Each hop of a fetch (the first URL and every redirect) is parsed and checked by
`parse_user_url`, its host resolved once, every resolved address checked, and the connection
pinned to those addresses (see pinning.py). Bodies are read raw and decoded here with a cap on
the decoded size; the whole fetch, redirects included, runs under one deadline.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import ipaddress
import ssl
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpcore
import httpx

from chatbot import __version__
from chatbot.config import Settings
from chatbot.net.addresses import IPAddress, embedded_ipv4, is_allowed_address
from chatbot.net.decode import ACCEPT_ENCODING, CappedDecoder, EncodingProblem, content_coding, detect_charset
from chatbot.net.limits import PerKeyLimit, SharedLimit
from chatbot.net.pinning import PinnedTransport, pinned
from chatbot.net.resolve import AnswerCache, Resolver, ask, system_resolver
from chatbot.net.services import origin_of, service_origins
from chatbot.net.urls import InvalidURL, host_of, parse_user_url, port_of

USER_AGENT = f"SellerGuard/{__version__} (storefront evidence checker)"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Headers a caller may not set: they would undo a check or confuse the body reader.
_RESERVED_HEADERS = frozenset({"host", "accept-encoding", "connection", "content-length",
                               "transfer-encoding", "te", "upgrade", "proxy-authorization"})
# Headers that must not follow a redirect to another origin.
_CREDENTIAL_HEADERS = frozenset({"authorization", "cookie"})



class FetchError(Exception):
    """A fetch that produced no response we can use; `code` keys the user-facing message
    (knowledge/messages/*/fetch.yaml)."""

    CODES = ("invalid_url", "unresolvable", "blocked_address", "too_many_redirects", "redirect_loop",
             "too_large", "timeout", "connect", "tls", "protocol", "encoding")

    def __init__(self, code: str, detail: str = "", *, url: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail
        self.url = url


@dataclass(frozen=True)
class FetchResult:
    url: str  # as requested
    final_url: str  # after redirects
    status: int
    headers: dict[str, str]  # lower-case names; repeated headers joined with ", "
    body: bytes  # decoded (Content-Encoding undone), at most max_bytes
    truncated: bool  # the body was longer than max_bytes and was cut
    sha256: str  # hex digest of `body`
    fetched_at: datetime  # UTC, when the first request was sent
    elapsed: float  # seconds, redirects included
    peer_ip: str  # the address the final response came from
    redirects: tuple[str, ...] = field(default=())  # URLs that answered with a redirect, in order

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()

    @functools.cached_property
    def charset(self) -> str:
        return detect_charset(self.body, self.headers.get("content-type"))

    @functools.cached_property
    def text(self) -> str:
        return self.body.decode(self.charset, errors="replace")


class SafeFetcher:
    """Fetch public http(s) URLs safely. One per process or context; usable from successive
    event loops (a fresh connection pool is made when the loop changes)."""

    def __init__(
        self,
        settings: Settings,
        *,
        resolver: Resolver | None = None,
        network_backend: httpcore.AsyncNetworkBackend | None = None,
        max_concurrency: int = 16,
        user_agent: str = USER_AGENT,
        ssl_context: ssl.SSLContext | None = None,
        dns_cache_seconds: float = 30.0,
    ) -> None:
        self.settings = settings
        self._resolver: Resolver = resolver or system_resolver
        self._answers = AnswerCache(dns_cache_seconds)
        self._network_backend = network_backend
        self._max_concurrency = max_concurrency
        self._default_headers = {
            "user-agent": user_agent,
            "accept-encoding": ACCEPT_ENCODING,
            "accept": "text/html,application/xhtml+xml,application/json;q=0.9,*/*;q=0.8",
            "accept-language": "en-US,en;q=0.8,zh-CN;q=0.6",
        }
        self._ssl_context = ssl_context  # e.g. an intranet CA; default: the system's trust store
        # Connections belong to one event loop; limits are shared by all of them.
        self._transports: dict[asyncio.AbstractEventLoop, PinnedTransport] = {}
        self._transports_lock = threading.Lock()
        self._overall = SharedLimit(max_concurrency)
        self._per_host = PerKeyLimit(settings.per_host_concurrency)

    # --- plumbing ---------------------------------------------------------------------------

    def _transport(self) -> PinnedTransport:
        loop = asyncio.get_running_loop()
        with self._transports_lock:
            for old in [other for other in self._transports if other.is_closed()]:
                del self._transports[old]  # its loop is gone; the sockets close when collected
            transport = self._transports.get(loop)
            if transport is None:
                limits = httpx.Limits(max_connections=self._max_concurrency,
                                      max_keepalive_connections=self._max_concurrency, keepalive_expiry=30)
                # The transport alone, without httpx.AsyncClient: no cookie jar carried between
                # fetches, no environment proxies, and no redirect handling of its own (the client
                # parses every Location header even when not following it, and fails on odd ones).
                transport = PinnedTransport(limits=limits, network_backend=self._network_backend,
                                            ssl_context=self._ssl_context)
                self._transports[loop] = transport
            return transport

    async def aclose(self) -> None:
        """Close the connections of the running event loop (call it before the loop ends)."""
        with self._transports_lock:
            transport = self._transports.pop(asyncio.get_running_loop(), None)
        if transport is not None:
            await transport.aclose()

    async def __aenter__(self) -> SafeFetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def _trusted(self, url: str | httpx.URL, service: bool) -> bool:
        """A request a source makes to one of our configured services, at exactly its origin."""
        return service and origin_of(str(url)) in service_origins(self.settings)

    def _check_url(self, url: str | httpx.URL, *, hop: str, trusted: bool = False) -> httpx.URL:
        port = origin_of(str(url)) if trusted else None
        ports = self.settings.allowed_ports | {port[2]} if port else self.settings.allowed_ports
        try:
            return parse_user_url(str(url), allowed_ports=ports,
                                  allow_private=self.settings.allow_private_networks or trusted)
        except InvalidURL as exc:
            code = "blocked_address" if exc.code in {"ip_literal_private", "host_private"} else "invalid_url"
            raise FetchError(code, f"{hop}: {exc.code} {exc.detail}".strip(), url=str(url)) from None

    async def _resolve(self, host: str) -> tuple[str, ...]:
        answers = self._answers.get(host)
        if answers is None:
            answers = tuple(await ask(self._resolver, host))
            self._answers.put(host, answers)
        return answers

    async def _addresses(self, url: httpx.URL, trusted: bool = False) -> tuple[str, ...]:
        """Resolve once and check every answer; the addresses to connect to."""
        host = host_of(url)
        try:
            literal: IPAddress | None = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None:
            answers: list[IPAddress] = [literal]
        else:
            try:
                raw = await self._resolve(host)
                answers = [ipaddress.ip_address(a) for a in raw]
            except (OSError, UnicodeError, ValueError) as exc:
                raise FetchError("unresolvable", f"{host}: {exc}", url=str(url)) from None
        if not answers:
            raise FetchError("unresolvable", f"{host}: no addresses", url=str(url))
        allow_private = self.settings.allow_private_networks or trusted
        for ip in answers:
            if not is_allowed_address(ip, allow_private=allow_private):
                raise FetchError("blocked_address", f"{host} resolves to {ip}", url=str(url))
        pins: list[str] = []
        for ip in answers:
            inner = embedded_ipv4(ip) if ip.version == 6 and ip.ipv4_mapped else None
            address = str(inner or ip)
            if address not in pins:
                pins.append(address)
        return tuple(pins)

    def sent_headers(self, extra: dict | None = None) -> dict[str, str]:
        """The headers a fetch with `extra` sends (lower-case names), for the evidence archive."""
        return self._default_headers | self._request_headers(extra)

    def _request_headers(self, extra: dict | None) -> dict[str, str]:
        headers: dict[str, str] = {}
        for name, value in (extra or {}).items():
            if str(name).lower() not in _RESERVED_HEADERS:
                headers[str(name).lower()] = str(value)
        return headers

    # --- the fetch ----------------------------------------------------------------------------

    async def fetch(
        self,
        url: str | httpx.URL,
        *,
        max_bytes: int | None = None,
        timeout: float | None = None,
        headers: dict | None = None,
        follow_redirects: bool = True,
        truncate: bool = True,
        service: bool = False,
    ) -> FetchResult:
        """GET `url`. Non-2xx statuses are results; anything unusable raises `FetchError`.

        A body longer than `max_bytes` (default settings.fetch_max_bytes, counted after
        decompression) is cut and marked `truncated`, or raises "too_large" when `truncate` is
        False. `timeout` (default settings.fetch_timeout) bounds the whole fetch. `service`: the
        request goes to one of our configured services (see services.py): its exact origin is
        trusted for its own port and address; any other origin gets the user policy.
        """
        transport = self._transport()
        limit = max_bytes if max_bytes is not None else self.settings.fetch_max_bytes
        deadline = timeout if timeout is not None else self.settings.fetch_timeout
        requested = str(url)
        started = time.monotonic()
        fetched_at = datetime.now(UTC)
        try:
            async with asyncio.timeout(deadline), self._overall.hold():
                return await self._follow(transport, requested, limit, deadline,
                                          self._request_headers(headers), follow_redirects, truncate,
                                          started, fetched_at, service)
        except TimeoutError:
            raise FetchError("timeout", f"no complete answer within {deadline:g} s", url=requested) from None
        except ssl.SSLError as exc:
            raise FetchError("tls", f"{type(exc).__name__}: {exc}", url=requested) from None
        except OSError as exc:  # below httpx's own mapping: still a network failure
            raise FetchError("connect", f"{type(exc).__name__}: {exc}", url=requested) from None
        except (ValueError, UnicodeError) as exc:  # a response too odd for the HTTP parser
            raise FetchError("protocol", f"{type(exc).__name__}: {exc}", url=requested) from None

    async def _follow(self, transport: PinnedTransport, requested: str, limit: int, deadline: float,
                      headers: dict[str, str], follow_redirects: bool, truncate: bool,
                      started: float, fetched_at: datetime, service: bool = False) -> FetchResult:
        trusted_origin = origin_of(requested) if self._trusted(requested, service) else None
        current = self._check_url(requested, hop="url", trusted=trusted_origin is not None)
        visited = {str(current)}
        redirects: list[str] = []
        origin = (current.scheme, current.raw_host, current.port)
        while True:
            async with self._per_host.hold(host_of(current)):
                trusted = trusted_origin is not None and origin_of(str(current)) == trusted_origin
                response, peer = await self._send(transport, current, headers, deadline, trusted)
                try:
                    location = response.headers.get("location")
                    if not (follow_redirects and response.status_code in REDIRECT_STATUSES and location):
                        body, truncated = await self._read_body(response, limit, truncate, str(current))
                        return FetchResult(
                            url=requested, final_url=str(current), status=response.status_code,
                            headers=_header_dict(response.headers), body=body, truncated=truncated,
                            sha256=hashlib.sha256(body).hexdigest(), fetched_at=fetched_at,
                            elapsed=time.monotonic() - started, peer_ip=peer, redirects=tuple(redirects),
                        )
                finally:
                    await response.aclose()  # a redirect's body is never read
            redirects.append(str(current))
            try:
                target = current.join(location.strip())
            except (httpx.InvalidURL, ValueError) as exc:
                raise FetchError("invalid_url", f"redirect to {location!r}: {exc}", url=requested) from None
            same = trusted_origin is not None and origin_of(str(target)) == trusted_origin
            current = self._check_url(target, hop=f"redirect from {redirects[-1]}", trusted=same)
            if str(current) in visited:
                raise FetchError("redirect_loop", f"{current} was already visited", url=requested)
            if len(redirects) > self.settings.max_redirects:
                raise FetchError("too_many_redirects", f"more than {self.settings.max_redirects}",
                                 url=requested)
            visited.add(str(current))
            if (current.scheme, current.raw_host, current.port) != origin:
                headers = {k: v for k, v in headers.items() if k not in _CREDENTIAL_HEADERS}

    async def _send(self, transport: PinnedTransport, url: httpx.URL, headers: dict[str, str],
                    deadline: float, trusted: bool = False) -> tuple[httpx.Response, str]:
        addresses = await self._addresses(url, trusted)
        # Each checked address gets a share of the deadline to connect, so one that drops packets
        # cannot use up the time the next one needed.
        timeouts = httpx.Timeout(deadline, connect=deadline / min(len(addresses), 3))
        request = httpx.Request("GET", url, headers={**self._default_headers, **headers},
                                extensions={"timeout": timeouts.as_dict()})
        try:
            with pinned(host_of(url), port_of(url), addresses):
                response = await transport.handle_async_request(request)
        except httpx.HTTPError as exc:
            raise _translate(exc, str(url)) from None
        response.request = request
        stream = response.extensions.get("network_stream")
        server = stream.get_extra_info("server_addr") if stream is not None else None
        peer = str(server[0]) if server else addresses[0]
        return response, peer

    async def _read_body(self, response: httpx.Response, limit: int, truncate: bool,
                         url: str) -> tuple[bytes, bool]:
        try:
            coding = content_coding(response.headers.get("content-encoding"))
        except EncodingProblem as exc:
            raise FetchError("encoding", str(exc), url=url) from None
        declared = response.headers.get("content-length", "")
        if not truncate and declared.isdigit() and not coding and int(declared) > limit:
            raise FetchError("too_large", f"{declared} bytes declared, limit {limit}", url=url)
        decoder = CappedDecoder(coding, limit)
        try:
            async for chunk in response.aiter_raw():
                decoder.feed(chunk)
                if decoder.full:
                    break
            body = decoder.finish()
        except EncodingProblem as exc:
            raise FetchError("encoding", str(exc), url=url) from None
        except httpx.HTTPError as exc:
            raise _translate(exc, url) from None
        if decoder.truncated and not truncate:
            raise FetchError("too_large", f"more than {limit} bytes", url=url)
        return body, decoder.truncated


def _header_dict(headers: httpx.Headers) -> dict[str, str]:
    merged: dict[str, str] = {}
    for name, value in headers.multi_items():
        key = name.lower()
        merged[key] = f"{merged[key]}, {value}" if key in merged else value
    return merged


def _caused_by_tls(exc: BaseException) -> bool:
    seen: set[int] = set()
    node: BaseException | None = exc
    while node is not None and id(node) not in seen:
        seen.add(id(node))
        if isinstance(node, ssl.SSLError):
            return True
        node = node.__cause__ or node.__context__
    return False


def _translate(exc: httpx.HTTPError, url: str) -> FetchError:
    """Map httpx's exceptions onto our codes."""
    detail = f"{type(exc).__name__}: {exc}"
    if _caused_by_tls(exc) or "CERTIFICATE" in str(exc).upper() or "SSL" in str(exc).upper():
        return FetchError("tls", detail, url=url)
    if isinstance(exc, httpx.TimeoutException):
        return FetchError("timeout", detail, url=url)
    if isinstance(exc, httpx.RemoteProtocolError) and "without sending a response" in str(exc):
        # No byte came back (httpcore: "Server disconnected without sending a response."): no
        # answer, as with a refused connection; a proxy or firewall cutting us off looks so.
        return FetchError("connect", detail, url=url)
    if isinstance(exc, httpx.ProtocolError):
        return FetchError("protocol", detail, url=url)
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return FetchError("invalid_url", detail, url=url)
    return FetchError("connect", detail, url=url)


def message_key(error: FetchError | InvalidURL) -> str:
    """The i18n key of the user-facing message for a refused URL or a failed fetch."""
    if isinstance(error, InvalidURL):
        return f"fetch.url.{error.code}"
    return f"fetch.{error.code}"
