"""The QA workspace's controller: reads and named QA commands off the UI thread, results as signals.

Views call these methods and listen to the signals; they never see a session or an ORM object. Late results
for an item the auditor has already left are dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

from app.controllers.qa_report import render_pdf
from app.controllers.tasks import TaskRunner
from app.controllers.workspace import describe_error
from app.services import queries
from app.services.commanding import Command, Store
from app.services.dto import Changes, ReviewerInfo
from app.services.qa import batches as batch_queries
from app.services.qa import findings as finding_queries
from app.services.qa.batches import CreateBatch
from app.services.qa.findings import (
    AcknowledgeFinding,
    DisputeFinding,
    RaiseFinding,
    ResolveFinding,
    ScoreReview,
)
from app.services.qa.metrics import dashboard
from app.services.qa.report import batch_report, write_csv
from app.services.qa.review import AnswerAuditChecklist, SubmitBlindReview, blind_case, compare_item
from app.services.qa.sample_size import sample_size
from app.services.qa.sampling import SampleSpec, strata_sizes

T = TypeVar("T")


class QaController(QObject):
    """Signals:
    actor_loaded: the ReviewerInfo of the person working (or None).
    batches_loaded: a list of BatchInfo, newest first.
    items_loaded: (batch id, list of BatchItemRow).
    blind_case_loaded: a BlindCase for the open item.
    comparison_loaded: a Comparison once the original is revealed.
    findings_loaded: (my findings list, disputed findings, policy ambiguities); see findings_for.
    dashboard_loaded: a Dashboard.
    population_counted: (population, suggested sample size) for the sampler's helper.
    changes_applied: a Changes value after a command committed.
    export_finished: the path of a written report.
    command_failed: a message for the person.
    """

    actor_loaded = Signal(object)
    batches_loaded = Signal(list)
    items_loaded = Signal(str, list)
    blind_case_loaded = Signal(object)
    comparison_loaded = Signal(object)
    findings_loaded = Signal(list, list, list)
    dashboard_loaded = Signal(object)
    population_counted = Signal(int, int)
    changes_applied = Signal(object)
    export_finished = Signal(str)
    command_failed = Signal(str)

    def __init__(
        self, store: Store, runner: TaskRunner, actor_id: Callable[[], str], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.runner = runner
        self._actor_id = actor_id
        self.actor: ReviewerInfo | None = None
        self.batch_id: str | None = None
        self.item_id: str | None = None
        self._extra_policies: dict[str, tuple[str, ...]] = {}
        self._population_request = 0

    @property
    def actor_id(self) -> str:
        return self._actor_id()

    def _read(self, query: Callable[[Any], T], done: Callable[[T], None]) -> None:
        self.runner.run(lambda: self.store.read(query), done, self._failed)

    def _failed(self, error: BaseException) -> None:
        self.command_failed.emit(describe_error(error))

    def execute(self, command: Command, on_done: Callable[[Changes], None] | None = None) -> None:
        actor = self.actor_id

        def done(changes: Changes) -> None:
            self.changes_applied.emit(changes)
            if on_done is not None:
                on_done(changes)

        self.runner.run(lambda: self.store.execute(command, actor), done, self._failed)

    # --- reading -------------------------------------------------------------------------------------------
    def load_all(self) -> None:
        self.load_actor()
        self.load_batches()
        self.load_findings()
        self.load_dashboard()

    def load_actor(self) -> None:
        actor = self.actor_id

        def done(people: list[ReviewerInfo]) -> None:
            self.actor = next((p for p in people if p.id == actor), None)
            self.actor_loaded.emit(self.actor)

        self._read(queries.reviewers, done)

    def load_batches(self) -> None:
        self._read(batch_queries.batches, self.batches_loaded.emit)

    def open_batch(self, batch_id: str | None) -> None:
        self.batch_id = batch_id
        if batch_id is None:
            self.items_loaded.emit("", [])
            return
        actor = self.actor_id

        def done(rows: list[Any]) -> None:
            if batch_id == self.batch_id:
                self.items_loaded.emit(batch_id, rows)

        self._read(lambda s: batch_queries.batch_items(s, batch_id, actor), done)

    def open_item(self, item_id: str | None) -> None:
        self.item_id = item_id
        if item_id is None:
            self.blind_case_loaded.emit(None)
            return
        actor = self.actor_id
        extra = self._extra_policies.get(item_id, ())

        def done(case: Any) -> None:
            if item_id == self.item_id:
                self.blind_case_loaded.emit(case)

        self._read(lambda s: blind_case(s, item_id, actor, extra), done)

    def add_policy(self, policy_id: str) -> None:
        """Show another policy's checklist on the open item (an auditor may judge under any policy)."""
        if self.item_id is None:
            return
        extra = self._extra_policies.get(self.item_id, ())
        if policy_id not in extra:
            self._extra_policies[self.item_id] = (*extra, policy_id)
        self.open_item(self.item_id)

    def reveal(self) -> None:
        item_id = self.item_id
        if item_id is None:
            return
        actor = self.actor_id

        def done(comparison: Any) -> None:
            if item_id == self.item_id:
                self.comparison_loaded.emit(comparison)

        self._read(lambda s: compare_item(s, item_id, actor), done)

    def load_findings(self) -> None:
        actor = self.actor_id

        def work(session: Any) -> tuple[list[Any], list[Any], list[Any]]:
            return (
                finding_queries.findings_for(session, actor),
                finding_queries.findings(session, ("disputed",)),
                finding_queries.policy_ambiguities(session),
            )

        self._read(work, lambda result: self.findings_loaded.emit(*result))

    def load_dashboard(self, batch_id: str | None = None) -> None:
        self._read(lambda s: dashboard(s, batch_id), self.dashboard_loaded.emit)

    def count_population(self, spec: SampleSpec, confidence: float, margin: float) -> None:
        """The decisions a spec would sample from, and how many to audit for the given precision."""
        self._population_request += 1
        request = self._population_request

        def work() -> tuple[int, int]:
            population = sum(self.store.read(lambda s: strata_sizes(s, spec)).values())
            return population, sample_size(population, confidence, margin) if population else 0

        def done(result: tuple[int, int]) -> None:
            if request == self._population_request:
                self.population_counted.emit(*result)

        self.runner.run(work, done, self._failed)

    # --- intents, one per named command ----------------------------------------------------------------------
    def create_batch(self, name: str, spec: SampleSpec) -> None:
        def done(changes: Changes) -> None:
            self.load_batches()
            if changes.created_ids:
                self.open_batch(changes.created_ids[0])

        self.execute(CreateBatch(name, spec), done)

    def answer(self, element_id: str, answer: str, evidence: str) -> None:
        if self.item_id is not None:
            item_id = self.item_id
            self.execute(
                AnswerAuditChecklist(item_id, element_id, answer, evidence), lambda _c: self._reload(item_id)
            )

    def submit_review(self, outcome: str, policy_id: str | None, rationale: str) -> None:
        if self.item_id is None:
            return
        item_id = self.item_id

        def done(_changes: Changes) -> None:
            self._reload(item_id)
            if self.batch_id:
                self.open_batch(self.batch_id)
            self.load_batches()

        self.execute(SubmitBlindReview(item_id, outcome, policy_id, rationale), done)

    def score(self, review_id: str, scores: tuple[tuple[str, int], ...]) -> None:
        self.execute(ScoreReview(review_id, scores), lambda _c: self._after_audit_change())

    def raise_finding(self, review_id: str, category: str, note: str, on_done: Callable[[], None]) -> None:
        def done(_changes: Changes) -> None:
            on_done()
            self._after_audit_change()

        self.execute(RaiseFinding(review_id, category, note), done)

    def acknowledge(self, finding_id: str, version: int, note: str) -> None:
        self.execute(AcknowledgeFinding(finding_id, version, note), lambda _c: self._after_finding_change())

    def dispute(self, finding_id: str, version: int, reason: str) -> None:
        self.execute(DisputeFinding(finding_id, version, reason), lambda _c: self._after_finding_change())

    def resolve(self, finding_id: str, version: int, resolution: str, note: str) -> None:
        self.execute(
            ResolveFinding(finding_id, version, resolution, note), lambda _c: self._after_finding_change()
        )

    def _reload(self, item_id: str) -> None:
        if item_id == self.item_id:
            self.open_item(item_id)

    def _after_audit_change(self) -> None:
        self.reveal()
        if self.batch_id:
            self.open_batch(self.batch_id)
        self.load_findings()

    def _after_finding_change(self) -> None:
        self.load_findings()
        self.load_dashboard()

    # --- reports ---------------------------------------------------------------------------------------------
    def export(self, batch_id: str, path: Path, kind: str) -> None:
        """Write the batch's results as ``kind`` ("csv" or "pdf") off the UI thread."""

        def work() -> str:
            report = self.store.read(lambda s: batch_report(s, batch_id, datetime.now(UTC)))
            if kind == "csv":
                with path.open("w", encoding="utf-8", newline="") as out:
                    write_csv(report, out)
            else:
                render_pdf(report, path)
            return str(path)

        self.runner.run(work, self.export_finished.emit, self._failed)
