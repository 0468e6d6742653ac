"""A status-bar badge: a short status text, an optional progress bar, and a button to act now.

Domain-agnostic: the owner gives the texts (already translated) and a level; the theme styles the level
through the ``level`` property (ok, busy, warning, error), so no colour is set here.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

LEVELS = ("ok", "busy", "warning", "error")


class SyncBadge(QWidget):
    """Signals:
    action_requested: the button was pressed (e.g. "sync now").
    details_requested: the text was clicked (e.g. to show conflicts and refused changes).
    """

    action_requested = Signal()
    details_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._text = QLabel(self)
        self._text.setTextFormat(Qt.TextFormat.PlainText)
        self._text.setProperty("level", "ok")
        self._text.setCursor(Qt.CursorShape.PointingHandCursor)
        self._text.mousePressEvent = lambda _event: self.details_requested.emit()  # type: ignore[method-assign]
        self._bar = QProgressBar(self)
        self._bar.setTextVisible(False)
        self._bar.setMaximumWidth(80)
        self._bar.setMaximumHeight(10)
        self._bar.hide()
        self._button = QToolButton(self)
        self._button.setAutoRaise(True)
        self._button.clicked.connect(self.action_requested)
        self._action_text = ""
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._text)
        layout.addWidget(self._bar)
        layout.addWidget(self._button)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        # The owner's texts are already in the current language; it sets them again on a language change.
        self._button.setText(self._action_text)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def set_status(self, text: str, tooltip: str = "", level: str = "ok") -> None:
        if level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
        self._text.setText(text)
        self._text.setToolTip(tooltip)
        if self._text.property("level") != level:
            self._text.setProperty("level", level)
            self._text.style().unpolish(self._text)
            self._text.style().polish(self._text)

    def set_action(self, text: str, tooltip: str = "", enabled: bool = True) -> None:
        self._action_text = text
        self._button.setText(text)
        self._button.setToolTip(tooltip)
        self._button.setEnabled(enabled)

    def set_progress(self, done: int, total: int) -> None:
        """Show a bar for measurable work (total > 0); hide it otherwise."""
        if total <= 0:
            self._bar.hide()
            return
        self._bar.setRange(0, total)
        self._bar.setValue(min(done, total))
        self._bar.show()

    @property
    def text(self) -> str:
        return self._text.text()
