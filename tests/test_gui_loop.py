"""The whole review loop in the real window, by keyboard: pick, claim, checklist, note, decide, remediate,
resolve; then the same window in Urdu."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.main import Workstation, build
from app.models import Case, Decision, Note
from app.services.audit import verify_chain
from app.services.profile import Profile

TIMEOUT = 10_000


@pytest.fixture
def station(seeded: Profile, qtbot: QtBot) -> Iterator[Workstation]:
    station = build(seeded)
    qtbot.addWidget(station.window)
    station.window.resize(1600, 960)
    station.window.show()
    qtbot.waitExposed(station.window)
    qtbot.waitUntil(lambda: station.workspace.current_case is not None, timeout=TIMEOUT)
    yield station
    station.runner.wait()


def focused() -> QWidget | None:
    window = QApplication.activeWindow() or next(
        w for w in QApplication.topLevelWidgets() if w.objectName() == "mainWindow"
    )
    return window.focusWidget()


def key(qtbot: QtBot, keys: str, widget: QWidget | None = None) -> None:
    """Press a key sequence where the keyboard focus is, as a person would."""
    target = widget or focused()
    assert target is not None
    modifiers = Qt.KeyboardModifier.NoModifier
    parts = keys.split("+")
    for part in parts[:-1]:
        modifiers |= {
            "Ctrl": Qt.KeyboardModifier.ControlModifier,
            "Shift": Qt.KeyboardModifier.ShiftModifier,
        }[part]
    name = parts[-1]
    code = getattr(Qt.Key, f"Key_{name}")
    qtbot.keyClick(target, code, modifiers)


def settled(station: Workstation, qtbot: QtBot) -> None:
    qtbot.waitUntil(lambda: not station.runner.busy, timeout=TIMEOUT)


def test_claim_to_resolved_with_the_keyboard(station: Workstation, seeded: Profile, qtbot: QtBot) -> None:
    window, ws = station.window, station.workspace
    window.activateWindow()
    qtbot.waitActive(window)
    window.queue.focus_search()
    key(qtbot, "Escape")
    assert focused() is window.queue._table
    # find a new, unassigned case with J
    for _ in range(60):
        case = ws.current_case
        if case is not None and case.status == "new" and case.checklists:
            break
        key(qtbot, "J")
        settled(station, qtbot)
    case = ws.current_case
    assert case is not None
    assert case.status == "new"
    case_id = case.id

    key(qtbot, "C")
    qtbot.waitUntil(lambda: ws.current_case.status == "in_review", timeout=TIMEOUT)

    key(qtbot, "A")
    checklist = ws.current_case.checklists[0]
    for element in checklist.elements:
        row = focused()
        assert getattr(row, "key", None) == element.element_id
        key(qtbot, "1" if element.kind == "criterion" else "2")
        settled(station, qtbot)
        key(qtbot, "Down")
    qtbot.waitUntil(lambda: ws.current_case.checklists[0].verdict == "violated", timeout=TIMEOUT)
    assert ws.current_case.suggested_outcome == checklist.violation_outcome

    key(qtbot, "N")
    qtbot.keyClicks(focused(), "Reviewed the author's history; first offence.")
    key(qtbot, "Ctrl+Return")
    qtbot.waitUntil(lambda: len(ws.current_case.notes) == 1, timeout=TIMEOUT)
    key(qtbot, "Escape")

    key(qtbot, "D")
    assert window.decision.outcome.currentData() == checklist.violation_outcome
    qtbot.keyClicks(focused(), "Every element is met and no exception applies.")
    key(qtbot, "Ctrl+Return")
    qtbot.waitUntil(lambda: ws.current_case.status == "decided", timeout=TIMEOUT)

    key(qtbot, "R")
    assert focused() is window.remediation.kind
    key(qtbot, "Tab")
    qtbot.keyClicks(focused(), "the reported post")
    window.remediation.add.setFocus()
    key(qtbot, "Space")
    qtbot.waitUntil(lambda: len(ws.current_case.remediation) == 1, timeout=TIMEOUT)
    assert ws.current_case.status == "remediating"
    window.remediation.status_buttons["done"].setFocus()
    key(qtbot, "Space")
    qtbot.waitUntil(lambda: ws.current_case.remediation[0].status == "done", timeout=TIMEOUT)

    key(qtbot, "Shift+R", window)
    qtbot.waitUntil(lambda: ws.current_case.status == "resolved", timeout=TIMEOUT)

    def stored(session):  # type: ignore[no-untyped-def]
        case = session.get(Case, case_id)
        decision = session.scalars(select(Decision).where(Decision.case_id == case_id)).one()
        notes = session.scalars(select(Note).where(Note.case_id == case_id)).all()
        return case.status, decision.outcome, decision.rationale, [n.text for n in notes]

    status, outcome, rationale, notes = seeded.store.read(stored)
    assert (status, outcome) == ("resolved", checklist.violation_outcome)
    assert rationale == "Every element is met and no exception applies."
    assert notes == ["Reviewed the author's history; first offence."]
    assert seeded.store.read(verify_chain).ok


def test_refused_command_is_shown_and_changes_nothing(
    station: Workstation, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[str] = []
    monkeypatch.setattr(station.window.dialogs, "error", shown.append)
    case = station.workspace.current_case
    assert case is not None
    station.window.decision.rationale.setPlainText("")
    station.window.decision.submit()
    qtbot.waitUntil(lambda: bool(shown), timeout=TIMEOUT)
    assert shown[0]  # a message for the person, e.g. the case must be claimed first
    assert station.workspace.current_case.status == case.status


def test_help_overlay_lists_every_shortcut(station: Workstation, qtbot: QtBot) -> None:
    station.window.show_help()
    overlay = station.window.help_overlay
    assert overlay is not None
    qtbot.waitExposed(overlay)
    assert overlay.table.rowCount() == len(station.window.SHORTCUTS)
    assert overlay.table.item(0, 1).text() == "Next case"


def test_switching_to_urdu_mirrors_and_retranslates(station: Workstation, qtbot: QtBot) -> None:
    window = station.window
    english_tab = window.tabs.tabText(0)
    window.switch_language("ur")
    assert window.isRightToLeft()
    assert window.queue.isRightToLeft()
    assert window.checklist.isRightToLeft()
    assert window.tabs.tabText(0) != english_tab
    window.switch_language("en")
    assert not window.isRightToLeft()
    assert window.tabs.tabText(0) == english_tab


def test_content_pane_labels_are_plain_text(station: Workstation) -> None:
    labels = station.window.content.findChildren(QLabel)
    assert labels
    for label in labels:
        assert label.textFormat() == Qt.TextFormat.PlainText, label.objectName() or label.text()


def test_rows_arriving_from_the_hub_never_take_the_reviewer_back(station: Workstation, qtbot: QtBot) -> None:
    """A sync pull reloads the open case; if the reviewer has just asked for another one, it is that one."""
    settled(station, qtbot)
    shown = station.workspace.current_case
    assert shown is not None
    model = station.window.queue.model
    wanted = next(
        item.id
        for r in range(model.rowCount())
        if (item := model.case_row(r)) is not None and item.id != shown.id
    )
    station.workspace.open_case(wanted)
    station.window._pulled()  # what the sync controller's data_pulled runs, before the wanted case has loaded
    settled(station, qtbot)
    current = station.workspace.current_case
    assert current is not None
    assert current.id == wanted
