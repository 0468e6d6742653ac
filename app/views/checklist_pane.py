"""The policy checklist sidebar: each relevant policy's elements and exceptions, answered one by one, and the
outcome the answers suggest."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import QComboBox, QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from app.core.vocabulary import ANSWERS, OUTCOMES
from app.i18n import N_, _
from app.services.dto import CaseDetail, PolicyChecklist, PolicyRef
from app.views.labels import policy_label
from app.widgets.checklist_row import ChecklistRow
from app.widgets.safe_text import plain_label

VERDICTS = {
    "violated": N_("Violated"),
    "not_violated": N_("Not violated"),
    "undetermined": N_("Undetermined"),
}


SECTIONS_KEPT = 24  # policy sections kept built for cases to come; a queue uses a handful
PREPARE_DELAY_MS = 200  # sections are prepared once the window has settled after start


class PolicySection(QWidget):
    """One policy's heading, verdict and rows. Built once per policy version and refilled with each case's
    answers, since a version's elements never change."""

    def __init__(self, checklist: PolicyChecklist, pane: ChecklistPane) -> None:
        super().__init__(pane.inner)
        self.checklist = checklist
        self.title = plain_label(self, role="heading", wrap=True)
        self.title.setToolTip(checklist.summary)
        self.badge = plain_label(self, role="badge")
        self.exceptions: QLabel | None = None
        self.rows: list[ChecklistRow] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignLeading)
        for element in checklist.elements:
            if element.kind == "exception" and self.exceptions is None:
                self.exceptions = plain_label(self, role="muted")
                layout.addWidget(self.exceptions)
            row = ChecklistRow(element.element_id, element.text, element.guidance, self)
            row.answered.connect(pane.answered)
            row.move_requested.connect(lambda step, r=row: pane.move_from(r, step))
            self.rows.append(row)
            layout.addWidget(row)
        self.retranslate_ui()

    def fill(self, checklist: PolicyChecklist, editable: bool) -> None:
        self.checklist = checklist
        for row, element in zip(self.rows, checklist.elements, strict=True):
            row.set_answer(element.answer, element.evidence)
            row.set_editable(editable)
        self.badge.setText(_(VERDICTS[checklist.verdict]))

    def retranslate_ui(self) -> None:
        checklist = self.checklist
        self.title.setText(policy_label(checklist.code, checklist.version, checklist.title))
        self.badge.setText(_(VERDICTS[checklist.verdict]))
        if self.exceptions is not None:
            self.exceptions.setText(_("Exceptions: does any of these apply?"))
        for row in self.rows:
            row.set_labels(
                _(ANSWERS["met"]), _(ANSWERS["not_met"]), _(ANSWERS["unsure"]), _("Evidence (optional)")
            )


def section_key(checklist: PolicyChecklist) -> tuple[str, ...]:
    return (checklist.policy_id, *(e.element_id for e in checklist.elements))


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
        self.rows: list[ChecklistRow] = []  # the open case's rows, in order
        # Policy sections by policy version and elements, least recently used first; the open case's are shown.
        self._sections: OrderedDict[tuple[str, ...], PolicySection] = OrderedDict()
        self._shown: list[PolicySection] = []
        self._to_prepare: list[PolicyChecklist] = []
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
        self._case = case
        self._editable = editable
        self._inner.setUpdatesEnabled(False)  # one repaint for the whole refill, not one per row
        try:
            self._fill()
        finally:
            self._inner.setUpdatesEnabled(True)
        self._retranslate_case()

    @property
    def inner(self) -> QWidget:
        return self._inner

    def prepare(self, checklists: Sequence[PolicyChecklist]) -> None:
        """Build the sections of policies cases are likely to show ahead of time, one per idle moment, so the
        first case of each policy does not pay for building its rows."""
        self._to_prepare = list(checklists)
        QTimer.singleShot(PREPARE_DELAY_MS, self, self._prepare_next)

    def _prepare_next(self) -> None:
        while self._to_prepare and len(self._sections) < SECTIONS_KEPT:
            checklist = self._to_prepare.pop(0)
            key = section_key(checklist)
            if key in self._sections:
                continue
            section = PolicySection(checklist, self)
            section.ensurePolished()  # style now, not when the first case shows it
            self._sections[key] = section
            self._sections.move_to_end(key, last=False)  # behind every section a case has used
            QTimer.singleShot(0, self, self._prepare_next)
            return

    def focus_first_open(self) -> None:
        target = next((r for r in self.rows if r.answer is None), self.rows[0] if self.rows else None)
        if target is not None:
            target.setFocus()
            self._scroll.ensureWidgetVisible(target)

    def _fill(self) -> None:
        """Show the case's policy sections, built before where possible, with the case's answers.

        The layout is only rearranged when the list of policies changes; between cases of one queue it does not.
        """
        checklists = self._case.checklists if self._case is not None else ()
        shown: list[PolicySection] = []
        for checklist in checklists:
            key = section_key(checklist)
            section = self._sections.pop(key, None)
            if section is None:
                section = PolicySection(checklist, self)
            self._sections[key] = section  # most recently used last
            section.fill(checklist, self._editable)
            shown.append(section)
        if shown != self._shown:
            while self._rows_layout.count():
                self._rows_layout.takeAt(0)  # the sections stay, kept for later cases
            for section in self._shown:
                if section not in shown:
                    section.hide()
            for section in shown:
                self._rows_layout.addWidget(section)
                section.show()
            self._rows_layout.addStretch(1)
            self._shown = shown
        self.rows = [row for section in shown for row in section.rows]
        for key in list(self._sections)[: max(0, len(self._sections) - SECTIONS_KEPT)]:
            if self._sections[key] not in shown:
                self._sections.pop(key).deleteLater()

    def move_from(self, row: ChecklistRow, step: int) -> None:
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
        for section in self._sections.values():
            section.retranslate_ui()
        self._retranslate_case()

    def _retranslate_case(self) -> None:
        """The suggested outcome, which depends on the open case (the sections set their own verdicts)."""
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
