"""Python's cycle collector, run on the UI thread only.

Left to itself, the collector runs in whichever thread happens to allocate, and a pass on a task runner's
thread can free a window's Python wrappers there, deleting live Qt objects off the UI thread (a crash). So
automatic collection is switched off and a timer on the UI thread runs the same generational passes, by the
same thresholds, from the event loop.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 250

_installed: MainThreadCollector | None = None


class MainThreadCollector(QObject):
    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self.check)
        self._timer.start()

    def check(self) -> int:
        """Collect the oldest generation whose allocation count passed its threshold; returns it (or -1)."""
        counts = gc.get_count()
        generation = -1
        for level in range(3):
            if counts[level] > self._thresholds[level]:
                generation = level
            else:
                break
        if generation >= 0:
            gc.collect(generation)
        return generation


def collect_on_ui_thread(app: QObject) -> MainThreadCollector:
    """Install the collector once per application."""
    global _installed
    if _installed is None or _installed.parent() is not app:
        _installed = MainThreadCollector(app)
    return _installed
