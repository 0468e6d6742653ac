"""Findings: what audits found about my decisions (acknowledge or dispute), disputes a lead resolves, and the
policy-ambiguity list for policy owners."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _
from app.services.qa.dto import AmbiguityItem, FindingInfo
from app.services.qa.vocabulary import FINDING_STATUSES, RESOLUTIONS
from app.views.itemmodels.qa_models import FindingModel
from app.views.qa.batches_view import make_table, select_row
from app.widgets.safe_text import plain_label


class FindingsView(QWidget):
    """Signals:
    acknowledge_requested: (finding id, version, note).
    dispute_requested: (finding id, version, reason).
    resolve_requested: (finding id, version, resolution, note).
    """

    acknowledge_requested = Signal(str, int, str)
    dispute_requested = Signal(str, int, str)
    resolve_requested = Signal(str, int, str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("qaFindings")
        self._can_resolve = False
        self._can_respond = True
        self.mine_heading = plain_label(self, role="heading")
        self.mine_hint = plain_label(self, role="muted", wrap=True)
        self.mine_model = FindingModel(self)
        self.mine_table = make_table(self, "qaMyFindings")
        self.mine_table.setModel(self.mine_model)
        self.reply = QLineEdit(self)
        self.reply.setObjectName("qaFindingReply")
        self.acknowledge_button = QPushButton(self)
        self.acknowledge_button.setObjectName("qaAcknowledge")
        self.dispute_button = QPushButton(self)
        self.dispute_button.setObjectName("qaDispute")
        self.disputes_heading = plain_label(self, role="heading")
        self.disputes_model = FindingModel(self)
        self.disputes_table = make_table(self, "qaDisputes")
        self.disputes_table.setModel(self.disputes_model)
        self.resolution = QComboBox(self)
        self.resolution.setObjectName("qaResolution")
        self.resolution_note = QLineEdit(self)
        self.resolution_note.setObjectName("qaResolutionNote")
        self.resolve_button = QPushButton(self)
        self.resolve_button.setObjectName("qaResolve")
        self.ambiguity_heading = plain_label(self, role="heading")
        self.ambiguities = QListWidget(self)
        self.ambiguities.setObjectName("qaAmbiguities")
        self.ambiguities.setWordWrap(True)
        for table in (self.mine_table, self.disputes_table):
            table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        top = QWidget(self)
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.mine_heading)
        top_layout.addWidget(self.mine_hint)
        top_layout.addWidget(self.mine_table, 1)
        reply_row = QHBoxLayout()
        reply_row.addWidget(self.reply, 1)
        reply_row.addWidget(self.acknowledge_button)
        reply_row.addWidget(self.dispute_button)
        top_layout.addLayout(reply_row)
        self._lead_box = QWidget(self)
        lead_layout = QVBoxLayout(self._lead_box)
        lead_layout.setContentsMargins(0, 0, 0, 0)
        lead_layout.addWidget(self.disputes_heading)
        lead_layout.addWidget(self.disputes_table, 1)
        resolve_row = QHBoxLayout()
        resolve_row.addWidget(self.resolution)
        resolve_row.addWidget(self.resolution_note, 1)
        resolve_row.addWidget(self.resolve_button)
        lead_layout.addLayout(resolve_row)
        bottom = QWidget(self)
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(self.ambiguity_heading)
        bottom_layout.addWidget(self.ambiguities, 1)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(top)
        split.addWidget(self._lead_box)
        split.addWidget(bottom)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(split)
        self.mine_table.selectionModel().currentRowChanged.connect(lambda *_a: self._update_buttons())
        self.disputes_table.selectionModel().currentRowChanged.connect(lambda *_a: self._update_buttons())
        self.acknowledge_button.clicked.connect(self._acknowledge)
        self.dispute_button.clicked.connect(self._dispute)
        self.resolve_button.clicked.connect(self._resolve)
        self.reply.textChanged.connect(lambda _t: self._update_buttons())
        self.resolution_note.textChanged.connect(lambda _t: self._update_buttons())
        self._ambiguities: list[AmbiguityItem] = []
        self._update_buttons()
        self.retranslate_ui()

    def set_can_resolve(self, allowed: bool) -> None:
        self._can_resolve = allowed
        self._lead_box.setVisible(allowed)
        self._update_buttons()

    def set_can_respond(self, allowed: bool) -> None:
        """Reviewers answer findings about their decisions; an auditor's list shows every finding instead."""
        self._can_respond = allowed
        for widget in (self.reply, self.acknowledge_button, self.dispute_button):
            widget.setVisible(allowed)
        self.retranslate_ui()

    def show_findings(
        self, mine: list[FindingInfo], disputes: list[FindingInfo], ambiguities: list[AmbiguityItem]
    ) -> None:
        """Show fresh lists. A reload keeps the finding each table had selected, so an answer or a resolution
        given after it still goes to the finding the person picked (the first row when it has left the list)."""
        self._reload(self.mine_table, self.mine_model, mine)
        self._reload(self.disputes_table, self.disputes_model, disputes)
        self._ambiguities = ambiguities
        self._fill_ambiguities()
        self._update_buttons()

    def _reload(self, table: QTableView, model: FindingModel, rows: list[FindingInfo]) -> None:
        selected = self._selected(table, model)
        model.set_rows(rows)
        row = model.row_of(lambda f: f.id == selected.id) if selected is not None else None
        if row is None and rows:
            row = 0
        if row is not None:
            select_row(table, row)

    def _selected(self, table: QTableView, model: FindingModel) -> FindingInfo | None:
        index = table.currentIndex()
        return model.row_at(index.row()) if index.isValid() else None

    def _update_buttons(self) -> None:
        mine = self._selected(self.mine_table, self.mine_model)
        open_mine = mine is not None and mine.status == "open"
        self.acknowledge_button.setEnabled(open_mine)
        self.dispute_button.setEnabled(open_mine and bool(self.reply.text().strip()))
        dispute = self._selected(self.disputes_table, self.disputes_model)
        self.resolve_button.setEnabled(
            self._can_resolve and dispute is not None and bool(self.resolution_note.text().strip())
        )

    def _acknowledge(self) -> None:
        finding = self._selected(self.mine_table, self.mine_model)
        if finding is not None:
            self.acknowledge_requested.emit(finding.id, finding.version, self.reply.text())
            self.reply.clear()

    def _dispute(self) -> None:
        finding = self._selected(self.mine_table, self.mine_model)
        if finding is not None:
            self.dispute_requested.emit(finding.id, finding.version, self.reply.text())
            self.reply.clear()

    def _resolve(self) -> None:
        finding = self._selected(self.disputes_table, self.disputes_model)
        if finding is not None:
            self.resolve_requested.emit(
                finding.id,
                finding.version,
                self.resolution.currentData() or "upheld",
                self.resolution_note.text(),
            )
            self.resolution_note.clear()

    def _fill_ambiguities(self) -> None:
        self.ambiguities.clear()
        for item in self._ambiguities:
            status = _(FINDING_STATUSES.get(item.status, item.status))
            self.ambiguities.addItem(
                f"{item.policy_code or '—'} · {item.policy_title} — {item.note} ({status}, {item.external_ref})"
            )
        if not self._ambiguities:
            self.ambiguities.addItem(_("No policy ambiguity has been reported."))

    def retranslate_ui(self) -> None:
        if self._can_respond:
            self.mine_heading.setText(_("Findings about my decisions"))
            self.mine_hint.setText(
                _("Acknowledge a finding, or dispute it with a reason; a lead settles disputes.")
            )
        else:
            self.mine_heading.setText(_("Findings raised in audits"))
            self.mine_hint.setText(_("The reviewers answer these; a lead settles disputes."))
        self.reply.setPlaceholderText(_("Your reply (a reason is needed to dispute)"))
        self.acknowledge_button.setText(_("Acknowledge"))
        self.dispute_button.setText(_("Dispute"))
        self.disputes_heading.setText(_("Disputes to resolve"))
        current = self.resolution.currentData()
        self.resolution.clear()
        for code, label in RESOLUTIONS.items():
            self.resolution.addItem(_(label), code)
        self.resolution.setCurrentIndex(max(0, self.resolution.findData(current)))
        self.resolution_note.setPlaceholderText(_("Why (shown to the reviewer and the auditor)"))
        self.resolve_button.setText(_("Resolve"))
        self.ambiguity_heading.setText(_("Policy ambiguities, for the policy owners"))
        self.mine_model.retranslate()
        self.disputes_model.retranslate()
        self._fill_ambiguities()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)
