"""Settings: interface language, theme, who is working, how sensitive media is shown, and which queues sync
pulls from the team hub.

Changes apply at once (no restart) and are kept in the profile; a change of queues applies at the next sync.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QListWidget,
    QListWidgetItem,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.core.vocabulary import ROLES
from app.i18n import LANGUAGES, _
from app.services.dto import QueueInfo, ReviewerInfo
from app.settings import TITLES, Settings, encode_queue_slugs, sync_queue_slugs
from app.widgets.safe_text import plain_label


class SettingsDialog(QDialog):
    """Signals:
    language_chosen: a UI language code.
    setting_changed: (key, value) for every other setting.
    """

    language_chosen = Signal(str)
    setting_changed = Signal(str, object)

    def __init__(
        self,
        settings: Settings,
        reviewers: tuple[ReviewerInfo, ...],
        parent: QWidget | None = None,
        *,
        queues: tuple[QueueInfo, ...] = (),
    ) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self._reviewers = reviewers
        self.sync_queues = self._queue_list(queues, sync_queue_slugs(settings))
        self.sync_queues_hint = plain_label(self, role="muted", wrap=True)
        self.language = QComboBox(self)
        for code, name in LANGUAGES.items():
            self.language.addItem(name, code)
        self.language.setCurrentIndex(max(0, self.language.findData(settings.ui_language)))
        self.theme = QComboBox(self)
        self.reviewer = QComboBox(self)
        self.blur = QCheckBox(self)
        self.blur.setChecked(settings.blur_media)
        self.strength = QSlider(Qt.Orientation.Horizontal, self)
        self.strength.setRange(4, 48)
        self.strength.setValue(settings.blur_strength)
        self.greyscale = QCheckBox(self)
        self.greyscale.setChecked(settings.greyscale_media)
        self.blind = QCheckBox(self)
        self.blind.setChecked(settings.blind_review)
        self.break_minutes = QSpinBox(self)
        self.break_minutes.setRange(10, 240)
        self.break_minutes.setValue(settings.break_after_minutes)
        self.break_reveals = QSpinBox(self)
        self.break_reveals.setRange(1, 500)
        self.break_reveals.setValue(settings.break_after_reveals)
        self._labels = {
            key: plain_label(self)
            for key in (
                "ui_language",
                "theme",
                "reviewer_id",
                "blur_strength",
                "break_after_minutes",
                "break_after_reveals",
                "sync_queues",
            )
        }
        form = QFormLayout()
        form.addRow(self._labels["ui_language"], self.language)
        form.addRow(self._labels["theme"], self.theme)
        form.addRow(self._labels["reviewer_id"], self.reviewer)
        form.addRow(self.blur)
        form.addRow(self._labels["blur_strength"], self.strength)
        form.addRow(self.greyscale)
        form.addRow(self.blind)
        form.addRow(self._labels["break_after_minutes"], self.break_minutes)
        form.addRow(self._labels["break_after_reveals"], self.break_reveals)
        form.addRow(self._labels["sync_queues"], self.sync_queues)
        form.addRow(self.sync_queues_hint)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self._settings = settings
        self.retranslate_ui()
        self.language.activated.connect(lambda _i: self.language_chosen.emit(self.language.currentData()))
        self.theme.activated.connect(lambda _i: self.setting_changed.emit("theme", self.theme.currentData()))
        self.reviewer.activated.connect(
            lambda _i: self.setting_changed.emit("reviewer_id", self.reviewer.currentData())
        )
        self.blur.toggled.connect(lambda on: self.setting_changed.emit("blur_media", on))
        self.strength.valueChanged.connect(lambda v: self.setting_changed.emit("blur_strength", v))
        self.greyscale.toggled.connect(lambda on: self.setting_changed.emit("greyscale_media", on))
        self.blind.toggled.connect(lambda on: self.setting_changed.emit("blind_review", on))
        self.break_minutes.valueChanged.connect(lambda v: self.setting_changed.emit("break_after_minutes", v))
        self.break_reveals.valueChanged.connect(lambda v: self.setting_changed.emit("break_after_reveals", v))
        self.sync_queues.itemChanged.connect(lambda _item: self._queues_changed())

    def _queue_list(self, queues: tuple[QueueInfo, ...], chosen: tuple[str, ...] | None) -> QListWidget:
        """One checkable row per queue; every queue is checked unless the profile narrowed the list."""
        widget = QListWidget(self)
        widget.setObjectName("syncQueues")
        for queue in queues:
            item = QListWidgetItem(queue.name, widget)
            item.setData(Qt.ItemDataRole.UserRole, queue.slug)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            on = chosen is None or queue.slug in chosen
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
        # Tall enough for every queue up to eight rows (the theme's rows are taller than Qt's default).
        row = widget.sizeHintForRow(0) if widget.count() else 24
        widget.setFixedHeight(max(2, min(8, len(queues))) * max(row, 24) + 2 * widget.frameWidth() + 4)
        return widget

    def checked_queues(self) -> tuple[str, ...] | None:
        """The slugs checked; None when every queue is (the default, which also takes queues added later)."""
        items = [self.sync_queues.item(row) for row in range(self.sync_queues.count())]
        slugs = tuple(
            i.data(Qt.ItemDataRole.UserRole) for i in items if i.checkState() == Qt.CheckState.Checked
        )
        return None if len(slugs) == len(items) else slugs

    def _queues_changed(self) -> None:
        self.setting_changed.emit("sync_queues", encode_queue_slugs(self.checked_queues()))

    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("Settings"))
        for key, label in self._labels.items():
            label.setText(_(TITLES[key]))
        self.blur.setText(_(TITLES["blur_media"]))
        self.greyscale.setText(_(TITLES["greyscale_media"]))
        self.blind.setText(_(TITLES["blind_review"]))
        self.sync_queues_hint.setText(
            _(
                "Sync pulls the checked queues from the next sync on, and always the cases you have worked on. "
                "All checked: every queue, including new ones."
            )
        )
        theme = self.theme.currentData() or self._settings.theme
        self.theme.clear()
        self.theme.addItem(_("Light"), "light")
        self.theme.addItem(_("Dark"), "dark")
        self.theme.setCurrentIndex(max(0, self.theme.findData(theme)))
        reviewer = self.reviewer.currentData() or self._settings.reviewer_id
        self.reviewer.clear()
        for person in self._reviewers:
            self.reviewer.addItem(f"{person.name} · {_(ROLES.get(person.role, person.role))}", person.id)
        self.reviewer.setCurrentIndex(max(0, self.reviewer.findData(reviewer)))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)
