"""Every visible string is translated, and switching language live updates all of them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.i18n import PSEUDO_LANGUAGE
from app.main import Workstation, build
from app.services.profile import Profile
from tests.ui_walk import data_strings, still_marked, untranslated, visible_texts

TIMEOUT = 10_000


@pytest.fixture
def station(seeded: Profile, qtbot: QtBot) -> Iterator[Workstation]:
    station = build(seeded)
    qtbot.addWidget(station.window)
    station.window.resize(1600, 960)
    station.window.show()
    qtbot.waitUntil(lambda: station.workspace.current_case is not None, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not station.runner.busy, timeout=TIMEOUT)
    yield station
    station.runner.wait()


def all_views(station: Workstation, qtbot: QtBot) -> list:
    window = station.window
    window.show_help()
    window.show_settings()
    qtbot.waitUntil(lambda: not station.runner.busy, timeout=TIMEOUT)
    views = [window, window.help_overlay, window.settings_dialog]
    for index in range(window.tabs.count()):  # every tab's texts, not just the visible one
        window.tabs.setCurrentIndex(index)
        views.append(window.tabs.widget(index))
    return views


def walk(station: Workstation, qtbot: QtBot) -> list[tuple[str, str]]:
    texts: list[tuple[str, str]] = []
    for view in all_views(station, qtbot):
        texts.extend(visible_texts(view))
    return texts


def data_of(station: Workstation) -> set[str]:
    """Values from data: the open case, reference lists, and every queue row loaded (codes included)."""
    ws, model = station.workspace, station.window.queue.model
    rows = [model.case_row(r) for r in range(min(model.rowCount(), 30))]
    codes = {code for row in rows if row for code in (row.language, row.region)}
    codes |= {part for keys, _d, _n in station.window.SHORTCUTS for part in keys.split("+")}  # key caps
    return data_strings(ws.current_case, ws.reference, station.window.profile_name, rows, codes)


def test_pseudo_locale_finds_no_untranslated_text(station: Workstation, qtbot: QtBot) -> None:
    station.window.switch_language(PSEUDO_LANGUAGE)
    qtbot.waitUntil(lambda: not station.runner.busy, timeout=TIMEOUT)
    problems = untranslated(walk(station, qtbot), data_of(station))
    assert problems == [], "\n".join(f"{w}: {t!r}" for w, t in problems[:60])


def test_switching_back_leaves_no_stale_text(station: Workstation, qtbot: QtBot) -> None:
    station.window.switch_language(PSEUDO_LANGUAGE)
    walk(station, qtbot)
    station.window.switch_language("en")
    qtbot.waitUntil(lambda: not station.runner.busy, timeout=TIMEOUT)
    assert still_marked(walk(station, qtbot)) == []


def test_urdu_mirrors_the_main_panes(station: Workstation) -> None:
    window = station.window
    window.switch_language("ur")
    for pane in (window, window.queue, window.content, window.checklist, window.tabs):
        assert pane.layoutDirection() == Qt.LayoutDirection.RightToLeft
    window.switch_language("ja")
    assert window.layoutDirection() == Qt.LayoutDirection.LeftToRight
