"""The blind re-review screen: the case's content and the auditor's own checklist and outcome, with nothing of
the original decision; after the outcome is recorded, Reveal puts original and audit side by side.

Content is shown through the safe-text widgets only. Popularity (views, followers) is left out, so it cannot
sway the judgement.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.core import formatting
from app.core.vocabulary import ANSWERS, CONTENT_KINDS, OUTCOMES, SEVERITIES, SOURCE_TYPES
from app.i18n import N_, _
from app.services.qa.dto import BlindCase, Comparison
from app.views.content_pane import clear_layout, content_direction
from app.views.qa.reveal_panel import RevealPanel
from app.widgets.checklist_row import ChecklistRow
from app.widgets.safe_text import SafeLabel, SafeTextView, plain_label
from app.widgets.scrolling import vertical_scroller

VERDICTS = {
    "violated": N_("Violated"),
    "not_violated": N_("Not violated"),
    "undetermined": N_("Undetermined"),
}


class BlindReviewView(QWidget):
    """Signals:
    answered: (element id, answer, evidence) for the open item.
    policy_added: a policy id to add to the checklist.
    review_submitted: (outcome, policy id or "", rationale).
    reveal_requested: the auditor asks to see the original.
    step_requested: +1 or -1 to move to the next or previous item of the batch.
    """

    answered = Signal(str, str, str)
    policy_added = Signal(str)
    review_submitted = Signal(str, str, str)
    reveal_requested = Signal()
    step_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("qaBlindReview")
        self._case: BlindCase | None = None
        self.rows: list[ChecklistRow] = []
        self._badges: list[tuple[QLabel, str]] = []
        self.position = plain_label(self, role="heading")
        self.position.setObjectName("qaItemPosition")
        self.blind_note = plain_label(self, role="muted", wrap=True)
        self.previous_button = QPushButton(self)
        self.next_button = QPushButton(self)
        # content column
        self._content = QWidget(self)
        self.title = SafeLabel("", self._content)
        self.title.setObjectName("qaCaseTitle")
        self.title.setProperty("role", "heading")
        self.title.setWordWrap(True)
        self.facts = plain_label(self._content, wrap=True)
        self.reason_label = plain_label(self._content, role="muted")
        self.reason = SafeLabel("", self._content)
        self.reason.setWordWrap(True)
        self._cards = QVBoxLayout()
        content_layout = QVBoxLayout(self._content)
        content_layout.addWidget(self.title)
        content_layout.addWidget(self.facts)
        content_layout.addWidget(self.reason_label)
        content_layout.addWidget(self.reason)
        content_layout.addLayout(self._cards)
        content_layout.addStretch(1)
        # blind form column
        self._form = QWidget(self)
        self.checklist_heading = plain_label(self._form, role="heading")
        self._checklist_box = QWidget(self._form)
        self._checklist = QVBoxLayout(self._checklist_box)
        self._checklist.setContentsMargins(0, 0, 0, 0)
        self.add_policy = QComboBox(self._form)
        self.suggestion = plain_label(self._form, wrap=True)
        self.suggestion.setObjectName("qaSuggestedOutcome")
        self.outcome = QComboBox(self._form)
        self.outcome.setObjectName("qaOutcome")
        self.policy = QComboBox(self._form)
        self.policy.setObjectName("qaPolicy")
        self.rationale = QPlainTextEdit(self._form)
        self.rationale.setObjectName("qaRationale")
        self.rationale.setMaximumHeight(90)
        self.submit_button = QPushButton(self._form)
        self.submit_button.setObjectName("qaSubmitReview")
        self.reveal_button = QPushButton(self._form)
        self.reveal_button.setObjectName("qaReveal")
        self._labels = {key: QLabel(self._form) for key in ("outcome", "policy", "rationale")}
        form_layout = QVBoxLayout(self._form)
        form_layout.addWidget(self.checklist_heading)
        form_layout.addWidget(vertical_scroller(self._form, self._checklist_box), 1)
        form_layout.addWidget(self.add_policy)
        form_layout.addWidget(self.suggestion)
        fields = QFormLayout()
        fields.setLabelAlignment(Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignVCenter)
        fields.addRow(self._labels["outcome"], self.outcome)
        fields.addRow(self._labels["policy"], self.policy)
        fields.addRow(self._labels["rationale"], self.rationale)
        form_layout.addLayout(fields)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.submit_button)
        buttons.addWidget(self.reveal_button)
        form_layout.addLayout(buttons)
        self.reveal = RevealPanel(self)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self._form)
        self.stack.addWidget(self.reveal)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(vertical_scroller(self, self._content))
        split.addWidget(self.stack)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setSizes([700, 700])
        top = QHBoxLayout()
        top.addWidget(self.position)
        top.addWidget(self.blind_note, 1)
        top.addWidget(self.previous_button)
        top.addWidget(self.next_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        self.add_policy.activated.connect(self._add_policy)
        self.submit_button.clicked.connect(self.submit)
        self.reveal_button.clicked.connect(self.reveal_requested)
        self.previous_button.clicked.connect(lambda: self.step_requested.emit(-1))
        self.next_button.clicked.connect(lambda: self.step_requested.emit(1))
        self.show_case(None)
        self.retranslate_ui()

    @property
    def case(self) -> BlindCase | None:
        return self._case

    # --- data ----------------------------------------------------------------------------------------------
    def show_case(self, case: BlindCase | None) -> None:
        rebuild = (
            case is None
            or self._case is None
            or case.item_id != self._case.item_id
            or [c.policy_id for c in case.checklists] != [c.policy_id for c in self._case.checklists]
        )
        new_item = case is None or self._case is None or case.item_id != self._case.item_id
        self._case = case
        if new_item:
            self.rationale.clear()
            self.stack.setCurrentIndex(0)
            self._render_content()
        if rebuild:
            self._build_checklist()
        else:
            self._update_answers()
        self._fill_policies()
        if new_item and case is not None and case.suggested_outcome:
            self.outcome.setCurrentIndex(max(0, self.outcome.findData(case.suggested_outcome)))
        self._update_state()
        self.retranslate_ui()

    def show_comparison(self, comparison: Comparison) -> None:
        if self._case is None or comparison.item_id != self._case.item_id:
            return
        self.reveal.show_comparison(comparison)
        self.stack.setCurrentIndex(1)

    def submit(self) -> None:
        if self._case is None or self._case.submitted:
            return
        self.review_submitted.emit(
            self.outcome.currentData() or "", self.policy.currentData() or "", self.rationale.toPlainText()
        )

    def _render_content(self) -> None:
        clear_layout(self._cards)
        case = self._case
        for widget in (self.title, self.facts, self.reason_label, self.reason):
            widget.setVisible(case is not None)
        if case is None:
            return
        self.title.set_untrusted(case.title)
        self.reason.set_untrusted(case.report_reason)
        self.reason.setVisible(bool(case.report_reason))
        self.reason_label.setVisible(bool(case.report_reason))
        for item in case.content:
            card = QFrame(self._content)
            card.setProperty("role", "reported" if item.reported else "card")
            author = SafeLabel("@" + item.author_handle if item.author_handle else "", card, identifier=True)
            author.setProperty("role", "muted")
            kind = plain_label(card, role="muted")
            kind.setProperty("kind", item.kind)
            body = SafeTextView(card)
            body.set_untrusted(item.text, content_direction(item.language))
            head = QHBoxLayout()
            head.addWidget(author)
            head.addStretch(1)
            head.addWidget(kind)
            inner = QVBoxLayout(card)
            inner.setContentsMargins(10, 8, 10, 8)
            inner.addLayout(head)
            inner.addWidget(body)
            if item.link_url:
                link = SafeLabel(item.link_url, card, identifier=True)
                link.setWordWrap(True)
                inner.addWidget(link)
            self._cards.addWidget(card)

    def _build_checklist(self) -> None:
        clear_layout(self._checklist)
        self.rows = []
        self._badges = []
        case = self._case
        if case is None:
            return
        for checklist in case.checklists:
            title = plain_label(self._checklist_box, role="heading", wrap=True)
            title.setText(f"{checklist.code} v{checklist.version} · {checklist.title}")
            badge = plain_label(self._checklist_box, role="badge")
            self._badges.append((badge, checklist.policy_id))
            self._checklist.addWidget(title)
            self._checklist.addWidget(badge, 0, Qt.AlignmentFlag.AlignLeading)
            for element in checklist.elements:
                row = ChecklistRow(element.element_id, element.text, element.guidance, self._checklist_box)
                row.set_answer(element.answer, element.evidence)
                row.answered.connect(self.answered)
                row.move_requested.connect(lambda step, r=row: self._move(r, step))
                self.rows.append(row)
                self._checklist.addWidget(row)
        self._checklist.addStretch(1)

    def _update_answers(self) -> None:
        if self._case is None:
            return
        answers = {e.element_id: e for c in self._case.checklists for e in c.elements}
        for row in self.rows:
            element = answers.get(row.key)
            if element is not None:
                row.set_answer(element.answer, element.evidence)

    def _move(self, row: ChecklistRow, step: int) -> None:
        index = self.rows.index(row) + step
        if 0 <= index < len(self.rows):
            self.rows[index].setFocus()

    def _update_state(self) -> None:
        case = self._case
        editable = case is not None and not case.submitted
        for row in self.rows:
            row.set_editable(editable)
        for widget in (self.outcome, self.policy, self.rationale, self.add_policy, self.submit_button):
            widget.setEnabled(editable)
        self.reveal_button.setEnabled(case is not None and case.submitted)
        self.previous_button.setEnabled(case is not None and case.position > 1)
        self.next_button.setEnabled(case is not None and case.position < case.batch_size)

    def _fill_policies(self) -> None:
        current = self.policy.currentData()
        self.policy.blockSignals(True)
        self.policy.clear()
        self.policy.addItem(_("No policy (no violation)"), "")
        self.add_policy.blockSignals(True)
        self.add_policy.clear()
        self.add_policy.addItem(_("Judge under another policy…"), "")
        if self._case is not None:
            for policy_id, label in self._case.policies:
                self.policy.addItem(label, policy_id)
                self.add_policy.addItem(label, policy_id)
            violated = next((c.policy_id for c in self._case.checklists if c.verdict == "violated"), "")
            wanted = current if current and self.policy.findData(current) > 0 else violated
            self.policy.setCurrentIndex(max(0, self.policy.findData(wanted)))
        self.policy.blockSignals(False)
        self.add_policy.blockSignals(False)

    def _add_policy(self, index: int) -> None:
        policy_id = self.add_policy.itemData(index)
        if policy_id:
            self.policy_added.emit(policy_id)
        self.add_policy.setCurrentIndex(0)

    # --- text ----------------------------------------------------------------------------------------------
    def retranslate_ui(self) -> None:
        case = self._case
        self.previous_button.setText(_("Previous"))
        self.next_button.setText(_("Next"))
        self.blind_note.setText(
            _(
                "Blind re-review: the original decision, its rationale and its reviewer stay hidden until you record your own outcome."
            )
        )
        if case is None:
            self.position.setText(_("Open a decision from a batch to re-review it."))
        else:
            self.position.setText(
                _("Item %(position)s of %(total)s · %(batch)s")
                % {
                    "position": formatting.number(case.position),
                    "total": formatting.number(case.batch_size),
                    "batch": case.batch_name,
                }
            )
            self.facts.setText(
                " · ".join(
                    p
                    for p in (
                        case.queue_name,
                        formatting.language_name(case.language),
                        formatting.country_name(case.region),
                        _("Severity: %(level)s") % {"level": _(SEVERITIES.get(case.severity, ""))},
                        _(SOURCE_TYPES.get(case.source_type, case.source_type)),
                    )
                    if p
                )
            )
            for index in range(self._cards.count()):
                card = self._cards.itemAt(index).widget()
                for label in card.findChildren(QLabel) if card else []:
                    kind = label.property("kind")
                    if kind:
                        label.setText(_(CONTENT_KINDS.get(str(kind), str(kind))))
        self.reason_label.setText(_("Report reason"))
        self.checklist_heading.setText(_("Your checklist"))
        for row in self.rows:
            row.set_labels(
                _(ANSWERS["met"]), _(ANSWERS["not_met"]), _(ANSWERS["unsure"]), _("Evidence (optional)")
            )
        verdicts = {c.policy_id: c.verdict for c in case.checklists} if case else {}
        for badge, policy_id in self._badges:
            badge.setText(_(VERDICTS.get(verdicts.get(policy_id, ""), VERDICTS["undetermined"])))
        if case is not None and case.suggested_outcome:
            self.suggestion.setText(
                _("Your checklist suggests: %(outcome)s") % {"outcome": _(OUTCOMES[case.suggested_outcome])}
            )
        else:
            self.suggestion.setText(_("Answer the checklist; it suggests an outcome."))
        current = self.outcome.currentData()
        self.outcome.blockSignals(True)
        self.outcome.clear()
        for code, label in OUTCOMES.items():
            self.outcome.addItem(_(label), code)
        self.outcome.setCurrentIndex(max(0, self.outcome.findData(current)))
        self.outcome.blockSignals(False)
        self._labels["outcome"].setText(_("Your outcome"))
        self._labels["policy"].setText(_("Cited policy"))
        self._labels["rationale"].setText(_("Rationale"))
        self.rationale.setPlaceholderText(_("Why, in a sentence or two (optional)"))
        self.submit_button.setText(_("Record my outcome"))
        self.reveal_button.setText(_("Reveal the original"))
        self._fill_policies()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)
