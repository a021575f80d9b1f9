"""Which IP addresses and host names a fetch may reach.

`ipaddress.is_global` alone is not enough on Python 3.11: multicast (224.0.0.0/4) reports global,
and NAT64 / 6to4 / IPv4-compatible forms of loopback report global too. So the rules here are
explicit: IPv4 is checked against a deny-list of special-purpose ranges, and IPv6 must be global
unicast (2000::/3) outside the special-purpose blocks, or a translation form (IPv4-mapped, NAT64
64:ff9b::/96, 6to4) whose embedded IPv4 address passes the IPv4 check.
"""

from __future__ import annotations

import ipaddress
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

IPAddress = IPv4Address | IPv6Address

# IANA special-purpose IPv4 ranges that are not reachable public hosts (RFC 6890 and successors).
_BLOCKED_V4 = tuple(
    IPv4Network(net)
    for net in (
        "0.0.0.0/8",        # "this network"; 0.0.0.0 reaches the local host on Linux
        "10.0.0.0/8",       # private
        "100.64.0.0/10",    # carrier-grade NAT (Alibaba Cloud metadata lives here)
        "127.0.0.0/8",      # loopback
        "169.254.0.0/16",   # link-local (AWS, GCP, Azure, OpenStack metadata)
        "172.16.0.0/12",    # private
        "192.0.0.0/24",     # IETF protocol assignments
        "192.0.2.0/24",     # documentation
        "192.88.99.0/24",   # deprecated 6to4 relay anycast
        "192.168.0.0/16",   # private
        "198.18.0.0/15",    # benchmarking
        "198.51.100.0/24",  # documentation
        "203.0.113.0/24",   # documentation
        "224.0.0.0/4",      # multicast
        "240.0.0.0/4",      # reserved, and the broadcast address
    )
)

_GLOBAL_UNICAST_V6 = IPv6Network("2000::/3")
_BLOCKED_V6 = tuple(
    IPv6Network(net)
    for net in (
        "2001::/23",      # IETF protocol assignments, including Teredo 2001::/32 (client address obfuscated)
        "2001:db8::/32",  # documentation
        "3fff::/20",      # documentation (RFC 9637)
    )
)
_IPV4_MAPPED = IPv6Network("::ffff:0:0/96")
_NAT64 = IPv6Network("64:ff9b::/96")
_SIX_TO_FOUR = IPv6Network("2002::/16")

# Cloud metadata and host-agent addresses: refused even when private networks are allowed, because
# no storefront lives there and reaching one leaks credentials.
METADATA_ADDRESSES: frozenset[IPAddress] = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, Oracle, DigitalOcean, Huawei
        "169.254.170.2",    # AWS ECS task metadata
        "169.254.0.23",     # Tencent Cloud
        "100.100.100.200",  # Alibaba Cloud
        "168.63.129.16",    # Azure host agent (a public address)
        "fd00:ec2::254",    # AWS IPv6 metadata
        "fd00:ec2::23",     # AWS IPv6 DNS
    )
)

# Names that must never be fetched. A leading "*." also blocks every subdomain.
BLOCKED_HOSTNAMES: frozenset[str] = frozenset(
    {
        "localhost",
        "*.localhost",
        "localhost.localdomain",
        "ip6-localhost",
        "ip6-loopback",
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "metadata.tencentyun.com",
        "instance-data",
        "instance-data.ec2.internal",
        "*.internal",
        "*.local",
        "*.localdomain",
        "*.home.arpa",
        "*.intranet",
        "*.corp",
        "*.lan",
    }
)
# Of those, the ones that stay blocked when private networks are allowed.
METADATA_HOSTNAMES: frozenset[str] = frozenset(
    {"metadata", "metadata.google.internal", "metadata.goog", "metadata.tencentyun.com",
     "instance-data", "instance-data.ec2.internal"}
)


def _matches(host: str, patterns: frozenset[str]) -> bool:
    host = host.lower().rstrip(".")
    if host in patterns:
        return True
    labels = host.split(".")
    return any("*." + ".".join(labels[i:]) in patterns for i in range(1, len(labels)))


def is_blocked_hostname(host: str) -> bool:
    """True for names that point into a private network or at a metadata service."""
    return _matches(host, BLOCKED_HOSTNAMES)


def is_metadata_hostname(host: str) -> bool:
    return _matches(host, METADATA_HOSTNAMES)


def _public_v4(ip: IPv4Address) -> bool:
    return not any(ip in net for net in _BLOCKED_V4) and ip not in METADATA_ADDRESSES


def embedded_ipv4(ip: IPv6Address) -> IPv4Address | None:
    """The IPv4 address an IPv4-mapped, NAT64 (64:ff9b::/96) or 6to4 address leads to."""
    if ip in _IPV4_MAPPED or ip in _NAT64:
        return IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip in _SIX_TO_FOUR:
        return ip.sixtofour
    return None


def is_public_address(ip: IPAddress) -> bool:
    """True only for addresses of hosts on the public internet."""
    if isinstance(ip, IPv4Address):
        return _public_v4(ip)
    if ip.scope_id:
        return False  # a zone index only makes sense on a local link
    if ip in METADATA_ADDRESSES:
        return False
    inner = embedded_ipv4(ip)
    if inner is not None:
        return _public_v4(inner)
    if ip not in _GLOBAL_UNICAST_V6:
        return False  # ::, ::1, IPv4-compatible ::/96, 64:ff9b:1::/48, ULA, link-local, multicast...
    return not any(ip in net for net in _BLOCKED_V6)


def is_metadata_address(ip: IPAddress) -> bool:
    """True for cloud metadata addresses, including their IPv4-mapped/NAT64/6to4 forms."""
    if ip in METADATA_ADDRESSES:
        return True
    if isinstance(ip, IPv6Address):
        inner = embedded_ipv4(ip)
        return inner is not None and inner in METADATA_ADDRESSES
    return False


def is_allowed_address(ip: IPAddress, *, allow_private: bool) -> bool:
    """The fetch policy: public addresses always; private ones only when allowed, never metadata."""
    if is_metadata_address(ip):
        return False
    return allow_private or is_public_address(ip)
