"""The decision form: outcome, cited policy, rationale, the statement-of-reasons fields, and the override a
decision needs when it contradicts its own checklist. Past decisions of the case are listed above it."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.core import formatting
from app.core.untrusted import isolate
from app.core.vocabulary import OUTCOMES
from app.i18n import _
from app.services.dto import CaseDetail
from app.services.forms import DecisionForm
from app.services.rules import contradiction
from app.views.labels import policy_label
from app.widgets.safe_text import plain_label


class DecisionTab(QWidget):
    """Signals:
    decision_submitted: a DecisionForm.
    """

    decision_submitted = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("decisionTab")
        self._case: CaseDetail | None = None
        self.history = plain_label(self)
        self.history.setWordWrap(True)
        self.history.setProperty("role", "muted")
        self.outcome = QComboBox(self)
        self.outcome.setObjectName("decisionOutcome")
        self.policy = QComboBox(self)
        self.policy.setObjectName("decisionPolicy")
        self.rationale = QPlainTextEdit(self)
        self.rationale.setObjectName("decisionRationale")
        self.rationale.setMaximumHeight(90)
        self.scope = QLineEdit(self)
        self.duration = QSpinBox(self)
        self.duration.setRange(0, 3650)
        self.duration.setMinimumWidth(120)
        self.legal = QLineEdit(self)
        self.override = QPlainTextEdit(self)
        self.override.setObjectName("decisionOverride")
        self.override.setMaximumHeight(60)
        self.warning = plain_label(self)
        self.warning.setProperty("role", "warning")
        self.warning.setWordWrap(True)
        self.submit_button = QPushButton(self)
        self.submit_button.setObjectName("submitDecision")
        self.submit_button.clicked.connect(self.submit)
        self._labels = {
            key: plain_label(self)
            for key in ("outcome", "policy", "rationale", "scope", "duration", "legal", "override")
        }
        # Two columns: what is decided on the leading side, why on the trailing side.
        what = QFormLayout()
        what.addRow(self._labels["outcome"], self.outcome)
        what.addRow(self._labels["policy"], self.policy)
        what.addRow(self._labels["scope"], self.scope)
        what.addRow(self._labels["duration"], self.duration)
        what.addRow(self._labels["legal"], self.legal)
        why = QFormLayout()
        why.addRow(self._labels["rationale"], self.rationale)
        why.addRow(self._labels["override"], self.override)
        columns = QHBoxLayout()
        columns.addLayout(what, 1)
        columns.addLayout(why, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.history)
        layout.addLayout(columns)
        bottom = QHBoxLayout()
        bottom.addWidget(self.warning, 1)
        bottom.addWidget(self.submit_button)
        layout.addLayout(bottom)
        self.outcome.currentIndexChanged.connect(lambda _i: self._check())
        self.policy.currentIndexChanged.connect(lambda _i: self._check())
        self.retranslate_ui()

    def show_case(self, case: CaseDetail | None, editable: bool) -> None:
        changed = case is None or self._case is None or case.id != self._case.id
        self._case = case
        self._fill_policies()
        if changed:
            self.rationale.clear()
            self.override.clear()
            self.legal.clear()
            self.duration.setValue(0)
            self.scope.clear()
            if case is not None and case.suggested_outcome:
                self.outcome.setCurrentIndex(max(0, self.outcome.findData(case.suggested_outcome)))
        self.setEnabled(case is not None)
        self.submit_button.setEnabled(editable)
        self._render_history()
        self._check()

    def preselect_suggestion(self) -> None:
        if self._case is not None and self._case.suggested_outcome:
            self.outcome.setCurrentIndex(max(0, self.outcome.findData(self._case.suggested_outcome)))

    def form(self) -> DecisionForm:
        scope = tuple(c.strip().upper() for c in self.scope.text().replace(";", ",").split(",") if c.strip())
        return DecisionForm(
            outcome=self.outcome.currentData(),
            rationale=self.rationale.toPlainText(),
            policy_id=self.policy.currentData() or None,
            override_reason=self.override.toPlainText(),
            territorial_scope=scope or ("*",),
            duration_days=self.duration.value() or None,
            legal_reference=self.legal.text(),
        )

    def submit(self) -> None:
        self.decision_submitted.emit(self.form())

    def _check(self) -> None:
        case = self._case
        problem = ""
        if case is not None and self.outcome.currentData():
            problem = contradiction(
                self.outcome.currentData(), self.policy.currentData() or None, case.checklists
            )
        self.warning.setVisible(bool(problem))
        if problem:
            self.warning.setText(
                _("This outcome contradicts the checklist (%(why)s). Give an override reason to record it.")
                % {"why": problem}
            )

    def _fill_policies(self) -> None:
        checklists = self._case.checklists if self._case is not None else ()
        choices = [
            (_("No policy (no violation)"), ""),
            *((policy_label(c.code, c.version, c.title), c.policy_id) for c in checklists),
        ]
        current = self.policy.currentData()
        self.policy.blockSignals(True)
        shown = [(self.policy.itemText(i), self.policy.itemData(i)) for i in range(self.policy.count())]
        if shown != choices:  # cases of one queue offer the same choices: keep the items then
            self.policy.clear()
            for label, policy_id in choices:
                self.policy.addItem(label, policy_id)
        if self._case is not None:
            violated = next((c for c in checklists if c.verdict == "violated"), None)
            wanted = (
                current if self.policy.findData(current) > 0 else (violated.policy_id if violated else "")
            )
            self.policy.setCurrentIndex(max(0, self.policy.findData(wanted)))
        self.policy.blockSignals(False)

    def _render_history(self) -> None:
        case = self._case
        if case is None or not case.decisions:
            self.history.setText(_("No decision yet."))
            return
        lines = []
        for decision in case.decisions:
            lines.append(
                _("%(when)s · %(who)s: %(outcome)s under %(policy)s — %(rationale)s")
                % {
                    "when": formatting.when(decision.created_at),
                    "who": isolate(decision.author_name),
                    "outcome": _(OUTCOMES.get(decision.outcome, decision.outcome)),
                    "policy": isolate(
                        policy_label(decision.policy.code, decision.policy.version, decision.policy.title)
                    )
                    if decision.policy
                    else "—",
                    "rationale": decision.rationale,
                }
            )
        self.history.setText("\n".join(lines))

    def retranslate_ui(self) -> None:
        current = self.outcome.currentData()
        self.outcome.blockSignals(True)
        self.outcome.clear()
        for code, label in OUTCOMES.items():
            self.outcome.addItem(_(label), code)
        self.outcome.setCurrentIndex(max(0, self.outcome.findData(current)))
        self.outcome.blockSignals(False)
        self._labels["outcome"].setText(_("Outcome"))
        self._labels["policy"].setText(_("Cited policy"))
        self._labels["rationale"].setText(_("Rationale"))
        self._labels["scope"].setText(_("Countries"))
        self._labels["duration"].setText(_("Days"))
        self._labels["legal"].setText(_("Legal reference"))
        self._labels["override"].setText(_("Override reason"))
        self.scope.setPlaceholderText(_("Worldwide, or codes such as DE, IN"))
        self.duration.setSpecialValueText(_("Indefinite"))
        self.rationale.setPlaceholderText(_("Why this outcome, in words a colleague and the user can follow"))
        self.override.setPlaceholderText(_("Only when the outcome departs from the checklist"))
        self.submit_button.setText(_("Record decision (Ctrl+Enter)"))
        self._fill_policies()
        self._render_history()
        self._check()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)
