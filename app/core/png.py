"""A tiny PNG writer for generated demo images (abstract gradients; no external data, no Qt)."""

from __future__ import annotations

import random
import struct
import zlib
from functools import lru_cache


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def encode_rgb(width: int, height: int, rows: list[bytes]) -> bytes:
    raw = b"".join(b"\x00" + row for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw, 6))
        + _chunk(b"IEND", b"")
    )


@lru_cache(maxsize=32)
def abstract_image(seed: int, width: int = 128, height: int = 96) -> bytes:
    """A seeded two-colour gradient with a few soft discs: looks like a photo thumbnail, depicts nothing."""
    rng = random.Random(seed)
    a = [rng.randint(30, 220) for _ in range(3)]
    b = [rng.randint(30, 220) for _ in range(3)]
    discs = [
        (rng.randint(0, width), rng.randint(0, height), rng.randint(10, 36), rng.randint(-60, 60))
        for _ in range(4)
    ]
    rows = []
    for y in range(height):
        shade = [0] * width
        for cx, cy, r, delta in discs:
            dy = y - cy
            if dy * dy < r * r:
                half = int((r * r - dy * dy) ** 0.5)
                for x in range(max(0, cx - half), min(width, cx + half + 1)):
                    shade[x] += delta
        row = bytearray(width * 3)
        for x in range(width):
            t = (x + y) / (width + height)
            for c in range(3):
                row[3 * x + c] = max(0, min(255, int(a[c] + (b[c] - a[c]) * t) + shade[x]))
        rows.append(bytes(row))
    return encode_rgb(width, height, rows)
