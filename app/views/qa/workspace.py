"""The QA audit workspace: batches (sampler, batch list, items) → blind re-review and reveal → findings →
dashboard, as tabs of one widget that the main window shows as its own window or tab."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QPushButton, QTabWidget, QVBoxLayout, QWidget

from app.controllers.qa import QaController
from app.controllers.qa_calibration import CalibrationController
from app.i18n import N_, _
from app.services import permissions
from app.services.dto import ReviewerInfo
from app.services.qa.dto import BatchInfo, BatchItemRow
from app.views.qa.batches_view import BatchesView
from app.views.qa.blind_review import BlindReviewView
from app.views.qa.calibration_view import CalibrationView
from app.views.qa.dashboard import DashboardView
from app.views.qa.findings_view import FindingsView
from app.widgets.safe_text import plain_label

TABS = ("batches", "review", "findings", "dashboard", "calibration")
TAB_TITLES = {
    "batches": N_("Batches"),
    "review": N_("Blind re-review"),
    "findings": N_("Findings"),
    "dashboard": N_("Dashboard"),
    "calibration": N_("Calibration"),
}
FILE_FILTERS = {"csv": N_("CSV files (*.csv)"), "pdf": N_("PDF files (*.pdf)")}
SavePathAsker = Callable[[str, str], str | None]


def ask_save_path(parent: QWidget) -> SavePathAsker:
    """The standard save dialog; tests pass their own asker instead."""

    def ask(suggested: str, kind: str) -> str | None:
        path, _selected = QFileDialog.getSaveFileName(parent, _("Export"), suggested, _(FILE_FILTERS[kind]))
        return path or None

    return ask


class QaWorkspace(QWidget):
    def __init__(
        self, controller: QaController, ask_path: SavePathAsker | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("qaWorkspace")
        self.controller = controller
        self._ask_path = ask_path or ask_save_path(self)
        self.batches = BatchesView(self)
        self.review = BlindReviewView(self)
        self.findings = FindingsView(self)
        self.dashboard = DashboardView(self)
        calibration = CalibrationController(
            controller.store, controller.runner, lambda: controller.actor_id, self
        )
        self.calibration = CalibrationView(calibration, self)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("qaTabs")
        for key in TABS:
            self.tabs.addTab(getattr(self, key), "")
        self.message = plain_label(self, role="warning", wrap=True)
        self.message.setObjectName("qaMessage")
        self.message.hide()
        self.dismiss = QPushButton(self)
        self.dismiss.hide()
        self.dismiss.clicked.connect(self._clear_message)
        self.actor = plain_label(self, role="muted")
        bar = QHBoxLayout()
        bar.addWidget(self.message, 1)
        bar.addWidget(self.dismiss, 0, Qt.AlignmentFlag.AlignTrailing)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.actor)
        layout.addLayout(bar)
        layout.addWidget(self.tabs, 1)
        self._connect()
        self.retranslate_ui()

    def load(self) -> None:
        """Fetch everything the tabs show; call once when the workspace is first shown."""
        self.controller.load_all()
        self.batches.sampler.request_count()

    # --- wiring --------------------------------------------------------------------------------------------
    def _connect(self) -> None:
        c = self.controller
        c.actor_loaded.connect(self._actor_loaded)
        c.batches_loaded.connect(self._batches_loaded)
        c.items_loaded.connect(self._items_loaded)
        c.blind_case_loaded.connect(self.review.show_case)
        c.comparison_loaded.connect(self.review.show_comparison)
        c.findings_loaded.connect(self.findings.show_findings)
        c.dashboard_loaded.connect(self.dashboard.show_dashboard)
        c.population_counted.connect(self.batches.sampler.set_population)
        c.command_failed.connect(self._show_message)
        c.actor_loaded.connect(lambda _actor: self.calibration.load())  # sessions follow the person
        self.calibration.controller.command_failed.connect(self._show_message)
        c.export_finished.connect(
            lambda path: self._show_message(_("Report written to %(path)s") % {"path": path})
        )
        sampler = self.batches.sampler
        sampler.sample_requested.connect(c.create_batch)
        sampler.spec_changed.connect(c.count_population)
        self.batches.batch_selected.connect(lambda batch_id: c.open_batch(batch_id or None))
        self.batches.item_opened.connect(self.open_item)
        self.batches.export_requested.connect(self._export)
        self.review.answered.connect(c.answer)
        self.review.policy_added.connect(c.add_policy)
        self.review.review_submitted.connect(lambda o, p, r: c.submit_review(o, p or None, r))
        self.review.reveal_requested.connect(c.reveal)
        self.review.step_requested.connect(self._step)
        self.review.reveal.scores_submitted.connect(c.score)
        self.review.reveal.finding_raised.connect(
            lambda review_id, category, note: c.raise_finding(
                review_id, category, note, self.review.reveal.finding_saved
            )
        )
        self.findings.acknowledge_requested.connect(c.acknowledge)
        self.findings.dispute_requested.connect(c.dispute)
        self.findings.resolve_requested.connect(c.resolve)
        self.dashboard.scope_changed.connect(lambda batch_id: c.load_dashboard(batch_id or None))
        self.tabs.currentChanged.connect(self._tab_changed)

    def open_item(self, item_id: str) -> None:
        self.controller.open_item(item_id)
        self.show_tab("review")

    def show_tab(self, key: str) -> None:
        self.tabs.setCurrentIndex(TABS.index(key))

    def _step(self, step: int) -> None:
        case = self.review.case
        if case is None:
            return
        neighbour = self.batches.next_item(case.item_id, step)
        if neighbour:
            self.controller.open_item(neighbour)

    def _tab_changed(self, index: int) -> None:
        if TABS[index] == "dashboard":
            scope = self.dashboard.scope.currentData() or None
            self.controller.load_dashboard(scope)
        elif TABS[index] == "findings":
            self.controller.load_findings()

    def _actor_loaded(self, actor: ReviewerInfo | None) -> None:
        role = actor.role if actor else ""
        self.findings.set_can_resolve(permissions.allowed(role, "resolve_finding"))
        self.findings.set_can_respond(permissions.allowed(role, "respond_finding"))
        can_audit = permissions.allowed(role, "qa_review")
        self.batches.sampler.draw_button.setEnabled(permissions.allowed(role, "qa_sample"))
        self.tabs.setTabEnabled(TABS.index("review"), can_audit)
        self.retranslate_ui()

    def _batches_loaded(self, batches: list[BatchInfo]) -> None:
        self.batches.show_batches(batches, self.controller.batch_id)
        self.dashboard.set_batches(batches)

    def _items_loaded(self, batch_id: str, items: list[BatchItemRow]) -> None:
        self.batches.show_items(batch_id, items)

    def _export(self, batch_id: str, kind: str) -> None:
        batch = next((b for b in self.batches.batch_model.rows() if b.id == batch_id), None)
        stem = "".join(
            ch if ch.isalnum() or ch in "-_" else "_" for ch in (batch.name if batch else "qa-report")
        )
        path = self._ask_path(str(Path.home() / f"{stem}.{kind}"), kind)
        if path:
            self.controller.export(batch_id, Path(path), kind)

    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()
        self.dismiss.show()

    def _clear_message(self) -> None:
        self.message.hide()
        self.dismiss.hide()

    # --- text ----------------------------------------------------------------------------------------------
    def retranslate_ui(self) -> None:
        self.setWindowTitle(_("Arbiter — QA audit"))
        for index, key in enumerate(TABS):
            self.tabs.setTabText(index, _(TAB_TITLES[key]))
        self.dismiss.setText(_("Dismiss"))
        actor = self.controller.actor
        self.actor.setText(
            _("Auditing as %(name)s") % {"name": actor.name} if actor else _("No reviewer selected")
        )

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)
