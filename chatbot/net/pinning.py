"""Connect only to addresses the fetcher has checked.

httpx resolves names itself when it opens a connection; a DNS answer that changes between our
check and that second lookup (DNS rebinding) would send the request somewhere unchecked. This
network backend never resolves: `connect_tcp` looks up the checked addresses for the host in a
context variable set around each request, and dials those. The hostname still travels to the TLS
layer (SNI and certificate checks) and the Host header, because httpcore takes those from the
URL, not from the socket.
"""

from __future__ import annotations

import ssl
import typing
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

import httpcore
import httpx

Pins = Mapping[tuple[str, int], tuple[str, ...]]
_PINNED: ContextVar[Pins | None] = ContextVar("sellerguard_pinned_addresses", default=None)


@contextmanager
def pinned(host: str, port: int, addresses: tuple[str, ...]) -> Iterator[None]:
    """Within this block, connections to (host, port) go to `addresses` and nowhere else."""
    token = _PINNED.set({(host.lower(), port): addresses})
    try:
        yield
    finally:
        _PINNED.reset(token)


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """Dials the checked address for a host; refuses any host that was not checked."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        pins = _PINNED.get() or {}
        addresses = pins.get((host.lower(), port))
        if not addresses:
            raise httpcore.ConnectError(f"refusing to connect to unchecked host {host}:{port}")
        failure: Exception | None = None
        for address in addresses:  # every one of them passed the check
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class PinnedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with our backend underneath.

    httpx does not expose the network backend, so the connection pool is rebuilt with the same
    arguments httpx would use. tests/test_net_pinning.py asserts the peer address to catch any
    change in httpx that would bypass it (versions are pinned in pyproject.toml).
    """

    def __init__(self, *, limits: httpx.Limits, network_backend: httpcore.AsyncNetworkBackend | None = None,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        super().__init__(verify=True, trust_env=False, limits=limits, http1=True, http2=False)
        ssl_context = ssl_context or httpx.create_ssl_context(verify=True, trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=True,
            http2=False,
            network_backend=PinnedBackend(network_backend),
        )
