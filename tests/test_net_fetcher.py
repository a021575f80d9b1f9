"""SafeFetcher against hostile local servers: every failure bounded and named by its code."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from chatbot.config import Settings
from chatbot.i18n import t
from chatbot.net import FetchError, FetchResult, SafeFetcher, message_key
from chatbot.net.fetcher import USER_AGENT
from tests.fixtures.net.hostile import HTML, HostileServer, MappedBackend, gzip_bomb

PUBLIC_IP = "93.184.215.14"  # stands for a storefront on the internet; the test network routes it home


@pytest.fixture(scope="module")
def server() -> Iterator[HostileServer]:
    with HostileServer() as srv:
        yield srv


def make_settings(server: HostileServer, **changes: object) -> Settings:
    values: dict[str, object] = dict(allow_private_networks=True, fetch_timeout=2.0, fetch_max_bytes=64_000,
                                     allowed_ports=frozenset({80, 443, server.port}), max_redirects=5)
    values.update(changes)
    return Settings(**values)  # type: ignore[arg-type]


def fetch(server: HostileServer, path: str, *, fetcher: SafeFetcher | None = None, **kwargs: object
          ) -> FetchResult:
    own = fetcher or SafeFetcher(make_settings(server))

    async def run() -> FetchResult:
        try:
            return await own.fetch(server.url(path), **kwargs)  # type: ignore[arg-type]
        finally:
            if fetcher is None:
                await own.aclose()

    return asyncio.run(run())


def fetch_error(server: HostileServer, path: str, **kwargs: object) -> FetchError:
    with pytest.raises(FetchError) as failed:
        fetch(server, path, **kwargs)
    return failed.value


# --- ordinary pages ------------------------------------------------------------------------------

def test_a_page_is_fetched_with_its_evidence(server: HostileServer) -> None:
    before = datetime.now(UTC)
    result = fetch(server, "/ok")
    assert result.status == 200
    assert result.body == HTML and not result.truncated
    assert result.sha256 == hashlib.sha256(HTML).hexdigest()
    assert result.url == result.final_url == server.url("/ok")
    assert result.peer_ip == "127.0.0.1"
    assert result.redirects == ()
    assert result.headers["content-type"] == "text/html; charset=utf-8"
    assert result.content_type == "text/html"
    assert "手工茶杯" in result.text
    assert result.fetched_at.tzinfo is UTC and result.fetched_at >= before
    assert result.elapsed >= 0


@pytest.mark.parametrize("path", ["/gzip", "/deflate", "/deflate-raw"])
def test_compressed_bodies_are_decoded(server: HostileServer, path: str) -> None:
    result = fetch(server, path)
    assert result.body == HTML
    assert result.sha256 == hashlib.sha256(HTML).hexdigest()  # of what the page says, not the wire bytes


def test_charset_from_meta_with_gbk_superset(server: HostileServer) -> None:
    result = fetch(server, "/gbk")
    assert result.charset == "gb18030"
    assert "手工茶杯 镕" in result.text  # 镕 is GBK-only: a strict gb2312 decoder would mangle it


def test_http_errors_are_results(server: HostileServer) -> None:
    for status in (404, 500, 451):
        result = fetch(server, f"/status/{status}")
        assert result.status == status and result.body == b"status page"


def test_request_headers_and_no_ambient_state(server: HostileServer) -> None:
    fetcher = SafeFetcher(make_settings(server))

    async def run() -> dict[str, str]:
        await fetcher.fetch(server.url("/set-cookie"))
        echoed = await fetcher.fetch(server.url("/echo"), headers={
            "Accept-Encoding": "br", "Host": "evil.example", "X-Trace": "1", "Accept-Language": "zh-CN"})
        await fetcher.aclose()
        return json.loads(echoed.body)

    sent = asyncio.run(run())
    assert sent["user-agent"] == USER_AGENT and "SellerGuard" in USER_AGENT
    assert sent["accept-encoding"] == "gzip, deflate, identity"  # the caller cannot widen it
    assert sent["host"] == f"127.0.0.1:{server.port}"  # nor redirect the Host header
    assert sent["x-trace"] == "1" and sent["accept-language"] == "zh-CN"
    assert "cookie" not in sent  # cookies never carry over from one fetch to the next


def test_environment_proxies_are_ignored(server: HostileServer, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # a proxy that does not exist
    assert fetch(server, "/ok").status == 200


# --- size caps -----------------------------------------------------------------------------------

def test_gzip_bomb_stops_at_the_cap(server: HostileServer) -> None:
    assert len(gzip_bomb()) < 100_000  # 50 MB of zeros on the wire in well under 100 KB
    result = fetch(server, "/gzip-bomb", max_bytes=10_000)
    assert result.truncated and len(result.body) == 10_000
    assert result.body == b"\0" * 10_000
    assert fetch_error(server, "/gzip-bomb", max_bytes=10_000, truncate=False).code == "too_large"


@pytest.mark.parametrize("path", ["/huge", "/endless"])
def test_huge_and_endless_bodies_are_cut(server: HostileServer, path: str) -> None:
    result = fetch(server, path, max_bytes=20_000)
    assert result.truncated and len(result.body) == 20_000
    assert result.sha256 == hashlib.sha256(result.body).hexdigest()
    assert fetch_error(server, path, max_bytes=20_000, truncate=False).code == "too_large"


def test_default_cap_comes_from_settings(server: HostileServer) -> None:
    fetcher = SafeFetcher(make_settings(server, fetch_max_bytes=5_000))
    result = fetch(server, "/huge", fetcher=fetcher)
    assert result.truncated and len(result.body) == 5_000


def test_a_body_exactly_at_the_cap_is_whole(server: HostileServer) -> None:
    result = fetch(server, "/huge?size=4096", max_bytes=4096)
    assert len(result.body) == 4096 and not result.truncated


# --- encodings -----------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/stacked", "/brotli", "/bad-gzip"])
def test_encodings_we_do_not_undo_are_refused(server: HostileServer, path: str) -> None:
    assert fetch_error(server, path).code == "encoding"


# --- time ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/trickle", "/silent"])
def test_slow_servers_end_at_the_deadline(server: HostileServer, path: str) -> None:
    error = fetch_error(server, path, timeout=0.3)
    assert error.code == "timeout"
    assert t(message_key(error), "en") == t("fetch.timeout", "en")


def test_default_deadline_comes_from_settings(server: HostileServer) -> None:
    fetcher = SafeFetcher(make_settings(server, fetch_timeout=0.2))
    with pytest.raises(FetchError) as failed:
        fetch(server, "/trickle", fetcher=fetcher)
    assert failed.value.code == "timeout"


# --- broken protocol -----------------------------------------------------------------------------

MALFORMED = ["/malformed-header", "/not-http", "/huge-header", "/bad-length", "/short-body"]


@pytest.mark.parametrize("path", MALFORMED)
def test_malformed_responses_are_protocol_errors(server: HostileServer, path: str) -> None:
    assert fetch_error(server, path).code == "protocol"


def test_a_server_that_hangs_up_without_answering_is_a_connect_error(server: HostileServer) -> None:
    # No answer at all is a network failure (the offline diagnosis counts it), not a bad answer.
    failed = fetch_error(server, "/hang-up")
    assert failed.code == "connect" and "without sending a response" in failed.detail


def test_nothing_listening_is_a_connect_error(server: HostileServer) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    fetcher = SafeFetcher(make_settings(server, allowed_ports=frozenset({closed_port})))

    async def run() -> None:
        try:
            await fetcher.fetch(f"http://127.0.0.1:{closed_port}/")
        finally:
            await fetcher.aclose()

    with pytest.raises(FetchError) as failed:
        asyncio.run(run())
    assert failed.value.code == "connect"


# --- redirects -----------------------------------------------------------------------------------

def test_redirects_are_followed_and_recorded(server: HostileServer) -> None:
    result = fetch(server, "/chain/3")
    assert result.status == 200 and result.body == b"end of chain"
    assert result.final_url == server.url("/chain/0")
    assert result.redirects == tuple(server.url(f"/chain/{n}") for n in (3, 2, 1))


def test_at_most_max_redirects(server: HostileServer) -> None:
    assert fetch(server, "/chain/5").status == 200
    assert fetch_error(server, "/chain/6").code == "too_many_redirects"
    fetcher = SafeFetcher(make_settings(server, max_redirects=0))
    assert fetch(server, "/chain/1", fetcher=fetcher, follow_redirects=False).status == 302
    with pytest.raises(FetchError) as failed:
        fetch(server, "/chain/1", fetcher=fetcher)
    assert failed.value.code == "too_many_redirects"


@pytest.mark.parametrize("path", ["/loop-a", "/self"])
def test_redirect_loops_are_detected(server: HostileServer, path: str) -> None:
    assert fetch_error(server, path).code == "redirect_loop"


def test_redirects_can_be_left_to_the_caller(server: HostileServer) -> None:
    result = fetch(server, "/loop-a", follow_redirects=False)
    assert result.status == 302 and result.headers["location"] == "/loop-b"


def test_a_redirect_without_location_is_a_result(server: HostileServer) -> None:
    result = fetch(server, "/no-location")
    assert result.status == 302 and result.body == b"moved somewhere"


@pytest.mark.parametrize(("target", "code"), [
    ("file:///etc/passwd", "invalid_url"),
    ("gopher://127.0.0.1:6379/_INFO", "invalid_url"),
    ("javascript:alert(1)", "invalid_url"),
    ("http://user:pw@127.0.0.1/", "invalid_url"),
    ("http://127.0.0.1:22/", "invalid_url"),  # a port that is not allowed
    ("http://169.254.169.254/latest/meta-data/", "blocked_address"),  # metadata: even with the flag on
    ("http://metadata.google.internal/", "blocked_address"),
    ("http://[::ffff:169.254.169.254]/", "blocked_address"),
])
def test_each_redirect_hop_is_checked(server: HostileServer, target: str, code: str) -> None:
    from urllib.parse import quote

    assert fetch_error(server, "/redirect?to=" + quote(target, safe="")).code == code


def test_credentials_do_not_follow_a_redirect_to_another_origin(server: HostileServer) -> None:
    from urllib.parse import quote

    fetcher = SafeFetcher(make_settings(server))
    same = fetch(server, "/redirect?to=" + quote("/echo"), fetcher=fetcher,
                 headers={"Authorization": "Bearer t", "X-Keep": "1"})
    assert json.loads(same.body)["authorization"] == "Bearer t"
    other = fetch(server, "/redirect?to=" + quote(server.url("/echo", host="localhost")), fetcher=fetcher,
                  headers={"Authorization": "Bearer t", "X-Keep": "1"})
    sent = json.loads(other.body)
    assert "authorization" not in sent and sent["x-keep"] == "1"


# --- the refusal logic with private networks OFF ----------------------------------------------------

def strict(server: HostileServer, routes: dict[str, list[str]]) -> tuple[SafeFetcher, MappedBackend]:
    """Private networks refused; names resolve as `routes` says; PUBLIC_IP is routed to the server."""
    backend = MappedBackend({PUBLIC_IP: "127.0.0.1"})
    fetcher = SafeFetcher(make_settings(server, allow_private_networks=False),
                          resolver=lambda host: routes.get(host, []), network_backend=backend)
    return fetcher, backend


def run_strict(fetcher: SafeFetcher, url: str) -> FetchResult:
    async def run() -> FetchResult:
        try:
            return await fetcher.fetch(url)
        finally:
            await fetcher.aclose()

    return asyncio.run(run())


def test_public_name_is_fetched_through_the_checked_address(server: HostileServer) -> None:
    fetcher, backend = strict(server, {"shop.test": [PUBLIC_IP]})
    result = run_strict(fetcher, server.url("/ok", host="shop.test"))
    assert result.status == 200 and result.body == HTML
    assert backend.dialed == [(PUBLIC_IP, server.port)]


HOSTILE_NAMES = {"private.test": ["10.0.0.5"], "mixed.test": [PUBLIC_IP, "127.0.0.1"],
                 "mapped.test": ["::ffff:127.0.0.1"], "nat64.test": ["64:ff9b::a9fe:a9fe"],
                 "cgnat.test": ["100.64.1.1"]}


@pytest.mark.parametrize("target", [
    "http://127.0.0.1:{port}/ok",
    "//127.0.0.1:{port}/ok",  # scheme-relative
    "http://127.0.0.1。:{port}/ok",
    "http://[::ffff:7f00:1]:{port}/ok",
    "http://localhost:{port}/ok",
    "http://[::1]:{port}/ok",
    "http://2130706433:{port}/ok",
    "http://0x7f.1:{port}/ok",
    "http://0:{port}/ok",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.100.100.200/latest/meta-data/",
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://private.test:{port}/ok",  # resolves to 10.0.0.5
    "http://mixed.test:{port}/ok",  # one public and one loopback answer: any bad answer refuses
    "http://mapped.test:{port}/ok",  # ::ffff:127.0.0.1
    "http://nat64.test:{port}/ok",  # 64:ff9b::a9fe:a9fe
    "http://cgnat.test:{port}/ok",  # 100.64.1.1
])
def test_redirects_into_private_networks_are_refused(server: HostileServer, target: str) -> None:
    from urllib.parse import quote

    fetcher, backend = strict(server, {"shop.test": [PUBLIC_IP], **HOSTILE_NAMES})
    hop = target.format(port=server.port)
    first = server.url("/redirect?to=" + quote(hop, safe=""), host="shop.test")
    with pytest.raises(FetchError) as refused:
        run_strict(fetcher, first)
    assert refused.value.code == "blocked_address"
    assert backend.dialed == [(PUBLIC_IP, server.port)]  # only the first, checked hop was ever dialed
    # and the same target typed directly is refused before any connection
    fetcher, backend = strict(server, HOSTILE_NAMES)
    with pytest.raises(FetchError) as refused:
        run_strict(fetcher, hop)
    assert refused.value.code == "blocked_address"
    assert backend.dialed == []


def test_unresolvable_names(server: HostileServer) -> None:
    fetcher, backend = strict(server, {})
    with pytest.raises(FetchError) as failed:
        run_strict(fetcher, "https://no-such-shop.test/")
    assert failed.value.code == "unresolvable" and backend.dialed == []


def test_system_resolver_failure_is_unresolvable(server: HostileServer) -> None:
    fetcher = SafeFetcher(make_settings(server, allow_private_networks=False))
    with pytest.raises(FetchError) as failed:
        run_strict(fetcher, "https://name-that-does-not-exist.invalid/")
    assert failed.value.code == "unresolvable"


def test_invalid_urls_are_fetch_errors(server: HostileServer) -> None:
    fetcher, _ = strict(server, {})
    for text, code in (("ftp://shop.test/", "invalid_url"), ("", "invalid_url"),
                       ("http://u@shop.test/", "invalid_url"), ("http://localhost/", "blocked_address")):
        with pytest.raises(FetchError) as failed:
            run_strict(fetcher, text)
        assert failed.value.code == code, text


# --- concurrency and lifecycle -------------------------------------------------------------------

def test_per_host_limit(server: HostileServer) -> None:
    fetcher = SafeFetcher(make_settings(server, per_host_concurrency=2))
    server.max_active = 0

    async def run() -> list[FetchResult]:
        try:
            return await asyncio.gather(*(fetcher.fetch(server.url("/hold")) for _ in range(6)))
        finally:
            await fetcher.aclose()

    results = asyncio.run(run())
    assert all(r.body == b"held" for r in results)
    assert 1 <= server.max_active <= 2


def test_global_limit_across_hosts(server: HostileServer) -> None:
    fetcher = SafeFetcher(make_settings(server, per_host_concurrency=10), max_concurrency=3)
    server.max_active = 0

    async def run() -> list[FetchResult]:
        urls = [server.url("/hold", host=h) for h in ("127.0.0.1", "localhost") for _ in range(4)]
        try:
            return await asyncio.gather(*(fetcher.fetch(u) for u in urls))
        finally:
            await fetcher.aclose()

    assert len(asyncio.run(run())) == 8
    assert 1 <= server.max_active <= 3


def test_host_slots_are_released(server: HostileServer) -> None:
    fetcher = SafeFetcher(make_settings(server))

    async def run() -> int:
        await asyncio.gather(fetcher.fetch(server.url("/ok")),
                             fetcher.fetch(server.url("/trickle"), timeout=0.1), return_exceptions=True)
        held = len(fetcher._per_host) + fetcher._overall.held
        await fetcher.aclose()
        return held

    assert asyncio.run(run()) == 0


def test_one_fetcher_serves_successive_event_loops(server: HostileServer) -> None:
    fetcher = SafeFetcher(make_settings(server))
    assert asyncio.run(fetcher.fetch(server.url("/ok"))).status == 200
    assert asyncio.run(fetcher.fetch(server.url("/gzip"))).body == HTML


def test_failures_do_not_leak_into_the_next_fetch(server: HostileServer) -> None:
    fetcher = SafeFetcher(make_settings(server))

    async def run() -> FetchResult:
        for path in ("/gzip-bomb", "/stacked", "/malformed-header", "/loop-a"):
            with contextlib.suppress(FetchError):
                await fetcher.fetch(server.url(path), max_bytes=1000)
        try:
            return await fetcher.fetch(server.url("/ok"))
        finally:
            await fetcher.aclose()

    assert asyncio.run(run()).body == HTML


def test_every_error_code_has_a_message_in_both_languages() -> None:
    for code in FetchError.CODES:
        english, chinese = t(f"fetch.{code}", "en"), t(f"fetch.{code}", "zh-Hans")
        assert english and chinese and english != f"fetch.{code}" and chinese != english
        assert t(f"fetch.{code}", "zh-Hant") != chinese  # converted to Traditional

