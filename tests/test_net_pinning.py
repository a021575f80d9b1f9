"""The connection goes to the address that was checked: no second DNS lookup (rebinding), and
the host name still drives TLS (SNI, certificate) and the Host header."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpcore
import pytest

from chatbot.config import Settings
from chatbot.net import FetchError, FetchResult, SafeFetcher
from chatbot.net.pinning import PinnedBackend, pinned
from tests.fixtures.net.hostile import (
    HostileServer,
    HostileServer6,
    MappedBackend,
    free_port_on,
    tls_contexts,
)

PUBLIC_IP = "93.184.215.14"


class FlippingResolver:
    """A DNS server under an attacker's control: the first answer passes the check, later ones
    point somewhere else."""

    def __init__(self, first: list[str], later: list[str]) -> None:
        self.first, self.later = first, later
        self.calls: list[str] = []

    def __call__(self, host: str) -> list[str]:
        self.calls.append(host)
        return self.first if len(self.calls) == 1 else self.later


def run(fetcher: SafeFetcher, *urls: str) -> list[FetchResult]:
    async def go() -> list[FetchResult]:
        try:
            return [await fetcher.fetch(url) for url in urls]
        finally:
            await fetcher.aclose()

    return asyncio.run(go())


def settings_for(port: int, **changes: object) -> Settings:
    values: dict[str, object] = dict(allowed_ports=frozenset({80, 443, port}), fetch_timeout=2.0)
    values.update(changes)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def twin_servers() -> Iterator[tuple[HostileServer, HostileServer]]:
    """The real site on 127.0.0.1 and an impostor on 127.0.0.2, on the same port."""
    if not free_port_on("127.0.0.2"):
        pytest.skip("127.0.0.2 cannot be bound on this system")
    with HostileServer("127.0.0.1", name="checked") as real:
        try:
            impostor = HostileServer("127.0.0.2", real.port, name="impostor")
        except OSError:
            pytest.skip("the same port is taken on 127.0.0.2")
        with impostor:
            yield real, impostor


def test_connection_goes_to_the_checked_address_not_a_second_answer(
        twin_servers: tuple[HostileServer, HostileServer]) -> None:
    real, impostor = twin_servers
    resolver = FlippingResolver(["127.0.0.1"], ["127.0.0.2"])
    fetcher = SafeFetcher(settings_for(real.port, allow_private_networks=True), resolver=resolver)
    [result] = run(fetcher, f"http://rebind.test:{real.port}/whoami")
    assert result.body == b"checked"
    assert result.peer_ip == "127.0.0.1"  # read from the socket (network_stream server_addr)
    assert resolver.calls == ["rebind.test"]  # one lookup, the one that was checked
    assert impostor.log == []
    host_header = real.log[-1][1]["host"]
    assert host_header == f"rebind.test:{real.port}"  # the name, not the address, in Host


def test_each_fetch_uses_its_own_checked_answer(twin_servers: tuple[HostileServer, HostileServer]) -> None:
    real, _impostor = twin_servers
    resolver = FlippingResolver(["127.0.0.1"], ["127.0.0.2"])
    fetcher = SafeFetcher(settings_for(real.port, allow_private_networks=True), resolver=resolver,
                          dns_cache_seconds=0)
    first, second = run(fetcher, f"http://rebind.test:{real.port}/whoami", f"http://rebind.test:{real.port}/whoami")
    # without the answer cache, the second fetch looked the name up again, checked that answer,
    # and went where it said
    assert (first.peer_ip, first.body) == ("127.0.0.1", b"checked")
    assert (second.peer_ip, second.body) == ("127.0.0.2", b"impostor")
    assert resolver.calls == ["rebind.test", "rebind.test"]


def test_rebinding_to_loopback_with_private_networks_off() -> None:
    with HostileServer(name="internal admin") as internal:
        resolver = FlippingResolver([PUBLIC_IP], ["127.0.0.1"])
        backend = MappedBackend({PUBLIC_IP: "127.0.0.1"})  # the public address is routed to a test server
        fetcher = SafeFetcher(settings_for(internal.port), resolver=resolver, network_backend=backend)
        [result] = run(fetcher, f"http://rebind.test:{internal.port}/whoami")
        assert result.status == 200
        assert backend.dialed == [(PUBLIC_IP, internal.port)]  # never the name, never 127.0.0.1
        assert resolver.calls == ["rebind.test"]


def test_rebinding_on_a_redirect_hop_is_checked_again() -> None:
    with HostileServer() as srv:
        answers = {"shop.test": [PUBLIC_IP], "cdn.test": ["127.0.0.1"]}
        backend = MappedBackend({PUBLIC_IP: "127.0.0.1"})
        fetcher = SafeFetcher(settings_for(srv.port), resolver=lambda host: answers[host],
                              network_backend=backend)
        with pytest.raises(FetchError) as refused:
            run(fetcher, f"http://shop.test:{srv.port}/redirect?to=http://cdn.test:{srv.port}/ok")
        assert refused.value.code == "blocked_address"
        assert backend.dialed == [(PUBLIC_IP, srv.port)]
        assert srv.paths() == ["/redirect"]


def test_other_checked_addresses_are_tried_when_the_first_refuses() -> None:
    with HostileServer(name="second") as srv:
        backend = MappedBackend({PUBLIC_IP: "127.0.0.1"})
        answers = ["2606:4700::6810:84e5", PUBLIC_IP]  # the IPv6 one has no route in the test network
        fetcher = SafeFetcher(settings_for(srv.port), resolver=lambda host: answers, network_backend=backend)
        [result] = run(fetcher, f"http://dual.test:{srv.port}/whoami")
        assert result.body == b"second"
        assert backend.dialed == [("2606:4700::6810:84e5", srv.port), (PUBLIC_IP, srv.port)]


def test_tls_checks_the_name_while_connecting_to_the_pinned_address() -> None:
    server_tls, client_tls = tls_contexts("shop.test")
    with HostileServer(tls=server_tls, name="tls shop") as srv:
        backend = MappedBackend({PUBLIC_IP: "127.0.0.1"})
        fetcher = SafeFetcher(settings_for(srv.port), resolver=lambda host: [PUBLIC_IP],
                              network_backend=backend, ssl_context=client_tls)
        [result] = run(fetcher, f"https://shop.test:{srv.port}/whoami")
        assert result.body == b"tls shop"  # SNI and certificate matched "shop.test"
        assert backend.dialed == [(PUBLIC_IP, srv.port)]

        # the same pinned address under another name: the certificate does not match
        fetcher = SafeFetcher(settings_for(srv.port), resolver=lambda host: [PUBLIC_IP],
                              network_backend=backend, ssl_context=client_tls)
        with pytest.raises(FetchError) as refused:
            run(fetcher, f"https://other.test:{srv.port}/whoami")
        assert refused.value.code == "tls"


def test_untrusted_certificates_are_tls_errors() -> None:
    server_tls, _ = tls_contexts("shop.test")
    with HostileServer(tls=server_tls) as srv:
        backend = MappedBackend({PUBLIC_IP: "127.0.0.1"})
        fetcher = SafeFetcher(settings_for(srv.port), resolver=lambda host: [PUBLIC_IP],
                              network_backend=backend)
        with pytest.raises(FetchError) as refused:
            run(fetcher, f"https://shop.test:{srv.port}/whoami")  # the system trust store knows no test CA
        assert refused.value.code == "tls"


def test_the_backend_refuses_hosts_that_were_not_checked() -> None:
    backend = MappedBackend({PUBLIC_IP: "127.0.0.1"})
    pinned_backend = PinnedBackend(backend)

    async def attempt(host: str) -> None:
        stream = await pinned_backend.connect_tcp(host, 80, timeout=1)
        await stream.aclose()

    with pytest.raises(httpcore.ConnectError):
        asyncio.run(attempt("shop.test"))  # no pin at all
    with pinned("shop.test", 80, (PUBLIC_IP,)), pytest.raises(httpcore.ConnectError):
        asyncio.run(attempt("other.test"))  # pinned, but for another host
    assert backend.dialed == []


def test_ipv6_literals_and_names_are_pinned_too() -> None:
    if not free_port_on("::1"):
        pytest.skip("no IPv6 loopback here")
    with HostileServer6(name="six") as srv:
        settings = settings_for(srv.port, allow_private_networks=True)
        literal, named = run(SafeFetcher(settings, resolver=lambda host: ["::1"]),
                             f"http://[::1]:{srv.port}/whoami", f"http://six.test:{srv.port}/whoami")
        assert (literal.body, literal.peer_ip) == (b"six", "::1")
        assert (named.body, named.peer_ip) == (b"six", "::1")
        with pytest.raises(FetchError) as refused:  # and refused with the flag off
            run(SafeFetcher(settings_for(srv.port), resolver=lambda host: ["::1"]),
                f"http://six.test:{srv.port}/whoami")
        assert refused.value.code == "blocked_address"
        assert len(srv.log) == 2


def test_cached_answers_keep_the_connection_where_the_check_was(
        twin_servers: tuple[HostileServer, HostileServer]) -> None:
    real, impostor = twin_servers
    resolver = FlippingResolver(["127.0.0.1"], ["127.0.0.2"])
    fetcher = SafeFetcher(settings_for(real.port, allow_private_networks=True), resolver=resolver)
    results = run(fetcher, *[f"http://rebind.test:{real.port}/whoami"] * 3)
    assert [r.body for r in results] == [b"checked"] * 3
    assert resolver.calls == ["rebind.test"]
    assert impostor.log == []
