"""Notes on the case, each tagged with its language and shown in its own direction; and the note editor."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.core import formatting
from app.core.language_detect import detect_language
from app.core.untrusted import isolate
from app.core.vocabulary import NOTE_VISIBILITIES
from app.i18n import LANGUAGES, _, current_language
from app.services.dto import NoteInfo
from app.views.content_pane import content_direction
from app.widgets.safe_text import SafeTextView, plain_label

DETECT_DELAY_MS = 400


class NoteCard(QWidget):
    """One note; refilled with ``set_note`` when the tab moves to another case."""

    def __init__(self, note: NoteInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.note = note
        self.header = plain_label(self)
        self.header.setProperty("role", "muted")
        self.body = SafeTextView(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 4)
        layout.addWidget(self.header)
        layout.addWidget(self.body)
        self.set_note(note)

    def set_note(self, note: NoteInfo) -> None:
        self.note = note
        self.body.set_untrusted(note.text, content_direction(note.language))
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        note = self.note
        self.header.setText(
            " · ".join(
                (
                    isolate(note.author_name),
                    formatting.relative(note.created_at),
                    formatting.language_name(note.language),
                    _(NOTE_VISIBILITIES.get(note.visibility, "")),
                )
            )
        )
        self.header.setToolTip(formatting.exact_utc(note.created_at))


class NotesTab(QWidget):
    """Signals:
    note_submitted: (text, language, visibility).
    """

    note_submitted = Signal(str, str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notesTab")
        self._notes: tuple[NoteInfo, ...] = ()
        self._cards: list[NoteCard] = []  # the open case's notes
        self._pool: list[NoteCard] = []  # reused case after case; spares hidden
        self._language_chosen = False
        self.list_area = QScrollArea(self)
        self.list_area.setWidgetResizable(True)
        inner = QWidget(self.list_area)
        self._list = QVBoxLayout(inner)
        self._list.addStretch(1)
        self.list_area.setWidget(inner)
        self.empty = plain_label(self)
        self.empty.setProperty("role", "muted")
        self.editor = QPlainTextEdit(self)
        self.editor.setObjectName("noteEditor")
        self.editor.setMaximumHeight(90)
        self.editor.textChanged.connect(lambda: self._detect.start())
        self.language = QComboBox(self)
        for code, name in LANGUAGES.items():
            self.language.addItem(f"{name} ({code})", code)
        self.language.activated.connect(lambda _i: setattr(self, "_language_chosen", True))
        self.visibility = QComboBox(self)
        self.add = QPushButton(self)
        self.add.setObjectName("addNote")
        self.add.clicked.connect(self.submit)
        self._language_label = plain_label(self)
        self._detect = QTimer(self)
        self._detect.setSingleShot(True)
        self._detect.setInterval(DETECT_DELAY_MS)
        self._detect.timeout.connect(self._detect_language)
        controls = QHBoxLayout()
        controls.addWidget(self._language_label)
        controls.addWidget(self.language)
        controls.addWidget(self.visibility)
        controls.addStretch(1)
        controls.addWidget(self.add)
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty)
        layout.addWidget(self.list_area, 1)
        layout.addWidget(self.editor)
        layout.addLayout(controls)
        self.retranslate_ui()

    def show_notes(self, notes: tuple[NoteInfo, ...]) -> None:
        if notes == self._notes:
            return
        self._notes = notes
        self.list_area.widget().setUpdatesEnabled(False)
        try:
            for index, note in enumerate(notes):
                if index < len(self._pool):
                    self._pool[index].set_note(note)
                else:  # a new card goes above the closing stretch
                    self._pool.append(NoteCard(note, self))
                    self._list.insertWidget(self._list.count() - 1, self._pool[-1])
                self._pool[index].show()
            for spare in self._pool[len(notes) :]:
                spare.hide()
            self._cards = self._pool[: len(notes)]
        finally:
            self.list_area.widget().setUpdatesEnabled(True)
        self.empty.setVisible(not notes)
        if self._cards:
            QTimer.singleShot(
                0,
                lambda: self.list_area.verticalScrollBar().setValue(
                    self.list_area.verticalScrollBar().maximum()
                ),
            )

    def focus_editor(self) -> None:
        self.editor.setFocus()

    def submit(self) -> None:
        text = self.editor.toPlainText()
        if text.strip():
            self.note_submitted.emit(text, self.language.currentData(), self.visibility.currentData())

    def note_saved(self) -> None:
        self.editor.clear()
        self._language_chosen = False

    def _detect_language(self) -> None:
        if self._language_chosen:
            return
        code = detect_language(self.editor.toPlainText()) or current_language()
        index = self.language.findData(code)
        if index >= 0:
            self.language.setCurrentIndex(index)
        direction = content_direction(code) or "ltr"
        self.editor.setLayoutDirection(
            Qt.LayoutDirection.RightToLeft if direction == "rtl" else Qt.LayoutDirection.LeftToRight
        )

    def keyPressEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        if (
            event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            self.submit()
            return
        super().keyPressEvent(event)

    def retranslate_ui(self) -> None:
        self.empty.setText(_("No notes yet."))
        self.editor.setPlaceholderText(_("Write a note in any language (Ctrl+Enter adds it)"))
        self._language_label.setText(_("Language"))
        current = self.visibility.currentData()
        self.visibility.clear()
        for code, label in NOTE_VISIBILITIES.items():
            self.visibility.addItem(_(label), code)
        self.visibility.setCurrentIndex(max(0, self.visibility.findData(current)))
        self.add.setText(_("Add note"))
        for card in self._cards:
            card.retranslate_ui()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)
