"""Background sync: on change (debounced), on a timer (backing off while the hub is unreachable), on demand.

Sync runs on a task runner of its own (one thread, not the UI's database worker), so a long pull never holds
up a command; SQLite's WAL lets the UI read while sync writes, and sync writes in short transactions.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from sqlalchemy import Engine

from app.controllers.tasks import TaskHandle, TaskRunner
from app.services.commanding import Store
from app.services.sync.conflicts import SyncStatus, status
from app.services.sync.connection import display_url, hub_engine
from app.services.sync.engine import HubNotReady, HubUnreachable, SyncProgress, SyncReport, sync


@dataclass(frozen=True)
class SyncState:
    """Everything the status bar shows about sync."""

    configured: bool = False  # a hub is set
    online: bool | None = None  # None: not tried yet
    syncing: bool = False
    pending: int = 0
    last_sync_at: datetime | None = None
    last_error: str = ""
    progress_done: int = 0
    progress_total: int = 0  # 0: no measurable progress (small pulls, pushes)
    conflicts: int = 0  # open conflicts in this profile
    rejections: int = 0
    hub_label: str = ""
    next_retry_ms: int = 0  # while offline: when the next attempt is due
    pending_claims: frozenset[str] = frozenset()  # cases claimed here, not yet confirmed by the hub


class SyncController(QObject):
    """Signals:
    state_changed: a SyncState, whenever anything about sync changed.
    sync_finished: a SyncReport after each successful sync.
    data_pulled: after a sync that brought rows in, so views reload what they show.
    claims_lost: the ClaimOutcomes of claims the hub gave to someone else in the last sync.
    """

    state_changed = Signal(object)
    sync_finished = Signal(object)
    data_pulled = Signal()
    claims_lost = Signal(object)

    def __init__(
        self,
        store: Store,
        hub_url: str,
        reviewer_id: str,
        *,
        queues: tuple[str, ...] | None = None,
        debounce_ms: int = 1500,
        interval_ms: int = 30_000,
        first_retry_ms: int = 5_000,
        max_backoff_ms: int = 300_000,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._engine: Engine = store.engine
        self._reviewer_id = reviewer_id
        self._queues = queues
        self._interval = interval_ms
        self._first_retry = first_retry_ms
        self._max_backoff = max_backoff_ms
        self._backoff = 0
        self._runner = TaskRunner(self, threads=1)
        self._handle: TaskHandle | None = None
        self._again = False
        self._hub: Engine | None = None
        self._hub_url = ""
        self.state = SyncState()
        self._debounce = QTimer(self, singleShot=True, interval=debounce_ms)
        self._debounce.timeout.connect(self.sync_now)
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self.sync_now)
        self.set_hub(hub_url)

    # --- what the UI calls ---------------------------------------------------------------------------------
    def start(self) -> None:
        """Read the local state, then sync right away (and keep syncing on the timer)."""
        self.refresh_local()
        self.sync_now()

    def set_hub(self, url: str) -> None:
        if url.strip() == self._hub_url and (self._hub_url or self.state.hub_label == ""):
            return  # unchanged (every settings change passes the hub along)
        self._hub_url = url.strip()
        if self._hub is not None:
            self._hub.dispose()
        self._hub = None
        label = display_url(self._hub_url) if self._hub_url else ""
        self._emit(configured=bool(self._hub_url), hub_label=label, online=None, last_error="")

    def set_reviewer(self, reviewer_id: str) -> None:
        if reviewer_id != self._reviewer_id:
            self._reviewer_id = reviewer_id
            self.refresh_local()

    def set_queues(self, queues: tuple[str, ...] | None) -> None:
        """Pull only these queues (by slug; None: every queue) from the next sync on."""
        self._queues = tuple(sorted(queues)) if queues is not None else None

    @property
    def queues(self) -> tuple[str, ...] | None:
        return self._queues

    @Slot()
    def notify_local_change(self, *_args: Any) -> None:
        """A command committed: count what waits now, and sync shortly (several edits make one sync)."""
        self.refresh_local()
        if self._hub_url:
            self._debounce.start()

    @Slot()
    def sync_now(self) -> None:
        """Sync now (the Sync button); if one is running, another follows it."""
        self._debounce.stop()
        self._timer.stop()
        if not self._hub_url:
            return
        if self._handle is not None:
            self._again = True
            return
        self._emit(syncing=True, progress_done=0, progress_total=0)
        self._handle = self._runner.run_with_handle(
            self._work, self._succeeded, self._failed, self._progressed
        )

    def refresh_local(self) -> None:
        self._runner.run(lambda: self._store.read(self._status), self._local_read, lambda _e: None)

    def _status(self, session: Any) -> SyncStatus:
        # Without a hub nothing is provisional: a claim is simply this profile's.
        return status(session, self._reviewer_id if self._hub_url else None)

    def stop(self) -> None:
        self._debounce.stop()
        self._timer.stop()
        self._runner.cancel_all()
        self._runner.wait()
        if self._hub is not None:
            self._hub.dispose()

    # --- the worker ----------------------------------------------------------------------------------------
    def _work(self, handle: TaskHandle) -> tuple[SyncReport, SyncStatus]:
        if self._hub is None:
            self._hub = hub_engine(self._hub_url)
        report = sync(
            self._engine,
            self._hub,
            reviewer_id=self._reviewer_id,
            queues=self._queues,
            progress=lambda p: self._report_progress(handle, p),
            cancelled=lambda: handle.cancelled,
        )
        return report, self._store.read(self._status)

    @staticmethod
    def _report_progress(handle: TaskHandle, progress: SyncProgress) -> None:
        if progress.phase == "pull" and progress.total:
            handle.report(progress.done, progress.total)

    # --- results, on the UI thread -------------------------------------------------------------------------
    def _progressed(self, done: int, total: int) -> None:
        self._emit(progress_done=done, progress_total=total)

    def _succeeded(self, result: tuple[SyncReport, SyncStatus]) -> None:
        report, local = result
        self._handle = None
        self._backoff = 0
        self._emit_local(local, online=True, syncing=False, progress_total=0, next_retry_ms=0)
        self.sync_finished.emit(report)
        lost = tuple(c for c in report.claims if c.status == "lost")
        if report.pulled or lost:
            self.data_pulled.emit()
        if lost:
            self.claims_lost.emit(lost)
        self._next(self._interval)

    def _failed(self, error: BaseException) -> None:
        self._handle = None
        if isinstance(error, HubUnreachable | HubNotReady):
            message = str(error)
        else:
            message = f"{type(error).__name__}: {error}"
        self._backoff = min(self._max_backoff, self._backoff * 2 or self._first_retry)
        self._emit(
            online=False, syncing=False, last_error=message, progress_total=0, next_retry_ms=self._backoff
        )
        self.refresh_local()
        self._next(self._backoff)

    def _next(self, delay_ms: int) -> None:
        if self._again:
            self._again = False
            self.sync_now()
        elif self._hub_url:
            self._timer.start(delay_ms)

    def _local_read(self, local: SyncStatus) -> None:
        self._emit_local(local)

    def _emit_local(self, local: SyncStatus, **values: Any) -> None:
        self._emit(
            pending=local.pending,
            conflicts=local.open_conflicts,
            rejections=local.rejections,
            last_sync_at=local.last_sync_at,
            pending_claims=local.pending_claims,
            **({"last_error": local.last_error} if values.get("online") else {}),
            **values,
        )

    def _emit(self, **values: Any) -> None:
        self.state = replace(self.state, **values)
        self.state_changed.emit(self.state)
