"""Keeping stakeholders informed: a log of messages to and from legal, comms, the reporter and others."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core import formatting
from app.i18n import N_, _
from app.services.dto import CommunicationInfo
from app.widgets.fill_when_shown import FillWhenShown

CHANNELS = {"email": N_("Email"), "chat": N_("Chat"), "phone": N_("Phone"), "ticket": N_("Ticket")}


class StakeholdersTab(FillWhenShown):
    """Signals:
    message_logged: (stakeholder, channel, text).
    """

    message_logged = Signal(str, str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stakeholdersTab")
        self._items: tuple[CommunicationInfo, ...] = ()
        self.tree = QTreeWidget(self)
        self.tree.setRootIsDecorated(False)
        self.tree.setColumnCount(4)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setStretchLastSection(True)
        self.stakeholder = QLineEdit(self)
        self.channel = QComboBox(self)
        self.text = QPlainTextEdit(self)
        self.text.setMaximumHeight(60)
        self.log = QPushButton(self)
        self.log.clicked.connect(self._log)
        row = QHBoxLayout()
        row.addWidget(self.stakeholder, 1)
        row.addWidget(self.channel)
        row.addWidget(self.log)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.text)
        layout.addLayout(row)
        self.retranslate_ui()

    def show_messages(self, items: tuple[CommunicationInfo, ...]) -> None:
        self._items = items
        self._refresh()

    def message_saved(self) -> None:
        self.text.clear()

    def _log(self) -> None:
        self.message_logged.emit(self.stakeholder.text(), self.channel.currentData(), self.text.toPlainText())

    def _fill(self) -> None:
        self.tree.clear()
        for item in self._items:
            row = QTreeWidgetItem(
                [
                    formatting.when(item.created_at),
                    item.stakeholder,
                    _(CHANNELS.get(item.channel, item.channel)),
                    item.text.replace("\n", " "),
                ]
            )
            row.setToolTip(3, item.text)
            self.tree.addTopLevelItem(row)

    def retranslate_ui(self) -> None:
        self.tree.setHeaderLabels([_("When"), _("Stakeholder"), _("Channel"), _("Message")])
        self.stakeholder.setPlaceholderText(_("Stakeholder (e.g. Legal, Comms, reporter)"))
        self.text.setPlaceholderText(_("What was said or sent"))
        current = self.channel.currentData()
        self.channel.clear()
        for code, label in CHANNELS.items():
            self.channel.addItem(_(label), code)
        self.channel.setCurrentIndex(max(0, self.channel.findData(current)))
        self.log.setText(_("Log message"))
        self._refresh()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)
