"""Background sync in the window: state changes, debounced sync on change, backoff while offline."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from sqlalchemy import text

from app.controllers.sync import SyncController, SyncState
from app.services.review_commands import AddNote
from app.services.sync.connection import hub_engine
from app.services.sync.hub_admin import init_hub
from app.widgets.sync_badge import SyncBadge
from tests.factories import make_case
from tests.sync_support import workstation

OFFLINE = "postgresql://nobody@127.0.0.1:1/none?connect_timeout=1"


def test_syncs_on_start_and_after_a_change(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    init_hub(hub_engine(url))
    ws = workstation(tmp_path, "w")
    case_id = make_case(ws.store)
    controller = SyncController(ws.store, url, ws.reviewer_id, debounce_ms=50, interval_ms=60_000)
    states: list[SyncState] = []
    controller.state_changed.connect(states.append)
    try:
        with qtbot.waitSignal(controller.sync_finished, timeout=20_000):
            controller.start()
        assert controller.state.online is True
        assert controller.state.pending == 0
        assert controller.state.last_sync_at is not None
        assert controller.state.hub_label == url
        assert any(s.syncing for s in states)
        ws.run(AddNote(case_id, "typed while online", "en"))
        with qtbot.waitSignal(controller.sync_finished, timeout=20_000):
            controller.notify_local_change()
        with hub_engine(url).connect() as connection:
            assert connection.execute(text("SELECT text FROM note")).scalars().all() == ["typed while online"]
    finally:
        controller.stop()
        controller.deleteLater()
        qtbot.wait(10)


def test_backs_off_while_the_hub_is_unreachable(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws = workstation(tmp_path, "w")
    make_case(ws.store)
    controller = SyncController(ws.store, OFFLINE, ws.reviewer_id, first_retry_ms=200, max_backoff_ms=400)
    retries: list[int] = []
    was_syncing = [False]

    def offline(state: SyncState) -> bool:
        if was_syncing[0] and not state.syncing and state.online is False:
            retries.append(state.next_retry_ms)  # one failed attempt just ended
        was_syncing[0] = state.syncing
        return len(retries) >= 3

    try:
        with qtbot.waitSignal(controller.state_changed, timeout=30_000, check_params_cb=offline):
            controller.start()
        assert retries[:3] == [200, 400, 400]
        assert controller.state.last_error
        assert controller.state.pending > 0
    finally:
        controller.stop()
        controller.deleteLater()
        qtbot.wait(10)


def test_badge_shows_what_it_is_given(qtbot) -> None:  # type: ignore[no-untyped-def]
    badge = SyncBadge()
    qtbot.addWidget(badge)
    badge.set_status("Offline · 3 waiting", "Last sync 10:02", level="warning")
    badge.set_action("Sync now")
    badge.set_progress(5, 10)
    assert badge.text == "Offline · 3 waiting"
    with qtbot.waitSignal(badge.action_requested):
        qtbot.mouseClick(badge.findChild(type(badge._button)), Qt.MouseButton.LeftButton)
    badge.set_progress(0, 0)
