"""The address policy, over many encodings of blocked addresses (property tests)."""

from __future__ import annotations

import asyncio
import ipaddress
from ipaddress import IPv4Address, IPv6Address

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatbot.net.addresses import (
    BLOCKED_HOSTNAMES,
    is_allowed_address,
    is_blocked_hostname,
    is_metadata_address,
    is_public_address,
)
from chatbot.net.resolve import system_resolver
from chatbot.net.urls import InvalidURL, parse_user_url

# Ranges no public storefront can live in (IANA special-purpose registry).
BLOCKED_V4 = ["0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
              "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
              "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4"]
BLOCKED_V6 = ["::/128", "::1/128", "::/96", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8", "100::/64",
              "2001::/32", "2001:db8::/32", "64:ff9b:1::/48", "3fff::/20"]
METADATA = ["169.254.169.254", "100.100.100.200", "fd00:ec2::254", "168.63.129.16", "169.254.170.2"]

blocked_v4 = st.sampled_from(BLOCKED_V4).flatmap(lambda net: st.ip_addresses(network=net))
blocked_v6 = st.sampled_from(BLOCKED_V6).flatmap(lambda net: st.ip_addresses(network=net))
# Large blocks allocated to regional registries, wholly public.
PUBLIC_V4 = ["8.0.0.0/9", "1.0.0.0/24", "47.0.0.0/8", "81.0.0.0/8", "203.208.0.0/14"]
public_v4 = st.sampled_from(PUBLIC_V4).flatmap(lambda net: st.ip_addresses(network=net))
public_v6 = st.sampled_from(["2400::/12", "2a00::/12", "2600::/12", "2c00::/12"]).flatmap(
    lambda net: st.ip_addresses(network=net))


def mapped(v4: IPv4Address) -> IPv6Address:
    return IPv6Address(f"::ffff:{v4}")


def nat64(v4: IPv4Address) -> IPv6Address:
    return IPv6Address(int(IPv6Address("64:ff9b::")) | int(v4))


def six_to_four(v4: IPv4Address, suffix: int = 1) -> IPv6Address:
    return IPv6Address((0x2002 << 112) | (int(v4) << 80) | suffix)


def compat(v4: IPv4Address) -> IPv6Address:
    return IPv6Address(int(v4))


@given(blocked_v4)
def test_blocked_ipv4_ranges_are_not_public(ip: IPv4Address) -> None:
    assert not is_public_address(ip)
    assert not is_allowed_address(ip, allow_private=False)


@given(blocked_v6)
def test_blocked_ipv6_ranges_are_not_public(ip: IPv6Address) -> None:
    assert not is_public_address(ip)


@given(blocked_v4, st.sampled_from([mapped, nat64, six_to_four, compat]))
def test_ipv6_forms_of_blocked_ipv4_are_not_public(ip: IPv4Address, form) -> None:
    assert not is_public_address(form(ip))


@given(st.ip_addresses(network="2001::/32"))
def test_teredo_is_refused_outright(ip: IPv6Address) -> None:
    assert not is_public_address(ip)


@given(public_v4)
def test_public_ipv4_and_its_translations_are_public(ip: IPv4Address) -> None:
    assert is_public_address(ip)
    assert is_public_address(mapped(ip))
    assert is_public_address(nat64(ip))
    assert is_public_address(six_to_four(ip))
    assert not is_public_address(compat(ip))  # deprecated form, never legitimately resolved


@given(public_v6)
def test_public_ipv6_is_public(ip: IPv6Address) -> None:
    assert is_public_address(ip)


@given(st.ip_addresses())
def test_never_laxer_than_the_standard_library(ip: IPv4Address | IPv6Address) -> None:
    # Python's is_global misses some ranges (multicast, NAT64 loopback) but what it rejects we reject.
    if not ip.is_global:
        assert not is_public_address(ip)


@given(st.ip_addresses(v=4))
def test_translation_forms_judge_the_embedded_address(ip: IPv4Address) -> None:
    assert is_public_address(mapped(ip)) == is_public_address(ip)
    assert is_public_address(nat64(ip)) == is_public_address(ip)
    assert is_public_address(six_to_four(ip)) == is_public_address(ip)


@pytest.mark.parametrize("address", METADATA)
def test_metadata_addresses_stay_refused_when_private_networks_are_allowed(address: str) -> None:
    ip = ipaddress.ip_address(address)
    assert not is_public_address(ip)
    assert is_metadata_address(ip)
    assert not is_allowed_address(ip, allow_private=True)
    if isinstance(ip, IPv4Address):
        assert not is_allowed_address(mapped(ip), allow_private=True)
        assert not is_allowed_address(nat64(ip), allow_private=True)


def test_private_addresses_are_allowed_only_with_the_flag() -> None:
    for address in ("127.0.0.1", "10.1.2.3", "::1", "192.168.1.1"):
        ip = ipaddress.ip_address(address)
        assert is_allowed_address(ip, allow_private=True)
        assert not is_allowed_address(ip, allow_private=False)


def test_scoped_ipv6_is_not_public() -> None:
    assert not is_public_address(IPv6Address("fe80::1%eth0"))
    assert not is_public_address(IPv6Address("2600::1%1"))


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST.", "shop.localhost", "metadata.google.internal",
                                  "anything.internal", "printer.local", "router.home.arpa", "instance-data"])
def test_blocked_hostnames(host: str) -> None:
    assert is_blocked_hostname(host)


@pytest.mark.parametrize("host", ["shop.com", "localhost.shop.com", "internal.com", "my-local.shop"])
def test_ordinary_hostnames_are_not_blocked(host: str) -> None:
    assert not is_blocked_hostname(host)


def test_blocked_hostnames_is_a_set_of_names_and_wildcards() -> None:
    assert "metadata.google.internal" in BLOCKED_HOSTNAMES and "*.localhost" in BLOCKED_HOSTNAMES


# --- textual forms the C resolver accepts and ipaddress does not ---------------------------------

def _forms(ip: IPv4Address) -> list[str]:
    a, b, c, d = ip.packed
    value = int(ip)
    return [str(value), hex(value), f"0{value:o}",
            f"{a}.{value & 0xFFFFFF}", f"{a}.{b}.{value & 0xFFFF}",
            f"0{a:o}.0{b:o}.0{c:o}.0{d:o}", f"{a:#x}.{b:#x}.{c:#x}.{d:#x}", f"{a:#x}.{b}.0{c:o}.{d}"]


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(blocked_v4)
def test_every_numeric_spelling_of_a_blocked_address_is_refused(ip: IPv4Address) -> None:
    for text in _forms(ip):
        # The system resolver really reads the spelling as that address...
        assert asyncio.run(system_resolver(text)) == [str(ip)], text
        # ...and the URL check sees through it before any lookup.
        with pytest.raises(InvalidURL) as refused:
            parse_user_url(f"http://{text}/", allowed_ports=frozenset({80, 443}))
        assert refused.value.code == "ip_literal_private", text


def test_numeric_spelling_of_a_public_address_is_accepted_as_that_address() -> None:
    url = parse_user_url("http://134744072/", allowed_ports=frozenset({80, 443}))
    assert str(url) == "http://8.8.8.8/"


def test_short_forms_are_refused_with_the_documented_examples() -> None:
    examples = ("127.1", "0", "0x7f000001", "2130706433", "017700000001", "0177.0.0.1", "10.1",
                "169.254.43518")
    for text in examples:
        with pytest.raises(InvalidURL) as refused:
            parse_user_url(f"http://{text}/", allowed_ports=frozenset({80, 443}))
        assert refused.value.code == "ip_literal_private", text

