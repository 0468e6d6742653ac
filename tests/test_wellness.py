"""Moderator wellness: blurred media, deliberate reveals on the record, exposure, breaks, the privacy screen."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.core.wellness import BreakPolicy, Exposure
from app.main import Workstation, build
from app.models import AuditEvent
from app.services.profile import Profile

TIMEOUT = 10_000


def test_break_is_due_after_either_limit() -> None:
    policy = BreakPolicy(minutes_on_sensitive=30, reveals=3)
    exposure = Exposure().spent(29 * 60, sensitive=True).spent(3600, sensitive=False)
    assert not exposure.break_due(policy)
    assert exposure.spent(60, sensitive=True).break_due(policy)
    revealed = Exposure().revealed().revealed().revealed()
    assert revealed.break_due(policy)
    assert not revealed.took_break().break_due(policy)
    assert revealed.took_break().revealed().reveals == 4


@pytest.fixture
def station(seeded: Profile, qtbot: QtBot) -> Iterator[Workstation]:
    station = build(seeded)
    qtbot.addWidget(station.window)
    station.window.show()
    qtbot.waitUntil(lambda: station.workspace.current_case is not None, timeout=TIMEOUT)
    yield station
    station.runner.wait()


def open_case_with_media(station: Workstation, qtbot: QtBot) -> None:
    window = station.window
    for _ in range(120):
        if any(card.media for card in window.content.cards):
            break
        window.next_case()
        qtbot.waitUntil(lambda: not station.runner.busy, timeout=TIMEOUT)
    viewers = [v for card in window.content.cards for _i, v in card.media]
    assert viewers, "the demo data has media"
    qtbot.waitUntil(
        lambda: viewers[0]._picture.pixmap() is not None and not viewers[0]._picture.pixmap().isNull(),
        timeout=TIMEOUT,
    )


def test_media_is_blurred_until_a_logged_reveal(station: Workstation, seeded: Profile, qtbot: QtBot) -> None:
    open_case_with_media(station, qtbot)
    viewer = next(v for card in station.window.content.cards for _i, v in card.media)
    assert not viewer.revealed
    blurred = viewer._picture.pixmap().toImage()
    station.window.wellness.policy = BreakPolicy(minutes_on_sensitive=500, reveals=1)
    with qtbot.waitSignal(station.window.wellness.break_suggested, timeout=TIMEOUT):
        qtbot.mouseClick(viewer._button, Qt.MouseButton.LeftButton)
    assert viewer.revealed
    assert viewer._picture.pixmap().toImage() != blurred
    qtbot.waitUntil(lambda: not station.runner.busy, timeout=TIMEOUT)
    reveals = seeded.store.read(
        lambda s: s.scalars(select(AuditEvent).where(AuditEvent.action == "media.revealed")).all()
    )
    assert len(reveals) == 1
    assert station.window.info_bar.isVisible()
    assert "1" in station.window.status_exposure.text()


def test_privacy_screen_hides_everything_at_once(station: Workstation, qtbot: QtBot) -> None:
    open_case_with_media(station, qtbot)
    window = station.window
    viewer = next(v for card in window.content.cards for _i, v in card.media)
    viewer.reveal()
    window.hide_media()
    assert window.content.content_hidden
    assert window.content.widget().objectName() == "privacyScreen"
    assert not viewer.revealed  # media is blurred again behind the screen
    window.hide_media()
    assert not window.content.content_hidden


def test_blind_review_hides_author_until_the_checklist_is_done(station: Workstation, qtbot: QtBot) -> None:
    window, ws = station.window, station.workspace
    for _ in range(80):
        case = ws.current_case
        if case is not None and case.status == "new" and case.checklists and case.suggested_outcome is None:
            break
        window.next_case()
        qtbot.waitUntil(lambda: not station.runner.busy, timeout=TIMEOUT)
    case = ws.current_case
    assert case is not None
    ws.save_setting("blind_review", True)
    qtbot.waitUntil(lambda: not station.runner.busy, timeout=TIMEOUT)
    reported = window.content.cards[0]
    author = next(c for c in case.content if c.reported).author_display_name
    assert reported.author.text() == "Author hidden (blind review)"
    assert not reported.handle.isVisible()
    assert "views" not in reported.meta.text()
    ws.claim()
    qtbot.waitUntil(lambda: ws.current_case.status == "in_review", timeout=TIMEOUT)
    for checklist in ws.current_case.checklists:  # rule each policy out with its first element
        ws.answer(checklist.elements[0].element_id, "not_met", "")
        qtbot.waitUntil(lambda: not station.runner.busy, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: ws.current_case.suggested_outcome == "no_violation", timeout=TIMEOUT)
    assert window.content.cards[0].author.text() == author
