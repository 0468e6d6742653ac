"""The calibration tab: the sessions a person may see; a lead creates one; each participant answers every case
on their own (checklist and outcome, blind to everyone else's answers); the results show once a participant
has answered everything, and to leads at any time.

The tab drives its own controller (CalibrationController); the workspace only adds it and shows its messages.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.controllers.qa_calibration import CalibrationController
from app.core import formatting
from app.core.untrusted import isolate, neutralise_bidi
from app.core.vocabulary import ANSWERS, OUTCOMES
from app.i18n import _
from app.services import permissions
from app.services.dto import ReviewerInfo
from app.services.qa.dto import CalibrationCaseView, CalibrationInfo
from app.views.content_pane import clear_layout, content_direction
from app.views.itemmodels.calibration_models import SessionModel
from app.views.qa.batches_view import make_table, select_row
from app.views.qa.calibration_create import CalibrationCreateForm
from app.views.qa.calibration_report import CalibrationReportView
from app.widgets.checklist_row import ChecklistRow
from app.widgets.safe_text import SafeLabel, SafeTextView, plain_label
from app.widgets.scrolling import vertical_scroller

PAGES = ("empty", "create", "answer", "report")


class CalibrationAnswerPage(QWidget):
    """One case at a time: its content, the participant's own checklist and outcome, and Submit. Nothing of
    anybody else's answers is here; once submitted, the participant's own answer shows read-only."""

    def __init__(self, controller: CalibrationController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("calibrationAnswer")
        self.controller = controller
        self.cases: list[CalibrationCaseView] = []
        self.index = 0
        self.rows: list[ChecklistRow] = []
        self._answers: dict[str, str] = {}
        self.position = plain_label(self, role="heading")
        self.position.setObjectName("calibrationPosition")
        self.blind_note = plain_label(self, role="muted", wrap=True)
        self.previous_button = QPushButton(self)
        self.next_button = QPushButton(self)
        self._content = QWidget(self)
        self.title = SafeLabel("", self._content)
        self.title.setProperty("role", "heading")
        self.title.setWordWrap(True)
        self._cards = QVBoxLayout()
        content_layout = QVBoxLayout(self._content)
        content_layout.addWidget(self.title)
        content_layout.addLayout(self._cards)
        content_layout.addStretch(1)
        form = QWidget(self)
        self.checklist_heading = plain_label(form, role="heading")
        self._checklist_box = QWidget(form)
        self._checklist = QVBoxLayout(self._checklist_box)
        self._checklist.setContentsMargins(0, 0, 0, 0)
        self.outcome = QComboBox(form)
        self.outcome.setObjectName("calibrationOutcome")
        self.outcome_label = plain_label(form)
        self.state = plain_label(form, role="muted", wrap=True)
        self.state.setObjectName("calibrationAnswerState")
        self.submit_button = QPushButton(form)
        self.submit_button.setObjectName("calibrationSubmit")
        fields = QFormLayout()
        fields.setLabelAlignment(Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignVCenter)
        fields.addRow(self.outcome_label, self.outcome)
        buttons = QHBoxLayout()
        buttons.addWidget(self.state, 1)
        buttons.addWidget(self.submit_button)
        form_layout = QVBoxLayout(form)
        form_layout.addWidget(self.checklist_heading)
        form_layout.addWidget(vertical_scroller(form, self._checklist_box), 1)
        form_layout.addLayout(fields)
        form_layout.addLayout(buttons)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(vertical_scroller(self, self._content))
        split.addWidget(form)
        split.setSizes([600, 600])
        top = QHBoxLayout()
        top.addWidget(self.position)
        top.addWidget(self.blind_note, 1)
        top.addWidget(self.previous_button)
        top.addWidget(self.next_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        self.previous_button.clicked.connect(lambda: self.go(self.index - 1))
        self.next_button.clicked.connect(lambda: self.go(self.index + 1))
        self.submit_button.clicked.connect(self.submit)
        self.outcome.currentIndexChanged.connect(lambda _i: self._update_state())
        self.retranslate_ui()

    @property
    def case(self) -> CalibrationCaseView | None:
        return self.cases[self.index] if 0 <= self.index < len(self.cases) else None

    def show_cases(self, cases: list[CalibrationCaseView], keep: bool) -> None:
        """Show the session's cases; ``keep`` stays on the same case (after a save), else the first unanswered."""
        current = self.case.id if keep and self.case else None
        self.cases = list(cases)
        index = next((i for i, c in enumerate(cases) if c.id == current), None)
        if index is None:
            index = next((i for i, c in enumerate(cases) if not c.answered), 0)
        elif cases[index].answered and not keep:
            index = next((i for i, c in enumerate(cases) if not c.answered), index)
        self.go(index, force=True)

    def go(self, index: int, force: bool = False) -> None:
        if not (0 <= index < len(self.cases)) and self.cases:
            return
        if index == self.index and not force:
            return
        self.index = index
        self._answers = dict(self.case.my_answers) if self.case else {}
        self._render()
        self.retranslate_ui()

    def next_unanswered(self) -> None:
        following = [i for i, c in enumerate(self.cases) if not c.answered and i != self.index]
        if following:
            self.go(following[0])

    def submit(self) -> None:
        case = self.case
        if case is None or case.answered or not self.submit_button.isEnabled():
            return
        answers = tuple(sorted((k, v) for k, v in self._answers.items() if v))
        self.controller.submit(case.id, self.outcome.currentData() or "", answers)

    def _answered(self, key: str, answer: str, _evidence: str) -> None:
        self._answers[key] = answer
        self._update_state()

    def _render(self) -> None:
        clear_layout(self._cards)
        clear_layout(self._checklist)
        self.rows = []
        case = self.case
        self.title.setVisible(case is not None)
        if case is None:
            return
        self.title.set_untrusted(case.title)
        for item in case.content:
            card = QFrame(self._content)
            card.setProperty("role", "reported" if item.reported else "card")
            author = SafeLabel("@" + item.author_handle if item.author_handle else "", card, identifier=True)
            author.setProperty("role", "muted")
            body = SafeTextView(card)
            body.set_untrusted(item.text, content_direction(item.language))
            inner = QVBoxLayout(card)
            inner.setContentsMargins(10, 8, 10, 8)
            inner.addWidget(author)
            inner.addWidget(body)
            if item.link_url:
                link = SafeLabel(item.link_url, card, identifier=True)
                link.setWordWrap(True)
                inner.addWidget(link)
            self._cards.addWidget(card)
        for checklist in case.checklists:
            title = plain_label(self._checklist_box, role="heading", wrap=True)
            title.setText(f"{checklist.code} v{checklist.version} · {checklist.title}")
            self._checklist.addWidget(title)
            for element in checklist.elements:
                row = ChecklistRow(element.key, element.text, element.guidance, self._checklist_box)
                row.set_answer(self._answers.get(element.key), "")
                row.answered.connect(self._answered)
                row.move_requested.connect(lambda step, r=row: self._move(r, step))
                self.rows.append(row)
                self._checklist.addWidget(row)
        self._checklist.addStretch(1)
        self.outcome.setCurrentIndex(max(0, self.outcome.findData(case.my_outcome)))

    def _move(self, row: ChecklistRow, step: int) -> None:
        index = self.rows.index(row) + step
        if 0 <= index < len(self.rows):
            self.rows[index].setFocus()

    def _update_state(self) -> None:
        case = self.case
        editable = case is not None and not case.answered
        for row in self.rows:
            row.set_editable(editable)
        self.outcome.setEnabled(editable)
        self.submit_button.setEnabled(editable and bool(self.outcome.currentData()))
        self.previous_button.setEnabled(self.index > 0)
        self.next_button.setEnabled(self.index < len(self.cases) - 1)
        if case is None:
            self.state.setText(_("This session has no cases for you."))
        elif case.answered:
            self.state.setText(
                _("Submitted: %(outcome)s. Your answer is sealed.")
                % {"outcome": _(OUTCOMES.get(case.my_outcome, case.my_outcome))}
            )
        else:
            answered = sum(1 for row in self.rows if self._answers.get(row.key))
            self.state.setText(
                _("%(answered)s of %(total)s checklist elements answered")
                % {"answered": formatting.number(answered), "total": formatting.number(len(self.rows))}
            )

    def retranslate_ui(self) -> None:
        case = self.case
        self.previous_button.setText(_("Previous"))
        self.next_button.setText(_("Next"))
        self.blind_note.setText(
            _("Answer on your own: nobody's answers show until you have answered every case of the session.")
        )
        if case is None:
            self.position.setText(_("Pick a session to answer its cases."))
        else:
            self.position.setText(
                _("Case %(position)s of %(total)s · %(ref)s")
                % {
                    "position": formatting.number(self.index + 1),
                    "total": formatting.number(len(self.cases)),
                    "ref": isolate(case.external_ref),
                }
            )
        self.checklist_heading.setText(_("Your checklist"))
        for row in self.rows:
            row.set_labels(
                _(ANSWERS["met"]), _(ANSWERS["not_met"]), _(ANSWERS["unsure"]), _("Evidence (optional)")
            )
        current = self.outcome.currentData()
        self.outcome.blockSignals(True)
        self.outcome.clear()
        self.outcome.addItem(_("Choose an outcome…"), "")
        for code, label in OUTCOMES.items():
            self.outcome.addItem(_(label), code)
        self.outcome.setCurrentIndex(max(0, self.outcome.findData(current)))
        self.outcome.blockSignals(False)
        self.outcome_label.setText(_("Your outcome"))
        self.submit_button.setText(_("Submit my answer"))
        self._update_state()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)


class CalibrationView(QWidget):
    """Sessions on one side; on the other, the new-session form, the answer page or the results."""

    def __init__(self, controller: CalibrationController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("qaCalibration")
        self.controller = controller
        self.role = ""
        self.sessions: list[CalibrationInfo] = []
        self._shown_cases = ""  # the session whose cases the answer page holds
        self._created = ""  # a session just created, to open once the list has it
        self._person = ""  # whose sessions the list shows; another person means choosing pages again
        self._person_changed = False
        self.session_model = SessionModel(self)
        self.session_table = make_table(self, "calibrationSessions")
        self.session_table.setModel(self.session_model)
        header = self.session_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.session_table.setColumnHidden(1, True)  # golden or not shows in the title beside the list
        self.sessions_heading = plain_label(self, role="heading")
        self.new_button = QPushButton(self)
        self.new_button.setObjectName("calibrationNew")
        self.title = SafeLabel("", self)
        self.title.setProperty("role", "heading")
        self.title.setObjectName("calibrationTitle")
        self.answer_button = QPushButton(self)
        self.answer_button.setObjectName("calibrationAnswerButton")
        self.results_button = QPushButton(self)
        self.results_button.setObjectName("calibrationResultsButton")
        self.empty = plain_label(self, role="muted", wrap=True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.create_form = CalibrationCreateForm(self)
        self.answer_page = CalibrationAnswerPage(controller, self)
        self.report_view = CalibrationReportView(self)
        self.stack = QStackedWidget(self)
        for page in (self.empty, self.create_form, self.answer_page, self.report_view):
            self.stack.addWidget(page)
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.sessions_heading)
        left_layout.addWidget(self.session_table, 1)
        left_layout.addWidget(self.new_button)
        right = QWidget(self)
        bar = QHBoxLayout()
        bar.addWidget(self.title, 1)
        bar.addWidget(self.answer_button)
        bar.addWidget(self.results_button)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addLayout(bar)
        right_layout.addWidget(self.stack, 1)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 3)
        split.setSizes([420, 1060])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(split)
        self._connect()
        self.retranslate_ui()

    def _connect(self) -> None:
        c = self.controller
        c.actor_loaded.connect(self._actor_loaded)
        c.people_loaded.connect(self.create_form.set_people)
        c.sources_loaded.connect(self.create_form.set_sources)
        c.sessions_loaded.connect(self.show_sessions)
        c.candidates_loaded.connect(lambda _source, rows: self.create_form.set_candidates(rows))
        c.cases_loaded.connect(self._cases_loaded)
        c.report_loaded.connect(self._report_loaded)
        c.session_created.connect(self._session_created)
        c.answer_saved.connect(lambda _case_id: self.answer_page.next_unanswered())
        self.session_table.selectionModel().currentRowChanged.connect(
            lambda current, _p: self._selected(current.row())
        )
        self.new_button.clicked.connect(self.start_new)
        self.answer_button.clicked.connect(lambda: self.show_page("answer"))
        self.results_button.clicked.connect(self.show_results)
        self.create_form.source_changed.connect(lambda source: c.load_candidates(source or None))
        self.create_form.create_requested.connect(c.create)
        self.create_form.cancelled.connect(lambda: self._selected(self.session_table.currentIndex().row()))

    def load(self) -> None:
        self.controller.load()

    # --- state ---------------------------------------------------------------------------------------------
    @property
    def current(self) -> CalibrationInfo | None:
        return next((s for s in self.sessions if s.id == self.controller.calibration_id), None)

    def page(self) -> str:
        return PAGES[self.stack.currentIndex()]

    def show_page(self, key: str) -> None:
        self.stack.setCurrentIndex(PAGES.index(key))
        self._update_buttons()

    def start_new(self) -> None:
        if not permissions.allowed(self.role, "run_calibration"):
            return
        self.create_form.reset()
        self.session_table.selectionModel().clearSelection()  # a click on any session leaves the form
        self.session_table.selectionModel().clearCurrentIndex()
        self.controller.load_candidates(self.create_form.source.currentData() or None)
        self.show_page("create")
        self.retranslate_ui()

    def show_results(self) -> None:
        info = self.current
        if info is not None and info.can_see_results:
            self.controller.load_report()
            self.show_page("report")

    def show_sessions(self, sessions: list[CalibrationInfo]) -> None:
        previous = self.current
        self.sessions = list(sessions)
        self.session_model.set_rows(sessions)
        row = self.session_model.row_of(lambda s: s.id == self.controller.calibration_id)
        if row is not None:
            self.session_table.selectionModel().blockSignals(True)
            select_row(self.session_table, row)
            self.session_table.selectionModel().blockSignals(False)
        info = self.current
        if self._person_changed:
            self._person_changed = False
            self.answer_page.show_cases([], keep=False)
            self.report_view.show_report(None)  # one person's results never stay on screen for the next
            self._shown_cases = ""
            self._selected(row if row is not None else -1)
        elif info is not None and row is not None and info.id == self._created:
            self._created = ""
            self._selected(row)
        elif info is None and self.page() in ("answer", "report"):
            self.controller.open_session(None)
            self.show_page("empty")
        elif info is not None and previous is not None and previous.id == info.id:
            if info.can_see_results and not previous.can_see_results and self.page() == "answer":
                self.show_results()  # the last case was just answered: the results open
            elif self.page() == "report":
                self.controller.load_report()
        self._update_buttons()
        self.retranslate_ui()

    def _selected(self, row: int) -> None:
        info = self.session_model.row_at(row)
        if info is None:
            self.controller.open_session(None)
            self.show_page("empty")
            return
        self.controller.open_session(info.id)
        if info.participant and not (info.can_see_results and info.mine >= info.cases):
            self.show_page("answer")
        elif info.can_see_results:
            self.show_results()
        else:
            self.show_page("empty")
        self.retranslate_ui()

    def _session_created(self, calibration_id: str) -> None:
        self._created = calibration_id
        self.create_form.reset()

    def _cases_loaded(self, calibration_id: str, cases: list[CalibrationCaseView]) -> None:
        keep = bool(self.answer_page.cases) and calibration_id == self._shown_cases
        self._shown_cases = calibration_id
        self.answer_page.show_cases(cases, keep)

    def _report_loaded(self, report: object) -> None:
        self.report_view.show_report(report)  # type: ignore[arg-type]

    def _actor_loaded(self, actor: ReviewerInfo | None) -> None:
        self.role = actor.role if actor else ""
        person = actor.id if actor else ""
        if person != self._person:
            self._person, self._person_changed = person, True
        if self.page() == "create" and not permissions.allowed(self.role, "run_calibration"):
            self.show_page("empty")
        self._update_buttons()

    def _update_buttons(self) -> None:
        info = self.current
        self.new_button.setVisible(permissions.allowed(self.role, "run_calibration"))
        self.answer_button.setVisible(info is not None and info.participant)
        self.answer_button.setEnabled(info is not None and info.participant and self.page() != "answer")
        self.results_button.setEnabled(info is not None and info.can_see_results and self.page() != "report")

    # --- text ----------------------------------------------------------------------------------------------
    def retranslate_ui(self) -> None:
        self.sessions_heading.setText(_("Calibration sessions"))
        self.new_button.setText(_("New session…"))
        self.answer_button.setText(_("Answer the cases"))
        self.results_button.setText(_("Results"))
        self.session_model.retranslate()
        info = self.current
        if self.page() == "create":
            self.title.set_untrusted(_("New calibration session"))
        elif info is not None:
            people = ", ".join(neutralise_bidi(n) for _i, n in info.participants)
            self.title.set_untrusted(
                (
                    _("%(name)s (golden set) · participants: %(people)s")
                    if info.golden
                    else _("%(name)s · participants: %(people)s")
                )
                % {"name": info.name, "people": people}
            )
        else:
            self.title.set_untrusted("")
        if permissions.allowed(self.role, "run_calibration"):
            self.empty.setText(
                _(
                    "Pick a session, or create one: several reviewers answer the same cases on their own, and the results show how far they agree."
                )
            )
        else:
            self.empty.setText(_("Pick a session you are in to answer its cases."))
        self._update_buttons()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)
