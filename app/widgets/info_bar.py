"""A slim, non-modal message bar with one action and a close button (never blocks the work)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget


class InfoBar(QFrame):
    """Signals:
    acted: the action button was pressed.
    """

    acted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "infobar")
        self.message = QLabel(self)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        self.action = QPushButton(self)
        self.action.clicked.connect(self.acted)
        self.action.clicked.connect(self.hide)
        self.close_button = QPushButton(self)
        self.close_button.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.message, 1)
        layout.addWidget(self.action)
        layout.addWidget(self.close_button)
        self.hide()

    def show_message(self, text: str, action: str, close: str) -> None:
        self.message.setText(text)
        self.action.setText(action)
        self.close_button.setText(close)
        self.show()
