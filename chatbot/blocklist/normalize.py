"""Turn what a member typed (a URL, a bare domain, an IDN, an e-mail address) into a blocklist unit.

The unit is the registrable domain by the Public Suffix List (the offline copy bundled with the
`publicsuffixlist` package; nothing is downloaded at run time), except on shared platforms
(`knowledge/shared_platforms.txt`: *.myshopify.com, *.wixsite.com, GitHub Pages, ...) where every
sub-host has its own owner and the unit is the full host. Names that mix scripts (Latin with
Cyrillic, Greek, ...) are flagged as possible lookalikes.

Which host the text names is read by `chatbot.net.typed_url`, the reading /checksite uses too; this
module only adds the blocklist's facts and refusals on top of that host.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import idna
from publicsuffixlist import PublicSuffixList

from chatbot.knowledge import load_lines
from chatbot.net.typed_url import MAX_URL_LENGTH, InvalidURL, normalize_host, read_typed_url

MAX_INPUT = MAX_URL_LENGTH
MAX_HOST = 253
# A reading refused for these reasons keeps its code; any other refusal is "not_domain".
_KEPT_CODES = frozenset({"empty", "too_long", "scheme"})
# A label the blocklist lists: letters, digits and inner hyphens (no "_", which hosts may have).
_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
# Already a lower-case ASCII host whose labels pass _LABEL and whose last label starts with a letter
# (so no reading of it is an IP address): the common input, which parsing would return unchanged.
_NORMAL_HOST = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?")
# A lower-cased http(s) link whose host runs straight into its path, query, fragment or end.
_NORMAL_URL = re.compile(r"https?://([a-z0-9.-]+)(?:[/?#]|\Z)")


class InvalidSite(ValueError):
    """The text cannot be a website; `code` says why (for the reply and for scripts)."""

    def __init__(self, code: str, text: str = "") -> None:
        super().__init__(f"{code}: {text[:200]!r}")
        self.code = code  # empty, too_long, scheme, ip_address, not_domain, unknown_suffix,
        # public_suffix, platform (a shared platform itself, e.g. myshopify.com)
        self.text = text


@dataclass(frozen=True)
class Site:
    unit: str  # what the blocklist lists: registrable domain, or the host on a shared platform
    host: str  # the full host, punycode
    registrable: str  # registrable domain by the ICANN part of the PSL (what RDAP/WHOIS know)
    unicode_host: str  # the host as people read it
    shared_platform: str | None  # "myshopify.com" when the host is a store on a shared platform
    lookalike: bool  # mixed-script name (e.g. Latin and Cyrillic letters in one label)

    @property
    def unicode_unit(self) -> str:
        return to_unicode(self.unit)


@lru_cache(maxsize=1)
def _psl() -> PublicSuffixList:
    # ICANN + private sections; unknown TLDs are refused rather than guessed.
    return PublicSuffixList(only_icann=False, accept_unknown=False)


@lru_cache(maxsize=1)
def _icann() -> PublicSuffixList:
    return PublicSuffixList(only_icann=True, accept_unknown=False)


@lru_cache(maxsize=1)
def shared_platforms() -> tuple[str, ...]:
    """Platform domains from knowledge/shared_platforms.txt, longest first."""
    bases = []
    for line in load_lines("shared_platforms.txt"):
        base = line.lower().removeprefix("*.").strip(".")
        if base:
            bases.append(base)
    return tuple(sorted(set(bases), key=len, reverse=True))


def shared_platform_of(host: str) -> str | None:
    """The platform `host` is a store on (`shop.myshopify.com` → `myshopify.com`), else None."""
    bases = _shared_set()
    rest = host
    while "." in rest:
        rest = rest.split(".", 1)[1]
        if rest in bases:
            return rest
    return None


@lru_cache(maxsize=1)
def _shared_set() -> frozenset[str]:
    return frozenset(shared_platforms())


def to_unicode(host: str) -> str:
    if "xn--" not in host:
        return host
    try:
        return idna.decode(host)
    except (idna.IDNAError, UnicodeError, ValueError):
        return host


def registrable_domain(host: str) -> str:
    """The ICANN registrable domain of a punycode or Unicode host (`a.b.example.co.uk` →
    `example.co.uk`); raises InvalidSite when the host is a bare public suffix or has none."""
    try:
        name = normalize_host(host.strip())
    except InvalidURL:
        raise InvalidSite("not_domain", host) from None
    suffix = _icann().publicsuffix(name)
    if suffix is None:
        raise InvalidSite("unknown_suffix", host)
    registrable = _icann().privatesuffix(name)
    if registrable is None:
        raise InvalidSite("public_suffix", host)
    return str(registrable)


def normalize_site(text: str) -> Site:
    """Parse a URL, bare domain, IDN or e-mail address into a `Site`; raise InvalidSite.

    The host is the one `read_typed_url` reads (what /checksite fetches); the blocklist accepts
    what the fetcher refuses only by policy (a user name or e-mail address, a backslash, any
    port, mailto:) and refuses IP addresses and hosts that are no registrable name."""
    raw = (text or "").strip()  # quotes and brackets around it: read_typed_url takes them off
    plain = _plain_host(raw)
    if plain is not None:
        return _site_of(plain, text)
    if len(raw) > MAX_INPUT:
        raise InvalidSite("too_long", text)
    try:
        typed = read_typed_url(raw)
    except InvalidURL as exc:
        raise InvalidSite(exc.code if exc.code in _KEPT_CODES else "not_domain", text) from None
    if typed.kind != "name":
        raise InvalidSite("ip_address", text)
    host = typed.host
    if "." not in host or not all(_LABEL.match(label) for label in host.split(".")):
        raise InvalidSite("not_domain", text)
    return _site_of(host, text)


def _plain_host(raw: str) -> str | None:
    """The host of an ASCII domain or http(s) link whose host is already normal (any case, a
    trailing dot, no port, userinfo or escapes), or None. Such input is what members
    mostly type, and `read_typed_url` would read exactly this host from it (tests check that on
    many inputs); anything else takes that reading."""
    if len(raw) > MAX_INPUT or not raw.isascii():
        return None
    lowered = raw.lower()
    link = _NORMAL_URL.match(lowered)
    if link is not None:
        lowered = link.group(1)  # what follows the host (spaces and all) does not change it
    lowered = lowered.removesuffix(".")  # the fully-qualified form names the same host
    if len(lowered) > MAX_HOST or "xn--" in lowered or not _NORMAL_HOST.fullmatch(lowered):
        return None
    return lowered


def _site_of(ascii_host: str, text: str) -> Site:
    """The unit of a valid lower-case ASCII host, by the Public Suffix List and our platforms."""
    private_suffix, icann_suffix = public_suffixes(ascii_host)
    if private_suffix is None or icann_suffix is None:
        raise InvalidSite("unknown_suffix", text)
    if ascii_host.removeprefix("www.") in _shared_set():
        raise InvalidSite("platform", text)  # the platform itself, not a store on it
    if ascii_host in (private_suffix, icann_suffix):
        raise InvalidSite("public_suffix", text)
    registrable = _one_label_above(ascii_host, icann_suffix)
    platform = shared_platform_of(ascii_host)
    if platform is not None:
        unit = ascii_host
    else:
        # Private PSL suffixes not in our list (e.g. x.herokuapp.com) are shared platforms too.
        unit = _one_label_above(ascii_host, private_suffix)
        if private_suffix != icann_suffix:
            platform = str(private_suffix)
    unicode_host = to_unicode(ascii_host)
    return Site(
        unit=unit,
        host=ascii_host,
        registrable=registrable,
        unicode_host=unicode_host,
        shared_platform=platform,
        lookalike=is_lookalike(unicode_host),
    )


def public_suffixes(host: str) -> tuple[str | None, str | None]:
    """The host's public suffix by the whole PSL and by its ICANN part (None: unknown suffix).

    No rule names `host` itself and no wildcard covers its parent's children, so its suffixes are
    its parent's (`shop.com` has those of `com`): the PSL is walked once per parent, not per host.
    """
    index = _rule_index()
    parent = host.partition(".")[2]
    if index is not None and parent and host not in index[0] and parent not in index[1]:
        return _parent_suffixes(parent)
    return _psl().publicsuffix(host), _icann().publicsuffix(host)


@lru_cache(maxsize=4096)
def _parent_suffixes(parent: str) -> tuple[str | None, str | None]:
    return _psl().publicsuffix(parent), _icann().publicsuffix(parent)


@lru_cache(maxsize=1)
def _rule_index() -> tuple[frozenset[str], frozenset[str]] | None:
    """Every name a PSL rule mentions (`!www.ck`, `*.ck` and `co.uk` give `www.ck`, `ck`, `co.uk`)
    and the names under a wildcard (`ck`); None, and no shortcut, if the library's rule set is not
    where this version keeps it."""
    names: set[str] = set()
    wildcards: set[str] = set()
    for psl in (_psl(), _icann()):
        rules = getattr(psl, "_publicsuffix", None)
        if not isinstance(rules, frozenset) or not rules:
            return None
        for rule in rules:
            name = rule.removeprefix("!")
            if name.startswith("*."):
                name = name[2:]
                wildcards.add(name)
            names.add(name)
    return frozenset(names), frozenset(wildcards)


def _one_label_above(host: str, suffix: str) -> str:
    """`shop.example.co.uk`, `co.uk` → `example.co.uk` (the host is known to be longer)."""
    return host[: -len(suffix) - 1].rsplit(".", 1)[-1] + "." + suffix


# Scripts that legitimately mix with Latin in one label (Chinese, Japanese, Korean names).
_CJK_FRIENDLY = frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA", "HANGUL", "BOPOMOFO"})
# Cyrillic and Greek letters that look like Latin ones; a label made only of them imitates Latin.
_LATIN_LOOKALIKES = frozenset("аеорсухіјѕԁһӏԛԝвкмнтгпьαοβεικνρτυχ")


def _script(ch: str) -> str | None:
    if not ch.isalpha():
        return None
    name = unicodedata.name(ch, "")
    first = name.split(" ", 1)[0]
    return "HAN" if first == "CJK" else first or None


def is_lookalike(unicode_host: str) -> bool:
    """True when a label mixes scripts in a way used to imitate another name."""
    if unicode_host.isascii():
        return False
    for label in unicode_host.split("."):
        scripts = {s for s in (_script(ch) for ch in label) if s}
        if len(scripts) > 1 and not scripts <= _CJK_FRIENDLY:
            return True
        letters = [ch for ch in label if ch.isalpha()]
        if scripts & {"CYRILLIC", "GREEK"} and letters and all(ch in _LATIN_LOOKALIKES for ch in letters):
            return True
    return False
