"""Decoding untrusted images safely: header check first, then Qt's reader under an allocation limit.

Runs in a worker thread (QImage, unlike QPixmap, may be made off the UI thread).
"""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QImage, QImageReader

from app.core.image_probe import ImageRefused, probe

ALLOCATION_LIMIT_MB = 256


def decode_image(data: bytes) -> QImage:
    header = probe(data)  # raises ImageRefused for bombs, truncation and unknown formats
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer)
    reader.setAllocationLimit(ALLOCATION_LIMIT_MB)
    reader.setDecideFormatFromContent(True)
    image = reader.read()
    if image.isNull():
        raise ImageRefused(f"the {header.format} image could not be decoded: {reader.errorString()}")
    return image
