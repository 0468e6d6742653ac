"""The case timeline, read from the audit trail."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QHeaderView, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from app.core import formatting
from app.core.vocabulary import ANSWERS, AUDIT_ACTIONS, CASE_STATUSES, OUTCOMES, REMEDIATION_TYPES
from app.i18n import _
from app.services.dto import TimelineEntry
from app.widgets.fill_when_shown import FillWhenShown


def describe(entry: TimelineEntry) -> str:
    """A short, translated detail for an event, from its recorded values."""
    after = entry.summary
    if entry.action == "decision.recorded":
        return _(OUTCOMES.get(str(after.get("outcome")), ""))
    if entry.action == "checklist.answered":
        return _(ANSWERS.get(str(after.get("answer")), ""))
    if entry.action == "remediation.planned":
        return _(REMEDIATION_TYPES.get(str(after.get("action_type")), ""))
    if entry.entity == "case" and "status" in after:
        return _(CASE_STATUSES.get(str(after["status"]), ""))
    return ""


class TimelineTab(FillWhenShown):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timelineTab")
        self._entries: tuple[TimelineEntry, ...] = ()
        self.tree = QTreeWidget(self)
        self.tree.setRootIsDecorated(False)
        self.tree.setColumnCount(4)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setStretchLastSection(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tree)
        self.retranslate_ui()

    def show_timeline(self, entries: tuple[TimelineEntry, ...]) -> None:
        self._entries = entries
        self._refresh()

    def _fill(self) -> None:
        self.tree.clear()
        for entry in self._entries:
            who = entry.actor_name
            if entry.remote:
                who = _("%(name)s · another workstation") % {"name": who or _("someone")}
            item = QTreeWidgetItem(
                [
                    formatting.when(entry.created_at),
                    who,
                    _(AUDIT_ACTIONS.get(entry.action, entry.action)),
                    describe(entry),
                ]
            )
            item.setToolTip(0, formatting.exact_utc(entry.created_at))
            self.tree.addTopLevelItem(item)
        self.tree.scrollToBottom()

    def retranslate_ui(self) -> None:
        self.tree.setHeaderLabels([_("When"), _("Who"), _("What"), _("Detail")])
        self._refresh()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)
