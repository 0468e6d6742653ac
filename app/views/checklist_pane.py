"""The policy checklist sidebar: each relevant policy's elements and exceptions, answered one by one, and the
outcome the answers suggest."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QComboBox, QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from app.core.vocabulary import ANSWERS, OUTCOMES
from app.i18n import N_, _
from app.services.dto import CaseDetail, PolicyChecklist, PolicyRef
from app.views.content_pane import clear_layout
from app.views.labels import policy_label
from app.widgets.checklist_row import ChecklistRow
from app.widgets.safe_text import plain_label

VERDICTS = {
    "violated": N_("Violated"),
    "not_violated": N_("Not violated"),
    "undetermined": N_("Undetermined"),
}


class ChecklistPane(QWidget):
    """Signals:
    answered: (element id, answer, evidence) for the open case.
    policy_added: a policy id the reviewer wants on this case's checklist.
    """

    answered = Signal(str, str, str)
    policy_added = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("checklistPane")
        self._case: CaseDetail | None = None
        self._editable = False
        self.rows: list[ChecklistRow] = []
        self._headers: list[tuple[QLabel, QLabel, PolicyChecklist]] = []
        self._exception_labels: list[QLabel] = []
        self.heading = plain_label(self)
        self.heading.setProperty("role", "heading")
        self.hint = plain_label(self)
        self.hint.setProperty("role", "muted")
        self.hint.setWordWrap(True)
        self.suggestion = plain_label(self)
        self.suggestion.setObjectName("suggestedOutcome")
        self.suggestion.setWordWrap(True)
        self.add_policy = QComboBox(self)
        self.add_policy.activated.connect(self._add_policy)
        self._scroll = QScrollArea(self)
        self._scroll.setWidgetResizable(True)
        self._scroll.setFrameShape(QFrame.Shape.NoFrame)
        self._inner = QWidget(self._scroll)
        self._rows_layout = QVBoxLayout(self._inner)
        self._rows_layout.setContentsMargins(0, 0, 0, 0)
        self._scroll.setWidget(self._inner)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.heading)
        layout.addWidget(self.hint)
        layout.addWidget(self._scroll, 1)
        layout.addWidget(self.add_policy)
        layout.addWidget(self.suggestion)
        self._policies: list[PolicyRef] = []
        self.retranslate_ui()

    def set_policies(self, policies: list[PolicyRef]) -> None:
        self._policies = policies
        self._fill_policy_combo()

    def show_case(self, case: CaseDetail | None, editable: bool) -> None:
        rebuild = (
            case is None
            or self._case is None
            or case.id != self._case.id
            or [c.policy_id for c in case.checklists] != [c.policy_id for c in self._case.checklists]
        )
        self._case = case
        self._editable = editable
        if rebuild:
            self._build()
        else:
            self._update_answers()
        self.retranslate_ui()

    def focus_first_open(self) -> None:
        target = next((r for r in self.rows if r.answer is None), self.rows[0] if self.rows else None)
        if target is not None:
            target.setFocus()
            self._scroll.ensureWidgetVisible(target)

    def _build(self) -> None:
        clear_layout(self._rows_layout)
        self.rows = []
        self._headers = []
        self._exception_labels = []
        case = self._case
        if case is None:
            return
        for checklist in case.checklists:
            title = plain_label(self._inner, role="heading", wrap=True)
            title.setToolTip(checklist.summary)
            verdict = plain_label(self._inner, role="badge")
            self._headers.append((title, verdict, checklist))
            self._rows_layout.addWidget(title)
            self._rows_layout.addWidget(verdict, 0, Qt.AlignmentFlag.AlignLeading)
            exceptions_shown = False
            for element in checklist.elements:
                if element.kind == "exception" and not exceptions_shown:
                    label = plain_label(self._inner)
                    label.setProperty("role", "muted")
                    self._exception_labels.append(label)
                    self._rows_layout.addWidget(label)
                    exceptions_shown = True
                row = ChecklistRow(element.element_id, element.text, element.guidance, self._inner)
                row.set_answer(element.answer, element.evidence)
                row.set_editable(self._editable)
                row.answered.connect(self.answered)
                row.move_requested.connect(lambda step, r=row: self._move(r, step))
                self.rows.append(row)
                self._rows_layout.addWidget(row)
        self._rows_layout.addStretch(1)

    def _update_answers(self) -> None:
        case = self._case
        if case is None:
            return
        answers = {e.element_id: e for c in case.checklists for e in c.elements}
        for row in self.rows:
            element = answers.get(row.key)
            if element is not None:
                row.set_answer(element.answer, element.evidence)
            row.set_editable(self._editable)
        self._headers = [
            (t, v, next(c for c in case.checklists if c.policy_id == p.policy_id))
            for t, v, p in self._headers
        ]

    def _move(self, row: ChecklistRow, step: int) -> None:
        index = self.rows.index(row) + step
        if 0 <= index < len(self.rows):
            self.rows[index].setFocus()
            self._scroll.ensureWidgetVisible(self.rows[index])

    def _add_policy(self, index: int) -> None:
        policy_id = self.add_policy.itemData(index)
        if policy_id:
            self.policy_added.emit(policy_id)
        self.add_policy.setCurrentIndex(0)

    def _fill_policy_combo(self) -> None:
        self.add_policy.blockSignals(True)
        self.add_policy.clear()
        self.add_policy.addItem(_("Add another policy…"), "")
        for ref in self._policies:
            self.add_policy.addItem(policy_label(ref.code, ref.version, ref.title), ref.id)
        self.add_policy.blockSignals(False)

    def retranslate_ui(self) -> None:
        self.heading.setText(_("Policy checklist"))
        self.hint.setText(_("Focus an element and press 1 met, 2 not met, 3 unsure; Up and Down move."))
        self._fill_policy_combo()
        for row in self.rows:
            row.set_labels(
                _(ANSWERS["met"]), _(ANSWERS["not_met"]), _(ANSWERS["unsure"]), _("Evidence (optional)")
            )
        for label in self._exception_labels:
            label.setText(_("Exceptions: does any of these apply?"))
        for title, badge, checklist in self._headers:
            title.setText(policy_label(checklist.code, checklist.version, checklist.title))
            badge.setText(_(VERDICTS[checklist.verdict]))
        case = self._case
        if case is None:
            self.suggestion.setText("")
        elif case.suggested_outcome:
            self.suggestion.setText(
                _("Suggested outcome: %(outcome)s") % {"outcome": _(OUTCOMES[case.suggested_outcome])}
            )
        else:
            self.suggestion.setText(_("Suggested outcome: answer the checklist first"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)
