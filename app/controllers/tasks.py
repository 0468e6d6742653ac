"""The one way work leaves the UI thread: a task runner with success and failure callbacks, progress and
cancellation. Database work runs on a single worker (SQLite has one writer); results come back as queued
signals, so callbacks always run on the UI thread.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

T = TypeVar("T")
log = logging.getLogger(__name__)


class TaskHandle:
    """What a running job can see: whether it was cancelled, and a way to report progress."""

    def __init__(self, report: Callable[[int, int], None]) -> None:
        self._cancelled = threading.Event()
        self._report = report

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def cancel(self) -> None:
        self._cancelled.set()

    def report(self, done: int, total: int) -> None:
        self._report(done, total)


class _Relay(QObject):
    """Lives on the UI thread; the worker emits, Qt queues the call back to the UI thread."""

    succeeded = Signal(object)
    failed = Signal(object)
    progressed = Signal(int, int)


class _Job(QRunnable, Generic[T]):
    def __init__(self, work: Callable[[TaskHandle], T], relay: _Relay, handle: TaskHandle) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._work = work
        self._relay = relay
        self._handle = handle

    def run(self) -> None:
        try:
            result = self._work(self._handle)
        except BaseException as error:  # reported to the UI thread, never lost in a worker
            error.__traceback_text__ = traceback.format_exc()  # type: ignore[attr-defined]
            self._relay.failed.emit(error)
        else:
            self._relay.succeeded.emit(result)


class TaskRunner(QObject):
    """Runs jobs off the UI thread, one pool per kind of work.

    Signals:
        idle: emitted when the last running job has delivered its result.
        failed: emitted with an exception no failure callback handled.
    """

    idle = Signal()
    failed = Signal(object)

    def __init__(self, parent: QObject | None = None, *, threads: int = 1) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(threads)
        self._active: dict[int, tuple[_Relay, TaskHandle]] = {}
        self._next = 0

    @property
    def busy(self) -> bool:
        return bool(self._active)

    def run(
        self,
        work: Callable[[], T],
        on_success: Callable[[T], None] | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
    ) -> TaskHandle:
        return self.run_with_handle(lambda _handle: work(), on_success, on_failure)

    def run_with_handle(
        self,
        work: Callable[[TaskHandle], T],
        on_success: Callable[[T], None] | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> TaskHandle:
        relay = _Relay(self)
        handle = TaskHandle(relay.progressed.emit)
        key = self._next
        self._next += 1
        self._active[key] = (relay, handle)

        def succeeded(result: Any) -> None:
            self._finish(key)
            if on_success is not None and not handle.cancelled:
                on_success(result)

        def failed(error: BaseException) -> None:
            self._finish(key)
            if handle.cancelled:
                return
            if on_failure is not None:
                on_failure(error)
            else:
                log.error("background task failed: %s", getattr(error, "__traceback_text__", error))
                self.failed.emit(error)

        relay.succeeded.connect(succeeded)
        relay.failed.connect(failed)
        if on_progress is not None:
            relay.progressed.connect(on_progress)
        self._pool.start(_Job(work, relay, handle))
        return handle

    @Slot()
    def _finish(self, key: int) -> None:
        relay, _handle = self._active.pop(key)
        relay.deleteLater()
        if not self._active:
            self.idle.emit()

    def cancel_all(self) -> None:
        for _relay, handle in self._active.values():
            handle.cancel()

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until every started job has run (for shutdown and tests)."""
        return bool(self._pool.waitForDone(msecs))
