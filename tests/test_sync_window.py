"""Two workstations in their windows, one SQLite hub: each sees the other's work after a sync."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.cli import main as cli
from app.main import Workstation, build
from app.services.profile import Profile, open_profile, write_setting

TIMEOUT = 20_000


@pytest.fixture
def two_stations(seeded: Profile, tmp_path: Path, qtbot: QtBot) -> Iterator[tuple[Workstation, Workstation]]:
    hub_url = f"sqlite:///{tmp_path / 'hub.db'}"
    assert cli(["hub", "init", hub_url]) == 0
    second = tmp_path / "second"
    shutil.copytree(seeded.path.parent.parent, second / "profiles")
    profiles = [seeded, open_profile(second, "demo")]
    for profile in profiles:
        profile.store.write(lambda s: write_setting(s, "hub_url", hub_url))
    stations = [build(p) for p in profiles]
    for station in stations:
        qtbot.addWidget(station.window)
        station.window.show()
        qtbot.waitUntil(lambda station=station: station.workspace.current_case is not None, timeout=TIMEOUT)
    yield stations[0], stations[1]
    for station in stations:
        station.window.close()
        station.runner.wait()


def synced(station: Workstation, qtbot: QtBot) -> None:
    sync = station.window.sync
    assert sync is not None
    with qtbot.waitSignal(sync.sync_finished, timeout=TIMEOUT):
        sync.sync_now()


def test_each_window_sees_the_others_note(
    two_stations: tuple[Workstation, Workstation], qtbot: QtBot
) -> None:
    a, b = two_stations
    synced(a, qtbot)
    synced(b, qtbot)
    assert a.window.status_sync.text.startswith("Sync: ")
    assert "online" in a.window.status_sync.text
    case_id = a.workspace.current_case.id
    done: list[object] = []
    a.workspace.add_note("Seen from workstation A.", "en", "internal", done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=TIMEOUT)
    synced(a, qtbot)
    b.workspace.open_case(case_id)
    synced(b, qtbot)
    qtbot.waitUntil(
        lambda: (
            b.workspace.current_case is not None
            and b.workspace.current_case.id == case_id
            and any(n.text == "Seen from workstation A." for n in b.workspace.current_case.notes)
        ),
        timeout=TIMEOUT,
    )
