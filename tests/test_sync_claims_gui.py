"""What a reviewer sees of sync in the window: a claim awaiting the hub is marked, a lost claim is explained and
the case leaves their cases, and the queues to pull are chosen in the settings."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.cli import main as cli
from app.main import Workstation, build
from app.models import Reviewer
from app.services.dto import QueueFilter
from app.services.profile import Profile, open_profile, write_setting
from app.views.itemmodels.queue_model import CASE_ID_ROLE, COLUMNS
from app.views.settings_dialog import SettingsDialog
from tests.test_sync_window import TIMEOUT, synced

OFFLINE = "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2"
STATUS = next(i for i, (key, _t) in enumerate(COLUMNS) if key == "status")


@pytest.fixture
def team(seeded: Profile, tmp_path: Path, qtbot: QtBot) -> Iterator[tuple[Workstation, Workstation, str]]:
    """Two windows on one SQLite hub, working as two different specialists."""
    hub_url = f"sqlite:///{tmp_path / 'hub.db'}"
    assert cli(["hub", "init", hub_url]) == 0
    second = tmp_path / "second"
    shutil.copytree(seeded.path.parent.parent, second / "profiles")
    profiles = [seeded, open_profile(second, "demo")]
    people = dict(seeded.store.read(lambda s: s.query(Reviewer.handle, Reviewer.id).all()))
    for profile, handle in zip(profiles, ("srivera", "asiddiqui"), strict=True):
        profile.store.write(
            lambda s, handle=handle: (
                write_setting(s, "hub_url", hub_url),
                write_setting(s, "reviewer_id", people[handle]),
            )
        )
    stations = [build(p) for p in profiles]
    for station in stations:
        qtbot.addWidget(station.window)
        station.window.show()
        qtbot.waitUntil(lambda station=station: station.workspace.current_case is not None, timeout=TIMEOUT)
    for station in stations:
        synced(station, qtbot)
    yield stations[0], stations[1], hub_url
    for station in stations:
        station.window.close()
        station.runner.wait()


def status_text(station: Workstation, case_id: str) -> str:
    model = station.window.queue.model
    for row in range(model.rowCount()):
        if model.index(row, 0).data(CASE_ID_ROLE) == case_id:
            return str(model.index(row, STATUS).data())
    raise AssertionError(f"case {case_id} is not in the queue")


def open_new_case(station: Workstation, qtbot: QtBot) -> str:
    """Open a case nobody holds (the queue shows open cases, the most urgent first)."""
    model = station.window.queue.model
    qtbot.waitUntil(lambda: model.rowCount() > 0 and model.case_row(0) is not None, timeout=TIMEOUT)
    row = next(
        r
        for r in range(min(model.rowCount(), 100))
        if (item := model.case_row(r)) is not None and item.status == "new" and not item.assignee_name
    )
    case_id = str(model.case_row(row).id)  # type: ignore[union-attr]
    station.workspace.open_case(case_id)
    qtbot.waitUntil(
        lambda: station.workspace.current_case is not None and station.workspace.current_case.id == case_id,
        timeout=TIMEOUT,
    )
    return case_id


def test_an_offline_claim_is_marked_then_lost_to_the_first_claim(
    team: tuple[Workstation, Workstation, str], qtbot: QtBot
) -> None:
    a, b, hub_url = team
    case_id = open_new_case(a, qtbot)
    b.workspace.open_case(case_id)
    qtbot.waitUntil(
        lambda: b.workspace.current_case is not None and b.workspace.current_case.id == case_id,
        timeout=TIMEOUT,
    )
    assert b.window.sync is not None
    assert a.window.sync is not None
    b.window.sync.set_hub(OFFLINE)  # b works offline from here
    b.workspace.claim()
    qtbot.waitUntil(lambda: case_id in b.window.sync.state.pending_claims, timeout=TIMEOUT)  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: "claim pending sync" in status_text(b, case_id), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: "(claim pending sync)" in b.window.content.facts.text(), timeout=TIMEOUT)

    a.workspace.claim()  # online: a's claim reaches the hub first
    qtbot.waitUntil(lambda: a.workspace.current_case.assignee is not None, timeout=TIMEOUT)  # type: ignore[union-attr]
    synced(a, qtbot)
    assert case_id not in a.window.sync.state.pending_claims

    with qtbot.waitSignal(b.window.sync.claims_lost, timeout=TIMEOUT) as lost:
        b.window.sync.set_hub(hub_url)
        b.window.sync.sync_now()
    outcome = lost.args[0][0]
    assert (outcome.case_id, outcome.status, outcome.holder_name) == (case_id, "lost", "Sam Rivera")
    assert b.window.sync_info.isVisible()
    message = b.window.sync_info.message.text()
    assert outcome.external_ref in message
    assert "Sam Rivera" in message
    qtbot.waitUntil(
        lambda: (
            b.workspace.current_case is not None
            and b.workspace.current_case.assignee is not None
            and b.workspace.current_case.assignee.name == "Sam Rivera"
        ),
        timeout=TIMEOUT,
    )
    assert case_id not in b.window.sync.state.pending_claims
    assert "claim pending sync" not in b.window.content.facts.text()
    assert not b.window._editable(b.workspace.current_case)
    model = b.window.queue.model
    with qtbot.waitSignal(model.loaded, timeout=TIMEOUT):
        model.set_filter(QueueFilter(assignee_id=b.workspace.settings.reviewer_id))
    assert model.rowCount() < 100
    mine = {model.case_row(r).id for r in range(model.rowCount())}  # type: ignore[union-attr]
    assert case_id not in mine  # no longer among b's cases


def test_a_claim_confirmed_by_the_hub_loses_its_mark(
    team: tuple[Workstation, Workstation, str], qtbot: QtBot
) -> None:
    a, _b, _hub = team
    case_id = open_new_case(a, qtbot)
    assert a.window.sync is not None
    with qtbot.waitSignal(a.window.sync.sync_finished, timeout=TIMEOUT) as finished:
        a.workspace.claim()  # the change starts a sync shortly after
    assert [(c.case_id, c.status) for c in finished.args[0].claims] == [(case_id, "won")]
    qtbot.waitUntil(lambda: not a.window.sync.state.pending_claims, timeout=TIMEOUT)  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: "claim pending sync" not in status_text(a, case_id), timeout=TIMEOUT)
    assert "claim pending sync" not in a.window.content.facts.text()
    assert not a.window.sync_info.isVisible()


def test_the_settings_narrow_the_queues_sync_pulls(
    team: tuple[Workstation, Workstation, str], qtbot: QtBot
) -> None:
    a, _b, _hub = team
    window = a.window
    assert window.sync is not None
    assert window.sync.queues is None  # every queue by default
    window.show_settings()
    dialog = window.settings_dialog
    assert isinstance(dialog, SettingsDialog)
    items = [dialog.sync_queues.item(r) for r in range(dialog.sync_queues.count())]
    assert len(items) == len(a.workspace.reference.queues) > 1
    assert all(i.checkState() == Qt.CheckState.Checked for i in items)
    dropped = items[0].data(Qt.ItemDataRole.UserRole)
    items[0].setCheckState(Qt.CheckState.Unchecked)
    kept = tuple(sorted(i.data(Qt.ItemDataRole.UserRole) for i in items[1:]))
    assert window.sync.queues == kept
    assert a.workspace.settings.sync_queues == ",".join(kept)
    with qtbot.waitSignal(window.sync.sync_finished, timeout=TIMEOUT) as finished:
        window.sync.sync_now()
    assert finished.args[0].full_pull  # a new scope: the next sync pulls it afresh
    items[0].setCheckState(Qt.CheckState.Checked)
    assert window.sync.queues is None
    assert a.workspace.settings.sync_queues == ""
    assert dropped not in kept
    dialog.close()
