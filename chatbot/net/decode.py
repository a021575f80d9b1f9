"""Bounded body decoding: Content-Encoding with a cap on the *decoded* size, and charsets.

httpx's own gzip decoder has no output limit (one 64 KB chunk can inflate to tens of MB), so the
fetcher reads raw bytes and inflates them here with `zlib`'s `max_length`.
"""

from __future__ import annotations

import codecs
import re
import zlib

SUPPORTED_ENCODINGS = ("gzip", "deflate")
ACCEPT_ENCODING = "gzip, deflate, identity"


class EncodingProblem(ValueError):
    """The body's Content-Encoding is stacked, unknown or corrupt."""


def content_coding(header: str | None) -> str:
    """The single coding to undo ("" for none); stacked or unknown codings are refused."""
    codings = [c.strip().lower() for c in (header or "").split(",")]
    codings = [c for c in codings if c and c != "identity"]
    if len(codings) > 1:
        raise EncodingProblem(f"stacked content encodings: {header}")
    if not codings:
        return ""
    coding = {"x-gzip": "gzip"}.get(codings[0], codings[0])
    if coding not in SUPPORTED_ENCODINGS:
        raise EncodingProblem(f"unsupported content encoding: {codings[0]}")
    return coding


class CappedDecoder:
    """Feed raw body chunks; keeps at most `limit` decoded bytes and says when it stopped early.

    Raw input is capped too (`limit` plus a margin), so a stream that inflates to nothing
    (empty deflate blocks) cannot be read forever.
    """

    RAW_MARGIN = 64 * 1024

    def __init__(self, coding: str, limit: int) -> None:
        self.coding = coding
        self.limit = limit
        self.truncated = False
        self.raw_bytes = 0
        self._parts: list[bytes] = []
        self._size = 0
        self._zlib: zlib._Decompress | None = None
        self._head = b""
        if coding == "gzip":
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)

    @property
    def full(self) -> bool:
        return self.truncated

    def _keep(self, data: bytes) -> None:
        room = self.limit - self._size
        if len(data) > room:
            data = data[:room]
            self.truncated = True
        self._parts.append(data)
        self._size += len(data)

    def _inflate(self, data: bytes) -> None:
        if self._zlib is None:  # deflate: zlib-wrapped per RFC, raw from some servers
            data = self._head + data
            if len(data) < 2:
                self._head = data  # the two header bytes tell which; wait for both
                return
            self._head = b""
            wrapped = data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
        while data and not self.truncated:
            room = self.limit - self._size
            try:
                out = self._zlib.decompress(data, room + 1)
            except zlib.error as exc:
                raise EncodingProblem(f"corrupt {self.coding} body: {exc}") from None
            self._keep(out)
            data = self._zlib.unconsumed_tail
            if self._zlib.eof:
                rest = self._zlib.unused_data
                if self.coding == "gzip" and rest.lstrip(b"\0"):  # another gzip member follows
                    self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
                    data = rest
                else:
                    return

    def feed(self, chunk: bytes) -> None:
        if self.truncated or not chunk:
            return
        self.raw_bytes += len(chunk)
        if self.coding:
            self._inflate(chunk)
        else:
            self._keep(chunk)
        if self.raw_bytes > self.limit + self.RAW_MARGIN:
            self.truncated = True

    def finish(self) -> bytes:
        if self._head:
            raise EncodingProblem(f"corrupt {self.coding} body: {len(self._head)} byte")
        if self.coding and self._zlib is not None and not self.truncated and not self._zlib.eof:
            try:
                self._keep(self._zlib.flush())
            except zlib.error as exc:
                raise EncodingProblem(f"corrupt {self.coding} body: {exc}") from None
        return b"".join(self._parts)


# --- charsets -------------------------------------------------------------------------------

_CHARSET_PARAM = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.I)
_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.I)
_XML_DECL = re.compile(rb"""^<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:\-]+)""", re.I)
# Labels browsers read as a superset (WHATWG Encoding Standard); Chinese shops often say gb2312
# and send GBK characters.
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030",
              "iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "us-ascii": "cp1252",
              "ascii": "cp1252", "big5": "big5hkscs", "shift_jis": "cp932", "sjis": "cp932",
              "euc-kr": "cp949"}
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def _usable(label: bytes | str | None) -> str | None:
    if not label:
        return None
    name = label.decode("ascii", "ignore") if isinstance(label, bytes) else label
    name = _SUPERSETS.get(name.strip().lower(), name.strip().lower())
    try:
        codecs.lookup(name)
    except LookupError:
        return None
    return name


def detect_charset(body: bytes, content_type: str | None) -> str:
    """The charset to decode a body with: BOM, then the header, then <meta> / XML declaration."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    match = _CHARSET_PARAM.search(content_type.encode("latin-1", "ignore")) if content_type else None
    if match and (name := _usable(match.group(1))):
        return name
    head = body[:4096]
    for pattern in (_XML_DECL, _META):
        if (match := pattern.search(head)) and (name := _usable(match.group(1))):
            return "utf-8" if name.startswith("utf-16") else name  # bytes without a BOM are not UTF-16
    return "utf-8"
