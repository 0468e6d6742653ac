"""The remediation plan: immediate and long-term actions, their status, and the four-eyes approval."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core import formatting
from app.core.vocabulary import HORIZONS, REMEDIATION_STATUSES, REMEDIATION_TRANSITIONS, REMEDIATION_TYPES
from app.i18n import _
from app.services.dto import RemediationInfo
from app.services.forms import RemediationForm
from app.widgets.fill_when_shown import FillWhenShown

STATUS_BUTTONS = ("in_progress", "done", "verified", "cancelled")


class RemediationTab(FillWhenShown):
    """Signals:
    action_planned: a RemediationForm.
    status_requested: (action id, new status).
    approval_requested: an action id.
    """

    action_planned = Signal(object)
    status_requested = Signal(str, str)
    approval_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("remediationTab")
        self._actions: tuple[RemediationInfo, ...] = ()
        self.tree = QTreeWidget(self)
        self.tree.setRootIsDecorated(False)
        self.tree.setColumnCount(6)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.tree.currentItemChanged.connect(lambda *_a: self._update_buttons())
        self.kind = QComboBox(self)
        self.kind.setObjectName("remediationType")
        self.target = QLineEdit(self)
        self.horizon = QComboBox(self)
        self.countries = QLineEdit(self)
        self.add = QPushButton(self)
        self.add.setObjectName("planRemediation")
        self.add.clicked.connect(self._plan)
        self.status_buttons = {status: QPushButton(self) for status in STATUS_BUTTONS}
        for status, button in self.status_buttons.items():
            button.clicked.connect(lambda _c=False, s=status: self._set_status(s))
        self.approve = QPushButton(self)
        self.approve.clicked.connect(self._approve)
        form = QHBoxLayout()
        for widget, stretch in (
            (self.kind, 2),
            (self.target, 2),
            (self.horizon, 1),
            (self.countries, 1),
            (self.add, 0),
        ):
            form.addWidget(widget, stretch)
        actions = QHBoxLayout()
        for button in self.status_buttons.values():
            actions.addWidget(button)
        actions.addWidget(self.approve)
        actions.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tree, 1)
        layout.addLayout(actions)
        layout.addLayout(form)
        self.retranslate_ui()

    def show_actions(self, actions: tuple[RemediationInfo, ...], editable: bool) -> None:
        self._actions = actions
        self.add.setEnabled(editable)
        self._refresh()

    def _fill(self) -> None:
        """The list, keeping the selected action (or the first open one) selected."""
        selected = self.selected_id()
        self._fill_list()
        open_first = next((a.id for a in self._actions if a.status in ("planned", "in_progress")), None)
        wanted = selected or open_first
        for index in range(self.tree.topLevelItemCount()):
            if self.tree.topLevelItem(index).data(0, Qt.ItemDataRole.UserRole) == wanted:
                self.tree.setCurrentItem(self.tree.topLevelItem(index))
        self._update_buttons()

    def selected_id(self) -> str | None:
        item = self.tree.currentItem()
        return item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None

    def _fill_list(self) -> None:
        self.tree.clear()
        for action in self._actions:
            approval = ""
            if action.needs_second_approval:
                approval = (
                    _("approved by %(name)s") % {"name": action.approved_by_name}
                    if action.approved_by_name
                    else _("needs a lead's approval")
                )
            target = action.target + (f" [{', '.join(action.countries)}]" if action.countries else "")
            item = QTreeWidgetItem(
                [
                    _(REMEDIATION_TYPES.get(action.action_type, action.action_type)),
                    target,
                    _(HORIZONS.get(action.horizon, action.horizon)),
                    _(REMEDIATION_STATUSES.get(action.status, action.status)),
                    action.owner_name + (f" · {formatting.day(action.due_at)}" if action.due_at else ""),
                    approval,
                ]
            )
            item.setData(0, Qt.ItemDataRole.UserRole, action.id)
            self.tree.addTopLevelItem(item)

    def _current(self) -> RemediationInfo | None:
        selected = self.selected_id()
        return next((a for a in self._actions if a.id == selected), None)

    def _update_buttons(self) -> None:
        action = self._current()
        allowed = REMEDIATION_TRANSITIONS.get(action.status, frozenset()) if action else frozenset()
        for status, button in self.status_buttons.items():
            button.setEnabled(status in allowed)
        self.approve.setEnabled(bool(action and action.needs_second_approval and not action.approved_by_name))

    def _plan(self) -> None:
        countries = tuple(c.strip() for c in self.countries.text().replace(";", ",").split(",") if c.strip())
        self.action_planned.emit(
            RemediationForm(
                self.kind.currentData(), self.target.text(), self.horizon.currentData(), countries
            )
        )

    def action_saved(self) -> None:
        self.target.clear()
        self.countries.clear()

    def _set_status(self, status: str) -> None:
        action_id = self.selected_id()
        if action_id:
            self.status_requested.emit(action_id, status)

    def _approve(self) -> None:
        action_id = self.selected_id()
        if action_id:
            self.approval_requested.emit(action_id)

    def retranslate_ui(self) -> None:
        self.tree.setHeaderLabels(
            [_("Action"), _("Target"), _("Horizon"), _("Status"), _("Owner"), _("Approval")]
        )
        for combo, items in ((self.kind, REMEDIATION_TYPES), (self.horizon, HORIZONS)):
            current = combo.currentData()
            combo.clear()
            for code, label in items.items():
                combo.addItem(_(label), code)
            combo.setCurrentIndex(max(0, combo.findData(current)))
        self.target.setPlaceholderText(_("Target (content, account or URL)"))
        self.countries.setPlaceholderText(_("Countries, e.g. DE, IN"))
        self.add.setText(_("Plan action"))
        labels = {
            "in_progress": _("Start"),
            "done": _("Mark done"),
            "verified": _("Verify"),
            "cancelled": _("Cancel action"),
        }
        for status, button in self.status_buttons.items():
            button.setText(labels[status])
        self.approve.setText(_("Approve (second pair of eyes)"))
        self._refresh()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)
