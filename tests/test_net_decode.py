"""Bounded decoding: Content-Encoding with a cap counted after decompression, and charsets."""

from __future__ import annotations

import gzip
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chatbot.net.decode import CappedDecoder, EncodingProblem, content_coding, detect_charset


@pytest.mark.parametrize(("header", "coding"), [
    (None, ""), ("", ""), ("identity", ""), ("gzip", "gzip"), ("GZIP", "gzip"), ("x-gzip", "gzip"),
    ("deflate", "deflate"), ("gzip, identity", "gzip"), (" identity , deflate ", "deflate"),
])
def test_codings_we_undo(header: str | None, coding: str) -> None:
    assert content_coding(header) == coding


@pytest.mark.parametrize("header", ["gzip, gzip", "deflate, gzip", "br", "zstd", "compress", "gzip,br"])
def test_stacked_and_unknown_codings_are_refused(header: str) -> None:
    with pytest.raises(EncodingProblem):
        content_coding(header)


def decode(coding: str, wire: bytes, limit: int, chunk: int = 997) -> tuple[bytes, bool]:
    decoder = CappedDecoder(coding, limit)
    for start in range(0, len(wire), chunk):
        decoder.feed(wire[start:start + chunk])
        if decoder.full:
            break
    return decoder.finish(), decoder.truncated


@given(st.binary(max_size=5000), st.integers(min_value=0, max_value=6000),
       st.integers(min_value=1, max_value=700), st.sampled_from(["gzip", "deflate", "deflate-raw", ""]))
def test_decoded_prefix_up_to_the_cap(data: bytes, limit: int, chunk: int, form: str) -> None:
    wire = {"gzip": lambda: gzip.compress(data), "deflate": lambda: zlib.compress(data),
            "deflate-raw": lambda: zlib.compress(data, wbits=-15), "": lambda: data}[form]()
    coding = "deflate" if form.startswith("deflate") else form
    body, truncated = decode(coding, wire, limit, chunk)
    assert body == data[:limit]
    assert truncated == (len(data) > limit)


def test_a_bomb_stops_at_the_cap_without_inflating_the_rest() -> None:
    bomb = gzip.compress(b"\0" * 20_000_000)
    decoder = CappedDecoder("gzip", 1000)
    decoder.feed(bomb)  # the whole bomb in one chunk
    assert decoder.truncated and decoder.finish() == b"\0" * 1000


def test_a_stream_that_inflates_to_nothing_is_cut_by_its_raw_size() -> None:
    # Empty stored deflate blocks: bytes keep coming, nothing comes out.
    decoder = CappedDecoder("deflate", 1000)
    decoder.feed(b"\x78\x01")  # a zlib header
    empty_block = b"\x00\x00\x00\xff\xff"
    for _ in range(20_000):
        decoder.feed(empty_block)
        if decoder.full:
            break
    assert decoder.truncated and decoder.raw_bytes <= 1000 + CappedDecoder.RAW_MARGIN + len(empty_block)


def test_concatenated_gzip_members_are_all_read() -> None:
    wire = gzip.compress(b"first ") + gzip.compress(b"second")
    assert decode("gzip", wire, 100) == (b"first second", False)


def test_corrupt_compressed_bodies_are_refused() -> None:
    with pytest.raises(EncodingProblem):
        decode("gzip", b"\x1f\x8b\x08\x00" + b"\xff" * 50, 100)
    with pytest.raises(EncodingProblem):
        decode("gzip", b"this is not gzip at all", 100)


def test_an_empty_compressed_body_is_empty() -> None:
    assert decode("gzip", b"", 100) == (b"", False)


@pytest.mark.parametrize(("body", "content_type", "charset"), [
    (b"<html>", "text/html; charset=UTF-8", "utf-8"),
    (b"<html>", 'text/html; charset="gbk"', "gb18030"),
    (b"<html>", "text/html; charset=GB2312", "gb18030"),
    (b"<html>", "text/html; charset=iso-8859-1", "cp1252"),
    (b"<html>", "text/html; charset=no-such-charset", "utf-8"),
    (b"<html><head><meta charset='big5'>", "text/html", "big5hkscs"),
    (b'<meta http-equiv="Content-Type" content="text/html; charset=shift_jis">', None, "cp932"),
    (b'<?xml version="1.0" encoding="ISO-8859-1"?><urlset/>', "application/xml", "cp1252"),
    (b"<meta charset=utf-16>", None, "utf-8"),  # bytes without a BOM cannot be UTF-16
    (b"\xef\xbb\xbf<html>", "text/html; charset=gbk", "utf-8-sig"),  # the BOM wins
    (b"\xff\xfe<\x00h\x00", None, "utf-16"),
    (b"<html>", None, "utf-8"),
])
def test_charset_detection(body: bytes, content_type: str | None, charset: str) -> None:
    assert detect_charset(body, content_type) == charset
