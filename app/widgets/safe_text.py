"""Widgets that show untrusted text as plain text and nothing else.

Qt guesses rich text for a QLabel by default (Qt::AutoText), which would let a post render markup, load
images or become a link; these widgets pin the format to plain text and lay the text out in its own direction.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QResizeEvent, QTextOption
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QTextEdit, QWidget

from app.core.untrusted import first_strong_direction, neutralise_bidi, reveal


def direction_of(text: str, language_direction: str | None = None) -> Qt.LayoutDirection:
    """The text's own direction: its language's if known, else its first strong character's."""
    direction = language_direction or first_strong_direction(text) or "ltr"
    return Qt.LayoutDirection.RightToLeft if direction == "rtl" else Qt.LayoutDirection.LeftToRight


def plain_label(parent: QWidget | None = None, *, role: str = "", wrap: bool = False) -> QLabel:
    """A QLabel that never guesses rich text (for our own texts that embed values from users)."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(wrap)
    if role:
        label.setProperty("role", role)
    return label


class SafeLabel(QLabel):
    """A QLabel that can only ever show plain text. ``identifier`` reveals hidden characters (handles, names)."""

    def __init__(self, text: str = "", parent: QWidget | None = None, *, identifier: bool = False) -> None:
        super().__init__(parent)
        self._identifier = identifier
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setOpenExternalLinks(False)
        self.set_untrusted(text)

    def set_untrusted(self, text: str) -> None:
        shown = reveal(text, identifier=True) if self._identifier else neutralise_bidi(text)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setText(shown)


class SafeTextView(QTextEdit):
    """Read-only body text in its own direction, as tall as its wrapped text; hidden characters revealable.

    Only ``setPlainText`` is ever called: QTextEdit's ``setText`` would guess rich text.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setAcceptRichText(False)
        self.setProperty("role", "content")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self._raw = ""
        self._revealed = False
        self._direction: str | None = None

    refused_resources = 0  # class-wide count of resource loads refused, for tests and diagnostics

    def loadResource(self, kind: int, name: QUrl) -> object:
        """Never load anything (images, style sheets) on behalf of text, whatever it contains."""
        SafeTextView.refused_resources += 1
        return None

    def set_untrusted(
        self, text: str, language_direction: str | None = None, *, revealed: bool | None = None
    ) -> None:
        """Show ``text``; ``revealed`` also switches hidden characters on or off in the same pass."""
        self._raw = text
        self._direction = language_direction
        if revealed is not None:
            self._revealed = revealed
        self._render()

    def set_revealed(self, revealed: bool) -> None:
        self._revealed = revealed
        self._render()

    def raw_text(self) -> str:
        return self._raw

    def _render(self) -> None:
        shown = reveal(self._raw) if self._revealed else neutralise_bidi(self._raw)
        self.setPlainText(shown)
        direction = direction_of(self._raw, self._direction)
        option = self.document().defaultTextOption()
        option.setTextDirection(direction)
        option.setAlignment(
            Qt.AlignmentFlag.AlignAbsolute
            | (
                Qt.AlignmentFlag.AlignRight
                if direction == Qt.LayoutDirection.RightToLeft
                else Qt.AlignmentFlag.AlignLeft
            )
        )
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.document().setDefaultTextOption(option)
        self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        document = self.document()
        document.setTextWidth(max(50, self.viewport().width()))
        height = int(document.size().height()) + 2 * self.frameWidth() + 4
        if self.height() != height:
            self.setFixedHeight(min(height, 800))
