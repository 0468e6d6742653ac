"""Watching a reviewer's exposure during the shift: reveals, and time spent on sensitive queues."""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer, Signal

from app.core.wellness import BreakPolicy, Exposure

TICK_MS = 15_000


class WellnessMonitor(QObject):
    """Signals:
    exposure_changed: the new Exposure.
    break_suggested: emitted once each time the exposure since the last break passes a limit.
    """

    exposure_changed = Signal(object)
    break_suggested = Signal()

    def __init__(self, policy: BreakPolicy, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.policy = policy
        self.exposure = Exposure()
        self._sensitive = False
        self._suggested = False
        self._last = time.monotonic()
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self.tick)
        self._timer.start()

    def set_sensitive(self, sensitive: bool) -> None:
        """The case on screen is (or is not) from a sensitive queue; time counts from now."""
        self.tick()
        self._sensitive = sensitive

    def record_reveal(self) -> None:
        self._update(self.exposure.revealed())

    def took_break(self) -> None:
        self._suggested = False
        self._update(self.exposure.took_break())

    def tick(self) -> None:
        now = time.monotonic()
        elapsed, self._last = now - self._last, now
        self._update(self.exposure.spent(elapsed, self._sensitive))

    def _update(self, exposure: Exposure) -> None:
        self.exposure = exposure
        self.exposure_changed.emit(exposure)
        if exposure.break_due(self.policy) and not self._suggested:
            self._suggested = True
            self.break_suggested.emit()
