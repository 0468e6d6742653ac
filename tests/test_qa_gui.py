"""The QA workspace driven like a person would: draw a stratified batch, re-review blind, reveal, score, raise a
finding; the reviewer disputes it; a lead resolves it. The original decision is unchanged afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.controllers.language import LanguageService
from app.controllers.qa import QaController
from app.controllers.tasks import TaskRunner
from app.i18n import PseudoTranslations
from app.models import Reviewer
from app.services import queries
from app.services.profile import Profile
from app.services.qa.batches import batch_items, batches
from app.services.qa.demo import seed_qa_demo
from app.services.qa.dto import Comparison, FindingInfo, RubricCriterion
from app.services.qa.findings import findings
from app.views.itemmodels.qa_models import BatchItemModel, BatchListModel, FindingModel
from app.views.qa.findings_view import FindingsView
from app.views.qa.reveal_panel import RevealPanel
from app.views.qa.workspace import QaWorkspace
from tests.test_qa_audit import decision_of, snapshot

TIMEOUT = 15_000


@dataclass
class Station:
    workspace: QaWorkspace
    controller: QaController
    runner: TaskRunner
    people: dict[str, str]
    actor: dict[str, str]
    exported: list[tuple[str, str]]


@pytest.fixture
def station(seeded: Profile, qtbot: QtBot, tmp_path: Path) -> Iterator[Station]:
    people = dict(seeded.store.read(lambda s: s.execute(select(Reviewer.handle, Reviewer.id)).all()))
    actor = {"id": people["mpark"]}
    runner = TaskRunner()
    controller = QaController(seeded.store, runner, lambda: actor["id"])
    exported: list[tuple[str, str]] = []

    def ask(suggested: str, kind: str) -> str:
        path = str(tmp_path / f"report.{kind}")
        exported.append((path, kind))
        return path

    workspace = QaWorkspace(controller, ask_path=ask)
    qtbot.addWidget(workspace)
    workspace.resize(1500, 900)
    workspace.show()
    qtbot.waitExposed(workspace)
    workspace.load()
    yield Station(workspace, controller, runner, people, actor, exported)
    runner.wait()


def settle(station: Station, qtbot: QtBot) -> None:
    qtbot.waitUntil(lambda: not station.runner.busy, timeout=TIMEOUT)


def click(qtbot: QtBot, widget: Any) -> None:
    """Click ``widget`` as a person can: once it has a size on screen, and check that the click reached it.

    A widget that has just been shown (the lead's box once the actor loads) gets its size from a layout pass
    that the event loop runs later; until then its rectangle is empty, and a synthetic click at its centre
    misses it without a sound, as no pointer could.
    """
    qtbot.waitUntil(lambda: not widget.rect().isEmpty(), timeout=TIMEOUT)
    assert widget.isEnabled(), widget.objectName()
    with qtbot.waitSignal(widget.clicked, timeout=TIMEOUT):
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def pick(combo: Any, data: Any) -> None:
    index = combo.findData(data)
    assert index >= 0, data
    combo.setCurrentIndex(index)


def test_a_whole_audit_through_the_workspace(seeded: Profile, station: Station, qtbot: QtBot) -> None:
    ws, people = station.workspace, station.people
    before = snapshot(seeded)
    settle(station, qtbot)
    assert "Mina Park" in ws.actor.text()
    # 1. draw a stratified sample
    sampler = ws.batches.sampler
    sampler.name.setText("GUI audit")
    pick(sampler.method, "stratified")
    pick(sampler.by, "queue")
    sampler.size.setValue(6)
    sampler.seed.setValue(5)
    qtbot.waitUntil(lambda: "decisions in scope" in sampler.helper.text(), timeout=TIMEOUT)
    click(qtbot, sampler.draw_button)
    qtbot.waitUntil(lambda: ws.batches.item_model.rowCount() == 6, timeout=TIMEOUT)
    assert ws.batches.batch_model.row_at(0).name == "GUI audit"
    assert "Stratified" in ws.batches.summary.text()
    # 2. open the first item blind
    table = ws.batches.item_table
    first = ws.batches.item_model.row_at(0)
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_Home)
    click(qtbot, ws.batches.open_button)
    qtbot.waitUntil(
        lambda: ws.review.case is not None and ws.review.case.item_id == first.id, timeout=TIMEOUT
    )
    assert ws.tabs.currentWidget() is ws.review
    decision = decision_of(seeded, first.id)
    shown = " ".join(label.text() for label in ws.review.findChildren(QLabel))
    assert decision.rationale not in shown
    # 3. answer the first policy's checklist by keyboard, against the original
    violated = decision.outcome == "no_violation"
    checklist = ws.review.case.checklists[0]
    for element in checklist.elements:
        row = next(r for r in ws.review.rows if r.key == element.element_id)
        met = (element.kind == "criterion") == violated
        row.setFocus()
        qtbot.keyClick(row, Qt.Key.Key_1 if met else Qt.Key.Key_2)
        settle(station, qtbot)
    qtbot.waitUntil(lambda: ws.review.case.checklists[0].verdict != "undetermined", timeout=TIMEOUT)
    outcome = checklist.violation_outcome if violated else "no_violation"
    pick(ws.review.outcome, outcome)
    pick(ws.review.policy, checklist.policy_id if violated else "")
    ws.review.rationale.setPlainText("My own reading of the checklist.")
    assert not ws.review.reveal_button.isEnabled()
    click(qtbot, ws.review.submit_button)
    qtbot.waitUntil(lambda: ws.review.case.submitted, timeout=TIMEOUT)
    # 4. reveal: side by side, differences marked
    click(qtbot, ws.review.reveal_button)
    reveal = ws.review.reveal
    qtbot.waitUntil(lambda: reveal.comparison is not None, timeout=TIMEOUT)
    assert ws.review.stack.currentWidget() is reveal
    assert reveal.comparison.original_outcome == decision.outcome
    assert not reveal.comparison.agreed
    marked = [w for w in reveal.findChildren(QLabel) if w.property("diff") == "true"]
    assert len(marked) >= 2
    # 5. score and raise a finding
    pick(reveal.score_combos["correct_outcome"], 0)
    pick(reveal.score_combos["timeliness"], 2)
    click(qtbot, reveal.save_scores)
    qtbot.waitUntil(lambda: reveal.comparison.scores.get("correct_outcome") == 0, timeout=TIMEOUT)
    pick(reveal.category, "evidence_missed")
    reveal.note.setPlainText("The reply thread shows intent.")
    click(qtbot, reveal.raise_button)
    qtbot.waitUntil(lambda: len(reveal.comparison.findings) == 1, timeout=TIMEOUT)
    assert reveal.note.toPlainText() == ""
    qtbot.waitUntil(lambda: ws.batches.item_model.row_at(0).findings == 1, timeout=TIMEOUT)
    assert ws.batches.item_model.row_at(0).reviewed
    # 6. the decision's author disputes the finding
    station.actor["id"] = decision.author_id
    station.controller.load_all()
    ws.show_tab("findings")
    view = ws.findings
    qtbot.waitUntil(lambda: view.mine_model.rowCount() == 1, timeout=TIMEOUT)
    assert not view._lead_box.isVisibleTo(ws)  # a specialist does not resolve disputes
    assert not view.dispute_button.isEnabled()  # a dispute needs a reason
    qtbot.keyClicks(view.reply, "The regional context supports my reading.")
    qtbot.waitUntil(view.dispute_button.isEnabled, timeout=TIMEOUT)
    click(qtbot, view.dispute_button)
    qtbot.waitUntil(lambda: view.mine_model.row_at(0).status == "disputed", timeout=TIMEOUT)
    # 7. a lead resolves it
    station.actor["id"] = people["jbecker"]
    station.controller.load_all()
    qtbot.waitUntil(
        lambda: view.disputes_model.rowCount() == 1 and view._lead_box.isVisibleTo(ws), timeout=TIMEOUT
    )
    pick(view.resolution, "withdrawn")
    qtbot.keyClicks(view.resolution_note, "Context confirmed by the regional team.")
    # the lead's lists load in the background: wait until the dispute is selected and the button allows it
    qtbot.waitUntil(view.resolve_button.isEnabled, timeout=TIMEOUT)
    click(qtbot, view.resolve_button)
    qtbot.waitUntil(lambda: view.disputes_model.rowCount() == 0, timeout=TIMEOUT)
    resolved = seeded.store.read(lambda s: findings(s))[0]
    assert (resolved.status, resolved.resolution) == ("resolved", "withdrawn")
    # 8. the reports export, and nothing of the review record moved
    click(qtbot, ws.batches.csv_button)
    click(qtbot, ws.batches.pdf_button)
    settle(station, qtbot)
    assert [kind for _p, kind in station.exported] == ["csv", "pdf"]
    assert Path(station.exported[1][0]).read_bytes().startswith(b"%PDF")
    assert snapshot(seeded) == before
    assert not ws.message.isVisible() or "Report written" in ws.message.text()


def dispute(number: int, version: int = 2) -> FindingInfo:
    return FindingInfo(
        id=f"finding-{number}",
        review_id=f"review-{number}",
        decision_id=f"decision-{number}",
        case_id=f"case-{number}",
        external_ref=f"CASE-{number}",
        reviewer_id="reviewer",
        reviewer_name="Sam Rivera",
        auditor_name="Mina Park",
        category="evidence_missed",
        note="The reply thread shows intent.",
        status="disputed",
        response="The regional context supports my reading.",
        resolution="",
        resolution_note="",
        resolved_by_name="",
        policy_code="",
        original_outcome="no_violation",
        audit_outcome="no_violation",
        created_at=datetime(2025, 1, number, tzinfo=UTC),
        version=version,
    )


@pytest.fixture
def findings_view(qtbot: QtBot) -> FindingsView:
    view = FindingsView()
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    qtbot.waitExposed(view)
    return view


def test_resolve_goes_to_the_dispute_picked_before_a_reload(
    findings_view: FindingsView, qtbot: QtBot
) -> None:
    view = findings_view
    view.set_can_resolve(True)
    view.show_findings([], [dispute(3), dispute(2), dispute(1)], [])
    table = view.disputes_table
    qtbot.waitUntil(lambda: not table.visualRect(view.disputes_model.index(2, 0)).isEmpty(), timeout=TIMEOUT)
    qtbot.mouseClick(
        table.viewport(),
        Qt.MouseButton.LeftButton,
        pos=table.visualRect(view.disputes_model.index(2, 0)).center(),
    )
    assert table.currentIndex().row() == 2
    # the lists are read again after another command: a new dispute on top, the picked one changed meanwhile
    view.show_findings([], [dispute(4), dispute(3), dispute(2), dispute(1, version=3)], [])
    qtbot.keyClicks(view.resolution_note, "Context confirmed by the regional team.")
    with qtbot.waitSignal(view.resolve_requested, timeout=TIMEOUT) as resolved:
        click(qtbot, view.resolve_button)
    assert resolved.args[:2] == ["finding-1", 3]


def test_resolve_reaches_the_lead_the_moment_the_box_appears(
    seeded: Profile, station: Station, qtbot: QtBot
) -> None:
    """The whole-audit run, step 7, with its timing pinned: the lead's actor arrives and Resolve is clicked
    before the event loop has laid out the box that has just been shown."""
    ws, controller = station.workspace, station.controller
    view = ws.findings
    ws.show_tab("findings")
    settle(station, qtbot)
    people = {p.handle: p for p in seeded.store.read(queries.reviewers)}
    controller.actor_loaded.emit(people["srivera"])  # a specialist first: no lead's box
    controller.findings_loaded.emit([], [dispute(1)], [])
    qtbot.waitUntil(lambda: view._lead_box.height() == 0, timeout=TIMEOUT)  # laid out without the box
    view.resolve_requested.disconnect(controller.resolve)  # the dispute here is made up: no command to run
    controller.actor_loaded.emit(people["jbecker"])
    qtbot.keyClicks(view.resolution_note, "Context confirmed by the regional team.")
    assert view.resolve_button.isEnabled()
    assert view.resolve_button.rect().isEmpty()  # its size comes with the next layout pass
    with qtbot.waitSignal(view.resolve_requested, timeout=TIMEOUT) as resolved:
        click(qtbot, view.resolve_button)
    assert resolved.args[:2] == ["finding-1", 2]


def comparison(scores: dict[str, int], findings: tuple[FindingInfo, ...] = ()) -> Comparison:
    day = datetime(2025, 1, 1, tzinfo=UTC)
    return Comparison(
        item_id="item-1",
        review_id="review-1",
        case_id="case-1",
        external_ref="CASE-1",
        original_outcome="no_violation",
        original_policy="",
        original_cited=(),
        original_rationale="Nothing breaks a rule.",
        original_override="",
        original_reviewer_id="reviewer",
        original_reviewer="Sam Rivera",
        decided_at=day,
        audit_outcome="no_violation",
        audit_policy="",
        audit_rationale="Agreed.",
        auditor="Mina Park",
        audited_at=day,
        elements=(),
        differences=(),
        rubric=(
            RubricCriterion("correct_outcome", "Correct outcome", 2, builtin=True),
            RubricCriterion("timeliness", "Timeliness", 2, builtin=True),
        ),
        scores=scores,
        findings=findings,
    )


def test_a_reload_keeps_the_scores_picked_but_not_saved(qtbot: QtBot) -> None:
    panel = RevealPanel()
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    panel.show_comparison(comparison({"timeliness": 1}))
    pick(panel.score_combos["correct_outcome"], 0)
    # a finding is raised before the scores are saved, and the comparison is read again
    panel.show_comparison(comparison({"timeliness": 1}, (dispute(1),)))
    assert panel.score_combos["correct_outcome"].currentData() == 0
    assert panel.score_combos["timeliness"].currentData() == 1
    with qtbot.waitSignal(panel.scores_submitted, timeout=TIMEOUT) as saved:
        click(qtbot, panel.save_scores)
    assert dict(saved.args[1]) == {"correct_outcome": 0, "timeliness": 1}
    # saved elsewhere meanwhile: a score nobody touched here follows the stored one
    panel.show_comparison(comparison({"correct_outcome": 0, "timeliness": 2}))
    assert panel.score_combos["timeliness"].currentData() == 2


def test_models_pass_qtmodeltester(seeded: Profile, qtmodeltester: ModelTester) -> None:
    store = seeded.store
    report = store.write(lambda s: seed_qa_demo(s, seed=2, size=12))
    assert report is not None
    people = dict(store.read(lambda s: s.execute(select(Reviewer.handle, Reviewer.id)).all()))
    for model, rows in (
        (BatchListModel(), store.read(batches)),
        (BatchItemModel(), store.read(lambda s: batch_items(s, report.batch_id, people["mpark"]))),
        (FindingModel(), store.read(lambda s: findings(s))),
    ):
        assert rows
        model.set_rows(rows)
        qtmodeltester.check(model, force_py=True)
        model.retranslate()
        assert model.data(model.index(0, 0)) is not None
        assert model.data(QModelIndex()) is None


def test_every_text_follows_the_language_and_the_layout_mirrors(
    seeded: Profile, station: Station, qtbot: QtBot
) -> None:
    seeded.store.write(lambda s: seed_qa_demo(s, seed=3, size=10))
    ws = station.workspace
    ws.load()
    settle(station, qtbot)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    language = LanguageService(app)
    try:
        language.set_language("x-pseudo")
        for key in ("batches", "review", "findings", "dashboard"):
            ws.show_tab(key)
            settle(station, qtbot)
            texts = [
                w.text()
                for w in ws.tabs.currentWidget().findChildren(QLabel)
                if w.isVisibleTo(ws) and w.text()
            ]
            ours = [t for t in texts if t.startswith(PseudoTranslations.MARK_OPEN)]
            assert ours, key
        assert ws.tabs.tabText(0).startswith(PseudoTranslations.MARK_OPEN)
        header = ws.batches.batch_model.headerData(0, Qt.Orientation.Horizontal)
        assert header.startswith(PseudoTranslations.MARK_OPEN)
        language.set_language("ur")
        assert ws.layoutDirection() == Qt.LayoutDirection.RightToLeft
        ws.show_tab("dashboard")
        settle(station, qtbot)
        assert ws.dashboard.trend.is_rtl()
        assert not ws.dashboard.grab().isNull()
    finally:
        language.set_language("en")
