"""The review workspace's controller: opens cases, runs named commands off the UI thread, reports results.

Views call these methods and listen to the signals; they never see a session or an ORM object.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from babel.core import UnknownLocaleError
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from app.controllers.images import decode_image
from app.controllers.tasks import TaskRunner
from app.i18n import text_direction
from app.services import queries
from app.services.case_commands import ClaimCase, ReleaseCase, ReopenCase, ResolveCase, SetAwaitingInput
from app.services.checklist import latest_checklists
from app.services.commanding import Command, Store
from app.services.dto import CaseDetail, Changes, PolicyChecklist, PolicyRef, QueueInfo, ReviewerInfo
from app.services.errors import DomainError
from app.services.forms import DecisionForm, RemediationForm
from app.services.profile import read_settings, write_setting
from app.services.remediation_commands import ApproveRemediation, PlanRemediation, SetRemediationStatus
from app.services.review_commands import (
    AddCommunication,
    AddNote,
    AnswerChecklistItem,
    RecordDecision,
    RecordMediaReveal,
)
from app.services.sync.conflicts import SettleConflict, list_conflicts, list_rejections
from app.settings import Settings


@dataclass(frozen=True)
class ReferenceData:
    """Lists that change rarely: queues, people, policies (and their newest checklists), case languages."""

    queues: tuple[QueueInfo, ...]
    reviewers: tuple[ReviewerInfo, ...]
    policies: tuple[PolicyRef, ...]
    languages: tuple[str, ...]
    checklists: tuple[PolicyChecklist, ...] = ()


def describe_error(error: BaseException) -> str:
    """A message for the person: a rule's own words, or a plain account of an unexpected failure."""
    if isinstance(error, DomainError):
        return error.translated()
    from app.i18n import _

    return _("Something went wrong: %(error)s") % {"error": f"{type(error).__name__}: {error}"}


def load_locale_data(detail: CaseDetail) -> None:
    """Parse the CLDR data of the case's languages here, off the UI thread: the panes ask each text's language
    for its direction, and a first look-up of a language reads locale files for tens of milliseconds."""
    codes = {detail.language, *(c.language for c in detail.content), *(n.language for n in detail.notes)}
    for code in codes - {""}:
        try:
            text_direction(code)
        except (ValueError, TypeError, UnknownLocaleError):
            continue  # the pane lets such a text's own letters decide


class Workspace(QObject):
    """Signals:
    case_opened: a CaseDetail, when a case opened or reloaded after a change.
    changes_applied: a Changes value, after a command committed.
    command_failed: a message for the person when a command or load failed.
    reference_loaded: ReferenceData.
    settings_changed: the new Settings.
    """

    case_opened = Signal(object)
    changes_applied = Signal(object)
    command_failed = Signal(str)
    reference_loaded = Signal(object)
    settings_changed = Signal(object)

    def __init__(
        self, store: Store, settings: Settings, runner: TaskRunner, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.runner = runner
        self.settings = settings
        self.reference = ReferenceData((), (), (), ())
        self._case_id: str | None = None
        self._case: CaseDetail | None = None
        self._extra_policies: dict[str, tuple[str, ...]] = {}

    # --- reading -------------------------------------------------------------------------------------------
    @property
    def actor(self) -> ReviewerInfo | None:
        return next((r for r in self.reference.reviewers if r.id == self.settings.reviewer_id), None)

    @property
    def current_case(self) -> CaseDetail | None:
        return self._case

    def load_reference(self) -> None:
        def work() -> ReferenceData:
            return self.store.read(
                lambda s: ReferenceData(
                    tuple(queries.queues(s)),
                    tuple(queries.reviewers(s)),
                    tuple(queries.policy_titles(s)),
                    tuple(queries.case_languages(s)),
                    latest_checklists(s),
                )
            )

        self.runner.run(work, self._reference_ready, self._failed)

    def _reference_ready(self, data: ReferenceData) -> None:
        self.reference = data
        self.reference_loaded.emit(data)

    def open_case(self, case_id: str | None) -> None:
        self._case_id = case_id
        if case_id is None:
            self._case = None
            self.case_opened.emit(None)
            return
        extra = self._extra_policies.get(case_id, ())

        def work() -> CaseDetail:
            detail = self.store.read(lambda s: queries.case_detail(s, case_id, extra))
            load_locale_data(detail)
            return detail

        self.runner.run(work, self._opened, self._failed)

    def reload_case(self) -> None:
        """Read the case the reviewer asked for again (rows changed under it); the one still loading, if any,
        not the one on screen, so a background reload never takes the reviewer back to the previous case."""
        if self._case_id is not None:
            self.open_case(self._case_id)

    def add_policy(self, policy_id: str) -> None:
        """Show another policy's checklist on the open case (answered policies stay on their own)."""
        if self._case_id is None:
            return
        extra = self._extra_policies.get(self._case_id, ())
        if policy_id not in extra:
            self._extra_policies[self._case_id] = (*extra, policy_id)
        self.open_case(self._case_id)

    def load_image(
        self, media_id: str, done: Callable[[QImage], None], refused: Callable[[str], None]
    ) -> None:
        """Read and decode an attachment off the UI thread, refusing bombs before any decoder runs."""

        def work() -> QImage:
            data = self.store.read(lambda s: queries.media_bytes(s, media_id))
            return decode_image(data)

        self.runner.run(work, done, lambda error: refused(str(error)))

    def _opened(self, detail: CaseDetail) -> None:
        if detail.id != self._case_id:  # the reviewer moved on while this loaded: drop the late result
            return
        self._case = detail
        self.case_opened.emit(detail)

    # --- changing ------------------------------------------------------------------------------------------
    def execute(self, command: Command, on_done: Callable[[Changes], None] | None = None) -> None:
        actor = self.settings.reviewer_id

        def done(changes: Changes) -> None:
            self.changes_applied.emit(changes)
            if on_done is not None:
                on_done(changes)
            if changes.case_id and changes.case_id == self._case_id:
                self.open_case(changes.case_id)

        self.runner.run(lambda: self.store.execute(command, actor), done, self._failed)

    def save_setting(self, key: str, value: Any) -> None:
        self.settings = self.settings.with_value(key, value)
        self.runner.run(lambda: self.store.write(lambda s: write_setting(s, key, value)), None, self._failed)
        self.settings_changed.emit(self.settings)

    def reload_settings(self) -> None:
        self.runner.run(lambda: self.store.read(read_settings), self._settings_loaded, self._failed)

    def _settings_loaded(self, settings: Settings) -> None:
        self.settings = settings
        self.settings_changed.emit(settings)

    def _failed(self, error: BaseException) -> None:
        self.command_failed.emit(describe_error(error))

    # --- intents, one per named command --------------------------------------------------------------------
    def claim(self) -> None:
        if self._case is not None:
            self.execute(ClaimCase(self._case.id))

    def release(self) -> None:
        if self._case is not None:
            self.execute(ReleaseCase(self._case.id))

    def set_waiting(self, waiting: bool) -> None:
        if self._case is not None:
            self.execute(SetAwaitingInput(self._case.id, waiting))

    def resolve(self) -> None:
        if self._case is not None:
            self.execute(ResolveCase(self._case.id))

    def reopen(self, reason: str) -> None:
        if self._case is not None:
            self.execute(ReopenCase(self._case.id, reason))

    def answer(self, element_id: str, answer: str, evidence: str) -> None:
        if self._case is not None:
            self.execute(AnswerChecklistItem(self._case.id, element_id, answer, evidence))

    def add_note(self, text: str, language: str, visibility: str, on_done: Callable[[Changes], None]) -> None:
        if self._case is not None:
            self.execute(AddNote(self._case.id, text, language, visibility), on_done)

    def log_communication(
        self, stakeholder: str, channel: str, text: str, on_done: Callable[[Changes], None]
    ) -> None:
        if self._case is not None:
            self.execute(AddCommunication(self._case.id, stakeholder, text, channel), on_done)

    def decide(self, form: DecisionForm, on_done: Callable[[Changes], None]) -> None:
        if self._case is not None:
            command = RecordDecision(
                case_id=self._case.id,
                outcome=form.outcome,
                rationale=form.rationale,
                policy_id=form.policy_id,
                override_reason=form.override_reason,
                territorial_scope=form.territorial_scope,
                duration_days=form.duration_days,
                legal_reference=form.legal_reference,
                extra_policy_ids=self._extra_policies.get(self._case.id, ()),
            )
            self.execute(command, on_done)

    def plan_remediation(self, form: RemediationForm, on_done: Callable[[Changes], None]) -> None:
        if self._case is not None:
            command = PlanRemediation(
                case_id=self._case.id,
                action_type=form.action_type,
                target=form.target,
                horizon=form.horizon,
                countries=form.countries,
                due_at=form.due_at,
            )
            self.execute(command, on_done)

    def set_remediation_status(self, action_id: str, status: str) -> None:
        self.execute(SetRemediationStatus(action_id, status))

    def approve_remediation(self, action_id: str) -> None:
        self.execute(ApproveRemediation(action_id))

    def record_reveal(self, media_id: str) -> None:
        if self._case is not None:
            self.execute(RecordMediaReveal(self._case.id, media_id))

    # --- sync: what needs a person --------------------------------------------------------------------------
    def load_sync_details(self, done: Callable[[tuple[Any, ...], tuple[Any, ...]], None]) -> None:
        """Conflicts of the open case and every change the hub refused, for the sync dialog."""
        case_id = self._case_id

        def work() -> tuple[tuple[Any, ...], tuple[Any, ...]]:
            def query(session: Any) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
                conflicts = list_conflicts(session, case_id) if case_id else ()
                return tuple(conflicts), tuple(list_rejections(session))

            return self.store.read(query)

        self.runner.run(work, lambda result: done(*result), self._failed)

    def settle_conflict(self, conflict_id: str, keep: str) -> None:
        self.execute(SettleConflict(conflict_id, keep))
