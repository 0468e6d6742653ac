"""The calibration tab driven like people would: a lead creates a golden-set session, two participants answer
blind, each sees the results only after answering every case, and the results match the service's numbers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.controllers.language import LanguageService
from app.controllers.qa import QaController
from app.controllers.tasks import TaskRunner
from app.i18n import PseudoTranslations
from app.models import Reviewer
from app.services.errors import PermissionDenied
from app.services.profile import Profile
from app.services.qa.calibration import calibration_report, calibrations
from app.services.qa.demo import seed_qa_demo
from app.views.itemmodels.calibration_models import alpha_text
from app.views.qa.calibration_view import CalibrationView
from app.views.qa.workspace import QaWorkspace

TIMEOUT = 15_000


@dataclass
class Station:
    workspace: QaWorkspace
    runner: TaskRunner
    controller: QaController
    people: dict[str, str]
    actor: dict[str, str]

    @property
    def view(self) -> CalibrationView:
        return self.workspace.calibration

    def act_as(self, handle: str, qtbot: QtBot) -> None:
        """Switch the person at the keyboard, as the main window does when the profile's reviewer changes."""
        self.actor["id"] = self.people[handle]
        self.controller.load_all()
        qtbot.waitUntil(
            lambda: (
                self.view.controller.actor is not None and self.view.controller.actor.id == self.actor["id"]
            ),
            timeout=TIMEOUT,
        )
        settle(self, qtbot)


@pytest.fixture
def station(seeded: Profile, qtbot: QtBot) -> Iterator[Station]:
    people = dict(seeded.store.read(lambda s: s.execute(select(Reviewer.handle, Reviewer.id)).all()))
    actor = {"id": people["pnair"]}
    runner = TaskRunner()
    controller = QaController(seeded.store, runner, lambda: actor["id"])
    workspace = QaWorkspace(controller, ask_path=lambda _suggested, _kind: None)
    qtbot.addWidget(workspace)
    workspace.resize(1500, 900)
    workspace.show()
    qtbot.waitExposed(workspace)
    workspace.load()
    yield Station(workspace, runner, controller, people, actor)
    runner.wait()


def settle(station: Station, qtbot: QtBot) -> None:
    qtbot.waitUntil(lambda: not station.runner.busy, timeout=TIMEOUT)


def click(qtbot: QtBot, widget: object) -> None:
    assert widget.isEnabled(), widget.objectName()  # type: ignore[attr-defined]
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)  # type: ignore[arg-type]


def answer_every_case(station: Station, qtbot: QtBot, keys: list[Qt.Key], outcomes: list[str]) -> None:
    page = station.view.answer_page
    qtbot.waitUntil(lambda: len(page.cases) == 3, timeout=TIMEOUT)
    for position in range(3):
        qtbot.waitUntil(lambda p=position: page.index == p and bool(page.rows), timeout=TIMEOUT)
        assert not station.view.results_button.isEnabled()  # sealed until every case is answered
        for row, key in zip(page.rows, keys, strict=False):
            row.setFocus()
            qtbot.keyClick(row, key)
        page.outcome.setCurrentIndex(page.outcome.findData(outcomes[position]))
        click(qtbot, page.submit_button)
        qtbot.waitUntil(lambda p=position: page.cases[p].answered, timeout=TIMEOUT)
        settle(station, qtbot)


def test_a_calibration_round_through_the_tab(seeded: Profile, station: Station, qtbot: QtBot) -> None:
    ws, view, people = station.workspace, station.view, station.people
    settle(station, qtbot)
    ws.show_tab("calibration")
    # 1. the lead creates a golden-set session of three cases for two specialists
    assert view.new_button.isVisible()
    click(qtbot, view.new_button)
    form = view.create_form
    qtbot.waitUntil(lambda: form.cases.rowCount() >= 3, timeout=TIMEOUT)
    assert view.page() == "create"
    qtbot.keyClicks(form.name, "GUI calibration")
    case_ids = [str(form.cases.item(row, 0).data(Qt.ItemDataRole.UserRole + 1)) for row in range(3)]
    for case_id in case_ids:
        form.check_case(case_id)
    form.check_person(people["srivera"])
    assert not form.create_button.isEnabled()  # two participants at least
    form.check_person(people["asiddiqui"])
    form.golden.setChecked(True)
    combo = form.expected_combo(case_ids[0])
    assert combo is not None
    combo.setCurrentIndex(combo.findData("remove_content"))
    click(qtbot, form.create_button)
    qtbot.waitUntil(lambda: view.session_model.rowCount() == 1 and view.current is not None, timeout=TIMEOUT)
    calibration_id = view.current.id
    assert view.current.golden
    assert view.page() == "report"  # the lead is not a participant: the (empty) results show
    # 2. a specialist who was not invited sees nothing of it
    station.act_as("kwatanabe", qtbot)
    assert view.session_model.rowCount() == 0
    assert not view.new_button.isVisible()
    # 3. the first participant answers every case: everything met, the outcome "remove content"
    station.act_as("srivera", qtbot)
    qtbot.waitUntil(lambda: view.session_model.rowCount() == 1, timeout=TIMEOUT)
    view.session_table.setCurrentIndex(view.session_model.index(0, 0))
    qtbot.waitUntil(lambda: view.page() == "answer", timeout=TIMEOUT)
    answer_every_case(station, qtbot, [Qt.Key.Key_1] * 3, ["remove_content"] * 3)
    qtbot.waitUntil(lambda: view.page() == "report" and view.report_view.report is not None, timeout=TIMEOUT)
    # 4. the second participant answers blind: nothing of the first one's answers shows while answering
    station.act_as("asiddiqui", qtbot)
    qtbot.waitUntil(lambda: view.session_model.rowCount() == 1, timeout=TIMEOUT)
    view.session_table.setCurrentIndex(view.session_model.index(0, 0))
    qtbot.waitUntil(lambda: view.page() == "answer" and bool(view.answer_page.rows), timeout=TIMEOUT)
    assert view.report_view.report is None
    assert not view.report_view.isVisibleTo(view)
    shown = " ".join(
        label.text() for label in view.answer_page.findChildren(QLabel) if label.isVisibleTo(view)
    )
    assert "Sam Rivera" not in shown
    with pytest.raises(PermissionDenied):
        seeded.store.read(lambda s: calibration_report(s, calibration_id, people["asiddiqui"]))
    answer_every_case(
        station,
        qtbot,
        [Qt.Key.Key_1, Qt.Key.Key_2, Qt.Key.Key_3],
        ["remove_content", "label", "no_violation"],
    )
    qtbot.waitUntil(lambda: view.page() == "report" and view.report_view.report is not None, timeout=TIMEOUT)
    # 5. the lead reads the results; they are the service's numbers
    station.act_as("pnair", qtbot)
    view.session_table.setCurrentIndex(view.session_model.index(0, 0))
    qtbot.waitUntil(
        lambda: view.report_view.report is not None and view.report_view.report.answers == 6, timeout=TIMEOUT
    )
    expected = seeded.store.read(lambda s: calibration_report(s, calibration_id, people["pnair"]))
    shown_report = view.report_view
    assert shown_report.report == expected
    assert shown_report.tiles["outcome"].value.text() == alpha_text(expected.outcome_alpha)
    assert shown_report.tiles["elements"].value.text() == alpha_text(expected.element_alpha)
    assert shown_report.element_model.rowCount() == len(expected.per_element) > 0
    for row, (_key, estimate) in enumerate(expected.per_element):
        assert shown_report.element_model.data(shown_report.element_model.index(row, 1)) == alpha_text(
            estimate
        )
    # the cases where the two split on the outcome: the second and the third
    outcome_splits = [s for s in expected.splits if s.subject == "outcome"]
    assert {s.case_id for s in outcome_splits} == set(case_ids[1:])
    assert shown_report.split_model.rowCount() == len(expected.splits)
    answers_cell = shown_report.split_model.data(shown_report.split_model.index(0, 2))
    assert "Sam Rivera" in answers_cell
    assert "Aisha Siddiqui" in answers_cell
    # golden set: the first case's expected outcome was "remove content", the others the decided outcome
    accuracy = dict(expected.golden_accuracy)
    assert set(accuracy) == {"Sam Rivera", "Aisha Siddiqui"}
    assert shown_report.golden_model.rowCount() == 2
    listed = seeded.store.read(lambda s: calibrations(s, people["pnair"]))[0]
    assert (listed.answers, listed.expected_answers) == (6, 6)
    assert not ws.message.isVisible()


def test_the_tab_follows_the_language_and_the_demo_session_shows(
    seeded: Profile, station: Station, qtbot: QtBot, qtmodeltester: ModelTester
) -> None:
    seed = seeded.store.write(lambda s: seed_qa_demo(s, seed=3, size=10))
    assert seed is not None
    assert seed.calibration_id
    view = station.view
    station.act_as("jbecker", qtbot)
    station.workspace.show_tab("calibration")
    qtbot.waitUntil(lambda: view.session_model.rowCount() == 1, timeout=TIMEOUT)
    view.session_table.setCurrentIndex(view.session_model.index(0, 0))
    qtbot.waitUntil(lambda: view.report_view.report is not None, timeout=TIMEOUT)
    report = view.report_view.report
    assert report.answers == 5 + 5 + 2
    assert report.golden
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    language = LanguageService(app)
    try:
        language.set_language("x-pseudo")
        texts = [w.text() for w in view.findChildren(QLabel) if w.isVisibleTo(view) and w.text()]
        assert any(t.startswith(PseudoTranslations.MARK_OPEN) for t in texts)
        header = view.report_view.split_model.headerData(0, Qt.Orientation.Horizontal)
        assert header.startswith(PseudoTranslations.MARK_OPEN)
        language.set_language("ur")
        assert view.layoutDirection() == Qt.LayoutDirection.RightToLeft
        assert not view.grab().isNull()
    finally:
        language.set_language("en")
    # The models' own checks, on copies of the rows: a tester stays attached for the rest of the test, and the
    # views' models keep receiving the language switch's queued events.
    for shown in (view.session_model, view.report_view.element_model, view.report_view.split_model):
        model = type(shown)()
        model.set_rows(shown.rows())
        qtmodeltester.check(model, force_py=True)
