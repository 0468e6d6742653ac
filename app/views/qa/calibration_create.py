"""A lead's form for a new calibration session: a name, cases picked from a batch or from recent decisions,
the participants, and optionally a golden set (the expected outcome of each case)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core import formatting
from app.core.untrusted import isolate, neutralise_bidi
from app.core.vocabulary import OUTCOMES, ROLES
from app.i18n import N_, _
from app.services import permissions
from app.services.dto import ReviewerInfo
from app.services.qa.dto import BatchInfo, CalibrationCandidate
from app.widgets.safe_text import plain_label

ID_ROLE = Qt.ItemDataRole.UserRole + 1
CANDIDATE_COLUMNS = (N_("Case"), N_("Queue"), N_("Decided outcome"), N_("Expected outcome"))
EXPECTED_COLUMN = 3


class CalibrationCreateForm(QWidget):
    """Signals:
    source_changed: a batch id to pick cases from, or "" for the most recently decided cases.
    create_requested: (name, case ids, participant ids, expected: ((case id, outcome, ()), ...)).
    cancelled: the lead closed the form.
    """

    source_changed = Signal(str)
    create_requested = Signal(str, object, object, object)
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("calibrationCreate")
        self._candidates: list[CalibrationCandidate] = []
        self._batches: list[BatchInfo] = []
        self.name = QLineEdit(self)
        self.name.setObjectName("calibrationName")
        self.source = QComboBox(self)
        self.source.setObjectName("calibrationSource")
        self.cases = QTableWidget(0, len(CANDIDATE_COLUMNS), self)
        self.cases.setObjectName("calibrationCandidates")
        self.cases.verticalHeader().hide()
        self.cases.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.cases.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.cases.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(CANDIDATE_COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.picked = plain_label(self, role="muted")
        self.golden = QCheckBox(self)
        self.golden.setObjectName("calibrationGolden")
        self.people = QTableWidget(0, 1, self)
        self.people.setObjectName("calibrationParticipants")
        self.people.verticalHeader().hide()
        self.people.horizontalHeader().hide()
        self.people.horizontalHeader().setStretchLastSection(True)
        self.people.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.people.setShowGrid(False)
        self.people.setMaximumHeight(160)
        self.create_button = QPushButton(self)
        self.create_button.setObjectName("calibrationCreateButton")
        self.cancel_button = QPushButton(self)
        self._labels = {key: QLabel(self) for key in ("name", "source", "people")}
        fields = QFormLayout()
        fields.setLabelAlignment(Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignVCenter)
        fields.addRow(self._labels["name"], self.name)
        fields.addRow(self._labels["source"], self.source)
        buttons = QHBoxLayout()
        buttons.addWidget(self.picked, 1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.create_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(fields)
        layout.addWidget(self.cases, 1)
        layout.addWidget(self.golden)
        layout.addWidget(self._labels["people"])
        layout.addWidget(self.people)
        layout.addLayout(buttons)
        self.source.activated.connect(lambda _i: self.source_changed.emit(self.source.currentData() or ""))
        self.golden.toggled.connect(self._golden_toggled)
        self.name.textChanged.connect(self._update_state)
        self.cases.itemChanged.connect(self._update_state)
        self.people.itemChanged.connect(self._update_state)
        self.create_button.clicked.connect(self._create)
        self.cancel_button.clicked.connect(self.cancelled)
        self._golden_toggled(False)
        self.retranslate_ui()

    # --- data ----------------------------------------------------------------------------------------------
    def reset(self) -> None:
        self.name.clear()
        self.golden.setChecked(False)
        for row in range(self.cases.rowCount()):
            item = self.cases.item(row, 0)
            if item is not None:
                item.setCheckState(Qt.CheckState.Unchecked)
        for index in range(self.people.rowCount()):
            self.people.item(index, 0).setCheckState(Qt.CheckState.Unchecked)
        self._update_state()

    def set_sources(self, batches: list[BatchInfo]) -> None:
        self._batches = list(batches)
        current = self.source.currentData() or ""
        self.source.blockSignals(True)
        self.source.clear()
        self.source.addItem(_("Recently decided cases"), "")
        for batch in batches:
            self.source.addItem(_("Batch: %(name)s") % {"name": neutralise_bidi(batch.name)}, batch.id)
        self.source.setCurrentIndex(max(0, self.source.findData(current)))
        self.source.blockSignals(False)

    def set_people(self, people: list[ReviewerInfo]) -> None:
        chosen = set(self.participant_ids())
        self.people.blockSignals(True)
        allowed = [p for p in people if permissions.allowed(p.role, "answer_calibration")]
        self.people.setRowCount(len(allowed))
        for row, person in enumerate(allowed):
            item = QTableWidgetItem()
            self.people.setItem(row, 0, item)
            item.setData(ID_ROLE, person.id)
            item.setData(Qt.ItemDataRole.UserRole, person)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if person.id in chosen else Qt.CheckState.Unchecked)
        self.people.blockSignals(False)
        self._label_people()
        self._update_state()

    def set_candidates(self, candidates: list[CalibrationCandidate]) -> None:
        self._candidates = list(candidates)
        self.cases.blockSignals(True)
        self.cases.setRowCount(len(candidates))
        for row, candidate in enumerate(candidates):
            ref = isolate(candidate.external_ref)
            item = QTableWidgetItem(f"{ref} · {neutralise_bidi(candidate.title)}")
            item.setData(ID_ROLE, candidate.case_id)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.cases.setItem(row, 0, item)
            self.cases.setItem(row, 1, QTableWidgetItem(candidate.queue_name))
            self.cases.setItem(row, 2, QTableWidgetItem(""))
            combo = QComboBox(self.cases)
            combo.setProperty("default", candidate.outcome)
            self.cases.setCellWidget(row, EXPECTED_COLUMN, combo)
        self.cases.blockSignals(False)
        self._label_candidates()
        self._update_state()

    def case_ids(self) -> tuple[str, ...]:
        return tuple(
            str(self.cases.item(row, 0).data(ID_ROLE))
            for row in range(self.cases.rowCount())
            if self.cases.item(row, 0) and self.cases.item(row, 0).checkState() == Qt.CheckState.Checked
        )

    def participant_ids(self) -> tuple[str, ...]:
        return tuple(
            str(self.people.item(i, 0).data(ID_ROLE))
            for i in range(self.people.rowCount())
            if self.people.item(i, 0) and self.people.item(i, 0).checkState() == Qt.CheckState.Checked
        )

    def check_case(self, case_id: str, checked: bool = True) -> None:
        for row in range(self.cases.rowCount()):
            item = self.cases.item(row, 0)
            if item is not None and item.data(ID_ROLE) == case_id:
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def check_person(self, reviewer_id: str, checked: bool = True) -> None:
        for index in range(self.people.rowCount()):
            item = self.people.item(index, 0)
            if item is not None and item.data(ID_ROLE) == reviewer_id:
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def expected_combo(self, case_id: str) -> QComboBox | None:
        for row in range(self.cases.rowCount()):
            item = self.cases.item(row, 0)
            if item is not None and item.data(ID_ROLE) == case_id:
                widget = self.cases.cellWidget(row, EXPECTED_COLUMN)
                return widget if isinstance(widget, QComboBox) else None
        return None

    def _expected(self) -> tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]:
        if not self.golden.isChecked():
            return ()
        wanted = set(self.case_ids())
        result = []
        for row in range(self.cases.rowCount()):
            item = self.cases.item(row, 0)
            combo = self.cases.cellWidget(row, EXPECTED_COLUMN)
            if item is not None and item.data(ID_ROLE) in wanted and isinstance(combo, QComboBox):
                result.append((str(item.data(ID_ROLE)), str(combo.currentData() or ""), ()))
        return tuple(result)

    def _create(self) -> None:
        if self.create_button.isEnabled():
            self.create_requested.emit(
                self.name.text().strip(), self.case_ids(), self.participant_ids(), self._expected()
            )

    def _golden_toggled(self, checked: bool) -> None:
        self.cases.setColumnHidden(EXPECTED_COLUMN, not checked)

    def _update_state(self, *_args: object) -> None:
        cases, people = len(self.case_ids()), len(self.participant_ids())
        self.create_button.setEnabled(bool(self.name.text().strip()) and cases >= 1 and people >= 2)
        self.picked.setText(
            _(
                "%(cases)s cases and %(people)s participants picked; a session needs a name, a case and two people."
            )
            % {"cases": formatting.number(cases), "people": formatting.number(people)}
        )

    # --- text ----------------------------------------------------------------------------------------------
    def _label_candidates(self) -> None:
        for row, candidate in enumerate(self._candidates):
            cell = self.cases.item(row, 2)
            if cell is not None:
                cell.setText(_(OUTCOMES.get(candidate.outcome, candidate.outcome)))
            combo = self.cases.cellWidget(row, EXPECTED_COLUMN)
            if isinstance(combo, QComboBox):
                current = combo.currentData() or combo.property("default")
                combo.blockSignals(True)
                combo.clear()
                for code, label in OUTCOMES.items():
                    combo.addItem(_(label), code)
                combo.setCurrentIndex(max(0, combo.findData(current)))
                combo.blockSignals(False)

    def _label_people(self) -> None:
        for index in range(self.people.rowCount()):
            item = self.people.item(index, 0)
            if item is None:
                continue
            person = item.data(Qt.ItemDataRole.UserRole)
            item.setText(
                _("%(name)s (%(role)s)")
                % {"name": neutralise_bidi(person.name), "role": _(ROLES.get(person.role, person.role))}
            )

    def retranslate_ui(self) -> None:
        self._labels["name"].setText(_("Name"))
        self._labels["source"].setText(_("Pick cases from"))
        self._labels["people"].setText(_("Participants (they answer each case on their own)"))
        self.name.setPlaceholderText(_("For example: Week 48, harassment"))
        self.golden.setText(_("Golden set: record the expected outcome of each case"))
        self.create_button.setText(_("Create session"))
        self.cancel_button.setText(_("Cancel"))
        self.cases.setHorizontalHeaderLabels([_(title) for title in CANDIDATE_COLUMNS])
        self.set_sources(self._batches)
        self._label_candidates()
        self._label_people()
        self._update_state()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)
