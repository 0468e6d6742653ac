"""One yes/no criterion with three answers and an optional evidence note, answerable from the keyboard.

Keys while the row has focus: 1 met, 2 not met, 3 unsure; Up and Down move to the neighbouring row.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

ANSWER_KEYS = {Qt.Key.Key_1: "met", Qt.Key.Key_2: "not_met", Qt.Key.Key_3: "unsure"}


class ChecklistRow(QFrame):
    """Signals:
    answered: (key, answer, evidence) when the reviewer picks an answer or edits the evidence.
    move_requested: +1 or -1 to move focus to the next or previous row.
    """

    answered = Signal(str, str, str)
    move_requested = Signal(int)

    def __init__(self, key: str, text: str, guidance: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setProperty("role", "card")
        self._answer: str | None = None
        self._text = QLabel(self)
        self._text.setTextFormat(Qt.TextFormat.PlainText)
        self._text.setWordWrap(True)
        self._text.setText(text)
        self._text.setToolTip(guidance)
        self._group = QButtonGroup(self)
        self._buttons: dict[str, QPushButton] = {}
        buttons = QHBoxLayout()
        for answer in ("met", "not_met", "unsure"):
            button = QPushButton(self)
            button.setCheckable(True)
            button.setProperty("answer", answer)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _checked=False, a=answer: self._pick(a))
            self._group.addButton(button)
            self._buttons[answer] = button
            buttons.addWidget(button)
        buttons.addStretch(1)
        self._evidence = QLineEdit(self)
        self._evidence.editingFinished.connect(self._evidence_changed)
        self._evidence.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self._text)
        layout.addLayout(buttons)
        layout.addWidget(self._evidence)

    @property
    def answer(self) -> str | None:
        return self._answer

    def set_labels(self, met: str, not_met: str, unsure: str, evidence_hint: str) -> None:
        for answer, label, key in (("met", met, 1), ("not_met", not_met, 2), ("unsure", unsure, 3)):
            self._buttons[answer].setText(f"{label} ({key})")
        self._evidence.setPlaceholderText(evidence_hint)

    def set_answer(self, answer: str | None, evidence: str) -> None:
        self._answer = answer
        for name, button in self._buttons.items():
            button.setChecked(name == answer)
        if self._evidence.text() != evidence:
            self._evidence.setText(evidence)
        self._evidence.setVisible(answer is not None)

    def set_editable(self, editable: bool) -> None:
        for button in self._buttons.values():
            button.setEnabled(editable)
        self._evidence.setReadOnly(not editable)

    def _pick(self, answer: str) -> None:
        if not self._buttons[answer].isEnabled():
            return
        self.set_answer(answer, self._evidence.text())
        self.answered.emit(self.key, answer, self._evidence.text())

    def _evidence_changed(self) -> None:
        if self._answer is not None:
            self.answered.emit(self.key, self._answer, self._evidence.text())

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = Qt.Key(event.key())
        if key in ANSWER_KEYS:
            self._pick(ANSWER_KEYS[key])
        elif key == Qt.Key.Key_Down:
            self.move_requested.emit(1)
        elif key == Qt.Key.Key_Up:
            self.move_requested.emit(-1)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_E) and self._answer is not None:
            self._evidence.setFocus()
        else:
            super().keyPressEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:
        self.setProperty("focused", True)
        self.style().unpolish(self)
        self.style().polish(self)
        super().focusInEvent(event)
