"""Read an image's declared size from its header bytes before any real decoder sees it.

Reported images are hostile: a few hundred bytes can declare 50,000 x 50,000 pixels (about 9.3 GiB as
ARGB32). ``probe`` sniffs the magic bytes against a short allowlist and refuses anything too large, unknown
or cut short (reliability anchors §1.4). Passing the probe proves nothing about the rest of the file: the
decoder must still run in the limited worker process with Qt's allocation limit set. Animation frames are
not counted here, and a GIF frame may claim more than the logical screen: the decoder must bound both.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Final

MAX_PIXELS: Final = 40_000_000
MAX_SIDE: Final = 20_000
MAX_BYTES: Final = 25 * 1024 * 1024

_MIB = 1024 * 1024
_UNSUPPORTED = "not a supported image (PNG, JPEG, GIF, WebP, BMP)"
_TRUNCATED = "image header is truncated"
_CORRUPT = "image header is corrupt"

_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"
_GIFS = (b"GIF87a", b"GIF89a")
_BMP = b"BM"

# Start-of-frame markers carry the dimensions; C4 (DHT), C8 (JPG) and CC (DAC) share the range but don't.
_JPEG_SOF: Final = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
_JPEG_STANDALONE: Final = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM and RSTn have no length field
_JPEG_NO_FRAME: Final = frozenset({0x00, 0xD8, 0xD9, 0xDA})  # reached before any frame header: not an image
_JPEG_MAX_STEPS = 512  # real files have a few dozen segments; each fill byte counts as a step too

_BMP_INFO_SIZES: Final = frozenset({16, 40, 52, 56, 64, 108, 124})  # DIB headers with signed 32-bit sizes


@dataclass(frozen=True)
class ImageHeader:
    format: str
    width: int
    height: int


class ImageRefused(ValueError):
    """The image must not reach a decoder. The message is written for the analyst."""


def _unpack(fmt: str, data: bytes, offset: int) -> tuple[int, ...]:
    if offset + struct.calcsize(fmt) > len(data):
        raise ImageRefused(_TRUNCATED)
    return struct.unpack_from(fmt, data, offset)


def _png(data: bytes) -> ImageHeader:
    width, height = _unpack(">II", data, 16)  # IHDR is always the first chunk
    if data[12:16] != b"IHDR":
        raise ImageRefused(_CORRUPT)
    return ImageHeader("PNG", width, height)


def _jpeg(data: bytes) -> ImageHeader:
    pos = 2
    for _ in range(_JPEG_MAX_STEPS):
        (marker,) = _unpack(">xB", data, pos)
        if data[pos] != 0xFF:
            raise ImageRefused(_CORRUPT)
        if marker == 0xFF:  # a fill byte before the marker
            pos += 1
            continue
        pos += 2
        if marker in _JPEG_STANDALONE:
            continue
        if marker in _JPEG_NO_FRAME:
            raise ImageRefused(_CORRUPT)
        (length,) = _unpack(">H", data, pos)
        if length < 2:
            raise ImageRefused(_CORRUPT)
        if marker in _JPEG_SOF:
            height, width = _unpack(">HH", data, pos + 3)  # after the length and the sample precision
            return ImageHeader("JPEG", width, height)
        pos += length
    raise ImageRefused(_CORRUPT)  # too many segments before the frame header


def _gif(data: bytes) -> ImageHeader:
    width, height = _unpack("<HH", data, 6)  # the logical screen
    return ImageHeader("GIF", width, height)


def _webp(data: bytes) -> ImageHeader:
    _unpack("4s", data, 12)
    chunk = data[12:16]
    if chunk == b"VP8 ":  # lossy: a key frame's start code, then 14-bit sizes
        width, height = _unpack("<HH", data, 26)
        if data[23:26] != b"\x9d\x01\x2a":
            raise ImageRefused(_CORRUPT)
        return ImageHeader("WebP", width & 0x3FFF, height & 0x3FFF)
    if chunk == b"VP8L":  # lossless: signature 0x2F, then width-1 and height-1 in 14 bits each
        (bits,) = _unpack("<I", data, 21)
        if data[20] != 0x2F:
            raise ImageRefused(_CORRUPT)
        return ImageHeader("WebP", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
    if chunk == b"VP8X":  # extended: 24-bit canvas width-1 and height-1
        _unpack("6s", data, 24)
        width, height = (int.from_bytes(data[i : i + 3], "little") + 1 for i in (24, 27))
        return ImageHeader("WebP", width, height)
    raise ImageRefused(_CORRUPT)


def _bmp(data: bytes) -> ImageHeader:
    (dib_size,) = _unpack("<I", data, 14)
    if dib_size == 12:  # OS/2 BITMAPCOREHEADER: unsigned 16-bit sizes
        width, height = _unpack("<HH", data, 18)
    elif dib_size in _BMP_INFO_SIZES:
        width, height = _unpack("<ii", data, 18)
        height = abs(height)  # negative means stored top-down
    else:
        raise ImageRefused(_UNSUPPORTED)  # "BM" alone is a weak signature: most likely not a bitmap
    return ImageHeader("BMP", width, height)


def _is_riff_webp(data: bytes) -> bool:
    return data[:4] == b"RIFF" and data[8:12] == b"WEBP"


def _cut_short(data: bytes) -> bool:
    """Whether non-empty data is only the beginning of an allowed signature."""
    if any(len(data) < len(sig) and sig.startswith(data) for sig in (_PNG, _JPEG, *_GIFS)):
        return True
    return len(data) < 12 and b"RIFF".startswith(data[:4]) and b"WEBP".startswith(data[8:12])


def _parse(data: bytes) -> ImageHeader:
    if data.startswith(_PNG):
        return _png(data)
    if data.startswith(_JPEG):
        return _jpeg(data)
    if data.startswith(_GIFS):
        return _gif(data)
    if _is_riff_webp(data):
        return _webp(data)
    if data.startswith(_BMP):
        return _bmp(data)
    if data and _cut_short(data):
        raise ImageRefused(_TRUNCATED)
    raise ImageRefused(_UNSUPPORTED)


def _check_size(header: ImageHeader) -> None:
    width, height = header.width, header.height
    if width <= 0 or height <= 0:
        raise ImageRefused(_CORRUPT)
    if width * height > MAX_PIXELS:
        raise ImageRefused(
            f"image is {width} x {height} pixels; the limit is {MAX_PIXELS // 1_000_000} megapixels"
        )
    if max(width, height) > MAX_SIDE:
        raise ImageRefused(f"image is {width} x {height} pixels; the limit is {MAX_SIDE} pixels per side")


def probe(data: bytes) -> ImageHeader:
    """Format and declared size of an image, or ImageRefused. Reads only the header; bounded work."""
    if len(data) > MAX_BYTES:
        raise ImageRefused(f"image file is {len(data) / _MIB:.1f} MB; the limit is {MAX_BYTES // _MIB} MB")
    header = _parse(data)
    _check_size(header)
    return header
