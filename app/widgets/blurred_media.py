"""A media thumbnail that stays blurred (and optionally grey) until the reviewer deliberately reveals it.

Decoding happens elsewhere, off the UI thread and behind a size check; this widget only shows a QImage.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget


def blurred(image: QImage, strength: int) -> QImage:
    """A cheap, strong blur: shrink hard, then scale back up smoothly."""
    if strength <= 0 or image.isNull():
        return image
    factor = max(2, strength)
    small = image.scaled(
        max(1, image.width() // factor),
        max(1, image.height() // factor),
        Qt.AspectRatioMode.IgnoreAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )
    return small.scaled(
        image.size(), Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation
    )


class BlurredMedia(QWidget):
    """Signals:
    reveal_requested: the reviewer asked to see the media unblurred (the caller logs it, then calls reveal()).
    """

    reveal_requested = Signal()

    def __init__(self, parent: QWidget | None = None, *, thumb: QSize | None = None) -> None:
        super().__init__(parent)
        self._thumb = thumb or QSize(220, 165)
        self._image = QImage()
        self._strength = 24
        self._greyscale = False
        self._revealed = False
        self._picture = QLabel(self)
        self._picture.setFixedSize(self._thumb)
        self._picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._picture.setTextFormat(Qt.TextFormat.PlainText)
        self._picture.setWordWrap(True)  # a refusal reason must fit the thumbnail's box
        self._button = QPushButton(self)
        self._button.clicked.connect(self.reveal_requested)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._picture)
        layout.addWidget(self._button)

    @property
    def revealed(self) -> bool:
        return self._revealed

    def set_image(self, image: QImage, *, blur: int, greyscale: bool) -> None:
        self._image = image
        self._strength = blur
        self._greyscale = greyscale
        self._revealed = blur <= 0
        self._render()

    def clear(self) -> None:
        """Back to the empty, unrevealed state, so the widget can show another attachment."""
        self._image = QImage()
        self._revealed = False
        self._picture.clear()
        self._button.show()

    def set_placeholder(self, message: str) -> None:
        self._image = QImage()
        self._picture.setPixmap(QPixmap())
        self._picture.setText(message)
        self._button.hide()

    def set_button_text(self, text: str) -> None:
        self._button.setText(text)

    def reveal(self) -> None:
        self._revealed = True
        self._render()

    def hide_again(self) -> None:
        self._revealed = self._strength <= 0
        self._render()

    def _render(self) -> None:
        if self._image.isNull():
            return
        image = self._image.scaled(
            self._thumb, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
        if not self._revealed:
            image = blurred(image, self._strength // 2)
        if self._greyscale and not self._revealed:
            image = image.convertToFormat(QImage.Format.Format_Grayscale8)
        self._picture.setPixmap(QPixmap.fromImage(image))
        self._button.setVisible(not self._revealed)
