"""The calibration tab's controller: sessions, candidate cases, sealed answers and the report, off the UI thread.

Views call these methods and listen to the signals; they never see a session or an ORM object. Late results
for a session the person has already left are dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

from app.controllers.tasks import TaskRunner
from app.controllers.workspace import describe_error
from app.services import queries
from app.services.commanding import Store
from app.services.dto import Changes, ReviewerInfo
from app.services.qa import batches as batch_queries
from app.services.qa.calibration import (
    CreateCalibration,
    Expectation,
    SubmitCalibrationAnswer,
    calibration_candidates,
    calibration_cases,
    calibration_report,
    calibrations,
)

T = TypeVar("T")


class CalibrationController(QObject):
    """Signals:
    actor_loaded: the ReviewerInfo of the person working (or None).
    people_loaded: every ReviewerInfo (the view offers those who may answer as participants).
    sources_loaded: a list of BatchInfo the lead may pick cases from.
    sessions_loaded: a list of CalibrationInfo the person may see, newest first.
    candidates_loaded: (batch id or "", list of CalibrationCandidate).
    cases_loaded: (calibration id, list of CalibrationCaseView) for the open session.
    report_loaded: a CalibrationReport for the open session.
    session_created: the new session's id.
    answer_saved: the calibration case id just answered.
    command_failed: a message for the person.
    """

    actor_loaded = Signal(object)
    people_loaded = Signal(list)
    sources_loaded = Signal(list)
    sessions_loaded = Signal(list)
    candidates_loaded = Signal(str, list)
    cases_loaded = Signal(str, list)
    report_loaded = Signal(object)
    session_created = Signal(str)
    answer_saved = Signal(str)
    command_failed = Signal(str)

    def __init__(
        self, store: Store, runner: TaskRunner, actor_id: Callable[[], str], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.runner = runner
        self._actor_id = actor_id
        self.actor: ReviewerInfo | None = None
        self.calibration_id: str | None = None
        self._candidates_request = 0

    @property
    def actor_id(self) -> str:
        return self._actor_id()

    def _read(self, query: Callable[[Any], T], done: Callable[[T], None]) -> None:
        self.runner.run(lambda: self.store.read(query), done, self._failed)

    def _failed(self, error: BaseException) -> None:
        self.command_failed.emit(describe_error(error))

    # --- reading -------------------------------------------------------------------------------------------
    def load(self) -> None:
        """The person, the people, the batches and the sessions; call when shown and when the person changes."""
        actor = self.actor_id

        def done(people: list[ReviewerInfo]) -> None:
            self.actor = next((p for p in people if p.id == actor), None)
            self.actor_loaded.emit(self.actor)
            self.people_loaded.emit(people)

        self._read(queries.reviewers, done)
        self._read(batch_queries.batches, self.sources_loaded.emit)
        self.load_sessions()

    def load_sessions(self) -> None:
        actor = self.actor_id
        self._read(lambda s: calibrations(s, actor), self.sessions_loaded.emit)

    def load_candidates(self, batch_id: str | None) -> None:
        self._candidates_request += 1
        request = self._candidates_request

        def done(rows: list[Any]) -> None:
            if request == self._candidates_request:
                self.candidates_loaded.emit(batch_id or "", rows)

        self._read(lambda s: calibration_candidates(s, batch_id), done)

    def open_session(self, calibration_id: str | None) -> None:
        self.calibration_id = calibration_id
        if calibration_id is None:
            self.cases_loaded.emit("", [])
            return
        actor = self.actor_id

        def done(views: list[Any]) -> None:
            if calibration_id == self.calibration_id:
                self.cases_loaded.emit(calibration_id, views)

        self._read(lambda s: calibration_cases(s, calibration_id, actor), done)

    def load_report(self) -> None:
        calibration_id = self.calibration_id
        if calibration_id is None:
            return
        actor = self.actor_id

        def done(report: Any) -> None:
            if calibration_id == self.calibration_id:
                self.report_loaded.emit(report)

        self._read(lambda s: calibration_report(s, calibration_id, actor), done)

    # --- intents, one per named command ----------------------------------------------------------------------
    def create(
        self,
        name: str,
        case_ids: tuple[str, ...],
        participant_ids: tuple[str, ...],
        expected: tuple[Expectation, ...],
    ) -> None:
        actor = self.actor_id
        command = CreateCalibration(name, case_ids, expected, participant_ids)

        def done(changes: Changes) -> None:
            created = changes.created_ids[0]
            self.session_created.emit(created)
            self.load_sessions()
            self.open_session(created)

        self.runner.run(lambda: self.store.execute(command, actor), done, self._failed)

    def submit(self, calibration_case_id: str, outcome: str, answers: tuple[tuple[str, str], ...]) -> None:
        actor = self.actor_id
        calibration_id = self.calibration_id
        command = SubmitCalibrationAnswer(calibration_case_id, outcome, answers)

        def done(_changes: Changes) -> None:
            self.answer_saved.emit(calibration_case_id)
            self.load_sessions()
            if calibration_id == self.calibration_id:
                self.open_session(calibration_id)

        self.runner.run(lambda: self.store.execute(command, actor), done, self._failed)
