"""After the blind outcome: original and audit side by side (differences marked for the theme to highlight),
the rubric to score the original, and findings to raise."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.core import formatting
from app.core.untrusted import isolate
from app.core.vocabulary import ANSWERS, OUTCOMES
from app.i18n import _, ngettext
from app.services.qa.dto import Comparison
from app.services.qa.vocabulary import FINDING_CATEGORIES, FINDING_STATUSES, SCORE_LABELS
from app.views.content_pane import clear_layout
from app.widgets.safe_text import SafeLabel, SafeTextView, plain_label


def mark(widget: QWidget, differs: bool) -> None:
    """Flag a cell as differing; resources/themes/overrides.qss highlights [diff="true"]."""
    widget.setProperty("diff", "true" if differs else "false")
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class RevealPanel(QWidget):
    """Signals:
    scores_submitted: (review id, ((criterion, value), ...)).
    finding_raised: (review id, category, note).
    """

    scores_submitted = Signal(str, object)
    finding_raised = Signal(str, str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("qaReveal")
        self._comparison: Comparison | None = None
        self.heading = plain_label(self, role="heading")
        self.verdict = plain_label(self, wrap=True)
        self.verdict.setObjectName("qaAgreement")
        inner = QWidget(self)
        self._grid = QGridLayout()
        self._grid.setColumnStretch(1, 1)
        self._grid.setColumnStretch(2, 1)
        self._cells: dict[str, tuple[QLabel, QWidget, QWidget]] = {}
        self.rubric_heading = plain_label(inner, role="heading")
        self._rubric = QFormLayout()
        self._rubric.setLabelAlignment(Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignVCenter)
        self.score_combos: dict[str, QComboBox] = {}
        self.save_scores = QPushButton(inner)
        self.save_scores.setObjectName("qaSaveScores")
        self.finding_heading = plain_label(inner, role="heading")
        self.category = QComboBox(inner)
        self.category.setObjectName("qaFindingCategory")
        self.note = QPlainTextEdit(inner)
        self.note.setObjectName("qaFindingNote")
        self.note.setMaximumHeight(70)
        self.raise_button = QPushButton(inner)
        self.raise_button.setObjectName("qaRaiseFinding")
        self._findings = QVBoxLayout()
        layout = QVBoxLayout(inner)
        layout.addLayout(self._grid)
        layout.addSpacing(10)
        layout.addWidget(self.rubric_heading)
        layout.addLayout(self._rubric)
        save_row = QHBoxLayout()
        save_row.addStretch(1)
        save_row.addWidget(self.save_scores)
        layout.addLayout(save_row)
        layout.addWidget(self.finding_heading)
        layout.addLayout(self._findings)
        finding_row = QHBoxLayout()
        finding_row.addWidget(self.category)
        finding_row.addWidget(self.note, 1)
        finding_row.addWidget(self.raise_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(finding_row)
        layout.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(inner)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.heading)
        outer.addWidget(self.verdict)
        outer.addWidget(scroll, 1)
        self._inner = inner
        self.save_scores.clicked.connect(self._submit_scores)
        self.raise_button.clicked.connect(self._raise)
        self.retranslate_ui()

    @property
    def comparison(self) -> Comparison | None:
        return self._comparison

    def show_comparison(self, comparison: Comparison) -> None:
        same = self._comparison is not None and self._comparison.review_id == comparison.review_id
        unsaved = self._unsaved_scores() if same else {}
        self._comparison = comparison
        self._build_grid()
        if not same:
            self._build_rubric()
            self.note.clear()
        self._set_scores(unsaved)
        self._build_findings()
        self.retranslate_ui()

    # --- building ------------------------------------------------------------------------------------------
    def _row(self, key: str, row: int, original: QWidget, audit: QWidget, differs: bool) -> None:
        label = plain_label(self._inner, role="muted", wrap=True)
        self._grid.addWidget(label, row, 0, Qt.AlignmentFlag.AlignTop)
        self._grid.addWidget(original, row, 1)
        self._grid.addWidget(audit, row, 2)
        mark(original, differs)
        mark(audit, differs)
        self._cells[key] = (label, original, audit)

    def _text_cell(self, text: str) -> SafeLabel:
        cell = SafeLabel(text, self._inner)
        cell.setWordWrap(True)
        cell.setProperty("role", "cell")
        return cell

    def _build_grid(self) -> None:
        clear_layout(self._grid)
        self._cells = {}
        c = self._comparison
        if c is None:
            return
        self.original_header = plain_label(self._inner, role="heading")
        self.audit_header = plain_label(self._inner, role="heading")
        self._grid.addWidget(self.original_header, 0, 1)
        self._grid.addWidget(self.audit_header, 0, 2)
        differs = {d.field for d in c.differences}
        self._row("outcome", 1, self._text_cell(""), self._text_cell(""), "outcome" in differs)
        self._row(
            "policy",
            2,
            self._text_cell(c.original_policy or "—"),
            self._text_cell(c.audit_policy or "—"),
            "policy" in differs,
        )
        self._row("who", 3, self._text_cell(""), self._text_cell(""), False)
        original_rationale = SafeTextView(self._inner)
        original_rationale.set_untrusted(
            c.original_rationale + (f"\n\n{c.original_override}" if c.original_override else "")
        )
        audit_rationale = SafeTextView(self._inner)
        audit_rationale.set_untrusted(c.audit_rationale or "—")
        self._row("rationale", 4, original_rationale, audit_rationale, False)
        for offset, element in enumerate(c.elements, start=5):
            self._row(
                f"element:{element.element_id}",
                offset,
                self._text_cell(""),
                self._text_cell(""),
                element.differs,
            )

    def _build_rubric(self) -> None:
        while self._rubric.rowCount():
            self._rubric.removeRow(0)
        self.score_combos = {}
        if self._comparison is None:
            return
        for criterion in self._comparison.rubric:
            combo = QComboBox(self._inner)
            combo.setObjectName(f"qaScore_{criterion.key}")
            combo.setProperty("max", criterion.max)
            self.score_combos[criterion.key] = combo
            self._rubric.addRow(QLabel(self._inner), combo)

    def _saved_score(self, key: str) -> int:
        value = self._comparison.scores.get(key) if self._comparison is not None else None
        return value if value is not None else -1

    def _unsaved_scores(self) -> dict[str, int]:
        """Scores picked but not saved yet; a reload of the same review (after a finding is raised, say) keeps
        them instead of putting the saved ones back."""
        return {
            key: combo.currentData()
            for key, combo in self.score_combos.items()
            if combo.currentData() is not None and combo.currentData() != self._saved_score(key)
        }

    def _set_scores(self, unsaved: dict[str, int] | None = None) -> None:
        if self._comparison is None:
            return
        self._fill_score_combos()
        for key, combo in self.score_combos.items():
            value = (unsaved or {}).get(key, self._saved_score(key))
            combo.setCurrentIndex(max(0, combo.findData(value)))

    def _fill_score_combos(self) -> None:
        for combo in self.score_combos.values():
            current = combo.currentData()
            top = int(combo.property("max") or 2)
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(_("Does not apply"), -1)
            for value in range(top + 1):
                label = _(SCORE_LABELS[value]) if top == 2 else ""
                combo.addItem(f"{value} · {label}" if label else str(value), value)
            combo.setCurrentIndex(max(0, combo.findData(current)))
            combo.blockSignals(False)

    def _build_findings(self) -> None:
        clear_layout(self._findings)
        if self._comparison is None:
            return
        for finding in self._comparison.findings:
            line = SafeLabel("", self._inner)
            line.setWordWrap(True)
            line.setProperty("role", "card")
            line.setProperty("finding", finding.id)
            self._findings.addWidget(line)

    # --- intents -------------------------------------------------------------------------------------------
    def _submit_scores(self) -> None:
        if self._comparison is None:
            return
        scores = tuple(
            (key, int(combo.currentData()))
            for key, combo in self.score_combos.items()
            if combo.currentData() not in (None, -1)
        )
        self.scores_submitted.emit(self._comparison.review_id, scores)

    def _raise(self) -> None:
        if self._comparison is not None:
            self.finding_raised.emit(
                self._comparison.review_id, self.category.currentData() or "", self.note.toPlainText()
            )

    def finding_saved(self) -> None:
        self.note.clear()

    # --- text ----------------------------------------------------------------------------------------------
    def _answer(self, value: str | None) -> str:
        return _(ANSWERS[value]) if value in ANSWERS else _("not answered")

    def retranslate_ui(self) -> None:
        c = self._comparison
        self.heading.setText(_("The original, beside your re-review"))
        self.rubric_heading.setText(_("Score the original decision"))
        self.finding_heading.setText(_("Findings"))
        self.save_scores.setText(_("Save scores"))
        self.raise_button.setText(_("Raise finding"))
        self.note.setPlaceholderText(_("What is wrong, and what the reviewer should do differently"))
        current = self.category.currentData()
        self.category.clear()
        for code, label in FINDING_CATEGORIES.items():
            self.category.addItem(_(label), code)
        self.category.setCurrentIndex(max(0, self.category.findData(current)))
        if c is None:
            self.verdict.setText("")
            return
        count = len(c.differences)
        self.verdict.setProperty("agreed", "true" if c.agreed else "false")
        self.verdict.setText(
            (_("Same outcome.") if c.agreed else _("Different outcome."))
            + " "
            + ngettext("%(count)s difference in all.", "%(count)s differences in all.", count)
            % {"count": formatting.number(count)}
        )
        mark(self.verdict, not c.agreed)
        self.original_header.setText(_("Original (%(ref)s)") % {"ref": isolate(c.external_ref)})
        self.audit_header.setText(_("Your re-review"))
        labels = {
            "outcome": _("Outcome"),
            "policy": _("Cited policy"),
            "who": _("By"),
            "rationale": _("Rationale"),
        }
        for key, (label, _original, _audit) in self._cells.items():
            if key in labels:
                label.setText(labels[key])
        self._cells["outcome"][1].setText(_(OUTCOMES.get(c.original_outcome, c.original_outcome)))  # type: ignore[attr-defined]
        self._cells["outcome"][2].setText(_(OUTCOMES.get(c.audit_outcome, c.audit_outcome)))  # type: ignore[attr-defined]
        self._cells["who"][1].set_untrusted(f"{c.original_reviewer} · {formatting.when(c.decided_at)}")  # type: ignore[attr-defined]
        self._cells["who"][2].set_untrusted(f"{c.auditor} · {formatting.when(c.audited_at)}")  # type: ignore[attr-defined]
        for element in c.elements:
            label, original, audit = self._cells[f"element:{element.element_id}"]
            label.setText(f"{element.policy_code} · {element.text}")
            original.setText(self._answer(element.original))  # type: ignore[attr-defined]
            audit.setText(self._answer(element.audit))  # type: ignore[attr-defined]
        for index in range(self._rubric.rowCount()):
            criterion = c.rubric[index]
            item = self._rubric.itemAt(index, QFormLayout.ItemRole.LabelRole)
            if item is not None and isinstance(item.widget(), QLabel):
                item.widget().setText(_(criterion.label) if criterion.builtin else criterion.label)  # type: ignore[union-attr]
        self._fill_score_combos()
        for index in range(self._findings.count()):
            widget = self._findings.itemAt(index).widget()
            finding = (
                next((f for f in c.findings if f.id == widget.property("finding")), None) if widget else None
            )
            if finding is not None and isinstance(widget, SafeLabel):
                widget.set_untrusted(
                    f"{_(FINDING_CATEGORIES.get(finding.category, finding.category))} · "
                    f"{_(FINDING_STATUSES.get(finding.status, finding.status))}: {finding.note}"
                )

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)
