"""Header-only image probing: the allowlist and the size limits hold before any decoder runs (anchors §1.4)."""

from __future__ import annotations

import struct
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.image_probe import MAX_BYTES, MAX_PIXELS, MAX_SIDE, ImageHeader, ImageRefused, probe

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_ihdr(width: int, height: int) -> bytes:
    return PNG_SIGNATURE + png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))


def png(width: int, height: int) -> bytes:
    rows = b"".join(b"\x00" + b"\x80\x40\x20" * width for _ in range(height))
    return png_ihdr(width, height) + png_chunk(b"IDAT", zlib.compress(rows)) + png_chunk(b"IEND", b"")


def jpeg_segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def jpeg(width: int, height: int, *, sof: int = 0xC0, before: bytes = b"") -> bytes:
    app0 = jpeg_segment(0xE0, b"JFIF\x00\x01\x02\x00\x00\x01\x00\x01\x00\x00")
    dqt = jpeg_segment(0xDB, b"\x00" + bytes(range(64)))
    frame = jpeg_segment(
        sof, struct.pack(">BHHB", 8, height, width, 3) + b"\x01\x22\x00\x02\x11\x01\x03\x11\x01"
    )
    return (
        b"\xff\xd8"
        + app0
        + before
        + dqt
        + frame
        + jpeg_segment(0xDA, b"\x03\x01\x00\x02\x11\x03\x11\x00\x3f\x00")
    )


def gif(width: int, height: int) -> bytes:
    return b"GIF89a" + struct.pack("<HHBBB", width, height, 0, 0, 0) + b"\x3b"


def bmp(width: int, height: int, *, dib: int = 40) -> bytes:
    if dib == 12:
        info = struct.pack("<IHHHH", 12, width, height, 1, 24)
    else:
        info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, 0, 2835, 2835, 0, 0)
    return b"BM" + struct.pack("<IHHI", 14 + len(info), 0, 0, 14 + len(info)) + info


def riff_webp(chunk: bytes, payload: bytes) -> bytes:
    body = b"WEBP" + chunk + struct.pack("<I", len(payload)) + payload
    return b"RIFF" + struct.pack("<I", len(body)) + body


def webp_vp8x(width: int, height: int) -> bytes:
    return riff_webp(
        b"VP8X", b"\x00\x00\x00\x00" + (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    )


def webp_vp8l(width: int, height: int) -> bytes:
    return riff_webp(b"VP8L", b"\x2f" + struct.pack("<I", (width - 1) | (height - 1) << 14) + b"\x00" * 8)


def webp_vp8(width: int, height: int) -> bytes:
    return riff_webp(b"VP8 ", b"\x00\x00\x00\x9d\x01\x2a" + struct.pack("<HH", width, height) + b"\x00" * 8)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (png(3, 2), ImageHeader("PNG", 3, 2)),
        (jpeg(100, 200), ImageHeader("JPEG", 100, 200)),
        (jpeg(640, 480, sof=0xC2), ImageHeader("JPEG", 640, 480)),  # progressive
        # fill bytes and an EXIF segment before the frame
        (
            jpeg(64, 32, before=b"\xff\xff\xff" + jpeg_segment(0xE1, b"Exif\x00\x00" + b"\x00" * 300)),
            ImageHeader("JPEG", 64, 32),
        ),
        (gif(320, 240), ImageHeader("GIF", 320, 240)),
        (bmp(12, 34), ImageHeader("BMP", 12, 34)),
        (bmp(12, -34), ImageHeader("BMP", 12, 34)),  # top-down rows
        (bmp(7, 9, dib=12), ImageHeader("BMP", 7, 9)),
        (webp_vp8x(1920, 1080), ImageHeader("WebP", 1920, 1080)),
        (webp_vp8l(16, 9), ImageHeader("WebP", 16, 9)),
        (webp_vp8(400, 300), ImageHeader("WebP", 400, 300)),
    ],
)
def test_probe_reads_the_declared_size(data: bytes, expected: ImageHeader) -> None:
    assert probe(data) == expected


def test_real_png_header_matches_the_pixels() -> None:
    data = png(5, 4)
    assert zlib.decompress(data[data.index(b"IDAT") + 4 : -16]).count(b"\x00") == 4  # one filter byte per row
    assert probe(data) == ImageHeader("PNG", 5, 4)


def test_decompression_bomb_png_is_refused_by_pixel_count() -> None:
    with pytest.raises(ImageRefused, match="50000 x 50000 pixels; the limit is 40 megapixels"):
        probe(png_ihdr(50_000, 50_000))


@pytest.mark.parametrize(
    "data",
    [jpeg(30_000, 30_000), gif(65_535, 65_535), bmp(0x7FFFFFFF, 0x7FFFFFFF), webp_vp8x(16_384, 16_384)],
    ids=["jpeg", "gif", "bmp", "webp"],
)
def test_bombs_in_every_format_are_refused(data: bytes) -> None:
    with pytest.raises(ImageRefused, match="megapixels"):
        probe(data)


def test_limits_are_inclusive() -> None:
    assert probe(png_ihdr(MAX_SIDE, MAX_PIXELS // MAX_SIDE)).width == MAX_SIDE
    with pytest.raises(ImageRefused, match="20000 pixels per side"):
        probe(png_ihdr(MAX_SIDE + 1, 10))
    with pytest.raises(ImageRefused, match="megapixels"):
        probe(png_ihdr(MAX_SIDE, MAX_PIXELS // MAX_SIDE + 1))


def test_oversized_file_is_refused_before_parsing() -> None:
    with pytest.raises(ImageRefused, match="the limit is 25 MB"):
        probe(png(1, 1) + b"\x00" * MAX_BYTES)


@pytest.mark.parametrize(
    "data",
    [
        PNG_SIGNATURE[:3],
        png_ihdr(10, 10)[:20],
        b"\xff\xd8\xff\xe0\x00\x10JFIF",
        jpeg(100, 200)[:-40],
        b"GIF89a\x01",
        b"RIFF\x00\x00",
        webp_vp8x(10, 10)[:26],
        bmp(10, 10)[:20],
    ],
)
def test_truncated_headers_are_refused(data: bytes) -> None:
    with pytest.raises(ImageRefused, match="image header is truncated"):
        probe(data)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        b"%PDF-1.7",
        b"II*\x00",  # TIFF: not on the allowlist
        b"PK\x03\x04",
        b"RIFF\x10\x00\x00\x00WAVEfmt ",
        b"BMW owners' club newsletter, issue 7",
    ],
)
def test_unknown_formats_are_refused(data: bytes) -> None:
    with pytest.raises(ImageRefused, match=r"not a supported image \(PNG, JPEG, GIF, WebP, BMP\)"):
        probe(data)


@pytest.mark.parametrize(
    "data",
    [
        png_ihdr(0, 10),
        gif(0, 0),
        PNG_SIGNATURE + png_chunk(b"tEXt", b"x" * 13),  # IHDR must come first
        b"\xff\xd8\xff\xd9",  # ends before any frame header
        b"\xff\xd8\xff\xe0\x00\x01",  # a segment length below 2
        b"\xff\xd8" + jpeg_segment(0xE0, b"") + b"\x00\x00",  # garbage where a marker belongs
        b"\xff\xd8" + b"\xff" * 100_000,  # endless fill bytes
        b"\xff\xd8" + jpeg_segment(0xE1, b"x") * 10_000,  # endless segments
        riff_webp(b"VP8 ", b"\x00" * 20),  # no key-frame start code
        riff_webp(b"ALPH", b"\x00" * 20),
    ],
)
def test_corrupt_headers_are_refused(data: bytes) -> None:
    with pytest.raises(ImageRefused, match="image header is corrupt"):
        probe(data)


# Each allowed signature, so the random tail exercises the format parsers rather than the sniffing.
SIGNATURES = st.sampled_from(
    [
        b"",
        PNG_SIGNATURE,
        png_ihdr(1, 1)[:16],
        b"\xff\xd8\xff",
        b"GIF89a",
        b"RIFF\x00\x00\x00\x00WEBPVP8X",
        b"RIFF\x00\x00\x00\x00WEBPVP8L",
        b"RIFF\x00\x00\x00\x00WEBPVP8 ",
        b"BM",
    ]
)


@given(SIGNATURES, st.binary(max_size=512))
def test_arbitrary_bytes_only_ever_give_a_bounded_header_or_a_refusal(prefix: bytes, tail: bytes) -> None:
    try:
        header = probe(prefix + tail)
    except ImageRefused:
        return  # the only exception hostile bytes may cause
    assert 0 < header.width <= MAX_SIDE
    assert 0 < header.height <= MAX_SIDE
    assert header.width * header.height <= MAX_PIXELS
