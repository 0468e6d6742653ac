"""Settings: interface language, theme, who is working, and how sensitive media is shown.

Changes apply at once (no restart) and are kept in the profile.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.core.vocabulary import ROLES
from app.i18n import LANGUAGES, _
from app.services.dto import ReviewerInfo
from app.settings import TITLES, Settings
from app.widgets.safe_text import plain_label


class SettingsDialog(QDialog):
    """Signals:
    language_chosen: a UI language code.
    setting_changed: (key, value) for every other setting.
    """

    language_chosen = Signal(str)
    setting_changed = Signal(str, object)

    def __init__(
        self, settings: Settings, reviewers: tuple[ReviewerInfo, ...], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self._reviewers = reviewers
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

    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("Settings"))
        for key, label in self._labels.items():
            label.setText(_(TITLES[key]))
        self.blur.setText(_(TITLES["blur_media"]))
        self.greyscale.setText(_(TITLES["greyscale_media"]))
        self.blind.setText(_(TITLES["blind_review"]))
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
