"""Sync as the person sees it: the status-bar text, and the dialog with this case's conflicts and the
changes the hub refused (nothing is dropped silently: both stay here until settled or read)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.controllers.sync import SyncState
from app.core import formatting
from app.core.untrusted import isolate
from app.i18n import _, ngettext
from app.services.sync.conflicts import ConflictInfo, RejectionInfo
from app.services.sync.engine import ClaimOutcome
from app.widgets.safe_text import plain_label


def describe(state: SyncState) -> tuple[str, str, str]:
    """(text, tooltip, level) for the status bar."""
    if not state.configured:
        return _("Sync: local profile, no team hub"), "", "ok"
    parts = []
    if state.syncing:
        parts.append(_("syncing…"))
    elif state.online is False:
        parts.append(_("offline, retrying"))
    elif state.online:
        parts.append(_("online"))
    if state.pending:
        parts.append(
            ngettext("%(count)s change waiting", "%(count)s changes waiting", state.pending)
            % {"count": state.pending}
        )
    if state.last_sync_at:
        parts.append(_("last sync %(when)s") % {"when": formatting.relative(state.last_sync_at)})
    if state.conflicts:
        parts.append(
            ngettext("%(count)s conflict", "%(count)s conflicts", state.conflicts)
            % {"count": state.conflicts}
        )
    if state.rejections:
        parts.append(
            ngettext("%(count)s refused change", "%(count)s refused changes", state.rejections)
            % {"count": state.rejections}
        )
    level = "error" if state.online is False or state.rejections else "warning" if state.conflicts else "ok"
    tooltip = _("Team hub: %(hub)s") % {"hub": isolate(state.hub_label)}
    if state.last_error:
        tooltip += "\n" + state.last_error
    return _("Sync: %(state)s") % {"state": " · ".join(parts)}, tooltip, level


def lost_claims_text(outcomes: tuple[ClaimOutcome, ...]) -> str:
    """What the reviewer reads when the hub gave cases they claimed offline to someone else."""
    lines = [
        _(
            "Your claim on %(case)s did not hold: %(holder)s had claimed it first on the team hub. "
            "It is no longer among your cases."
        )
        % {
            "case": isolate(c.external_ref),
            "holder": isolate(c.holder_name) if c.holder_name else _("another reviewer"),
        }
        for c in outcomes
    ]
    return "\n".join(lines)


def value_text(value: Any) -> str:
    return "—" if value in (None, "") else str(value)


class SyncDetailsDialog(QDialog):
    """Signals:
    settle_requested: (conflict id, "kept" or "other").
    """

    settle_requested = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncDetails")
        self.conflicts_label = plain_label(self, role="heading")
        self.conflicts = QTreeWidget(self)
        self.conflicts.setRootIsDecorated(False)
        self.conflicts.setColumnCount(5)
        self.conflicts.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.keep_kept = QPushButton(self)
        self.keep_other = QPushButton(self)
        self.keep_kept.clicked.connect(lambda: self._settle("kept"))
        self.keep_other.clicked.connect(lambda: self._settle("other"))
        self.rejections_label = plain_label(self, role="heading")
        self.rejections = QTreeWidget(self)
        self.rejections.setRootIsDecorated(False)
        self.rejections.setColumnCount(3)
        self.rejections.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.keep_kept)
        row.addWidget(self.keep_other)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.conflicts_label)
        layout.addWidget(self.conflicts, 1)
        layout.addLayout(row)
        layout.addWidget(self.rejections_label)
        layout.addWidget(self.rejections, 1)
        layout.addWidget(self.buttons)
        self.resize(900, 560)
        self._conflicts: tuple[ConflictInfo, ...] = ()
        self._rejections: tuple[RejectionInfo, ...] = ()
        self.retranslate_ui()

    def show_items(self, conflicts: tuple[ConflictInfo, ...], rejections: tuple[RejectionInfo, ...]) -> None:
        self._conflicts, self._rejections = conflicts, rejections
        self._fill()

    def _fill(self) -> None:
        self.conflicts.clear()
        for c in self._conflicts:
            state = (
                (_("settled: %(value)s") % {"value": value_text(c.settled_value)}) if c.settled else _("open")
            )
            item = QTreeWidgetItem(
                [c.field, value_text(c.kept_value), value_text(c.other_value), c.actor_name, state]
            )
            item.setData(0, Qt.ItemDataRole.UserRole, c.id)
            item.setToolTip(0, c.rule)
            self.conflicts.addTopLevelItem(item)
        self.rejections.clear()
        for r in self._rejections:
            self.rejections.addTopLevelItem(
                QTreeWidgetItem([formatting.when(r.created_at), f"{r.entity} · {r.op}", r.reason])
            )

    def _settle(self, keep: str) -> None:
        item = self.conflicts.currentItem()
        if item is not None:
            self.settle_requested.emit(item.data(0, Qt.ItemDataRole.UserRole), keep)

    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("Sync conflicts and refused changes"))
        self.conflicts_label.setText(_("Conflicts on this case"))
        self.rejections_label.setText(_("Changes the hub refused"))
        self.conflicts.setHeaderLabels(
            [_("Field"), _("Kept (hub rule)"), _("Other value"), _("Changed by"), _("State")]
        )
        self.rejections.setHeaderLabels([_("When"), _("Change"), _("Hub's reason")])
        self.keep_kept.setText(_("Confirm the kept value"))
        self.keep_other.setText(_("Take the other value"))
        self._fill()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)


ConflictLoader = Callable[
    [str | None, Callable[[tuple[ConflictInfo, ...], tuple[RejectionInfo, ...]], None]], None
]
