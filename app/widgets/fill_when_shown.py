"""A widget that fills itself only when in sight: a tab out of view waits until it is shown."""

from __future__ import annotations

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QWidget


class FillWhenShown(QWidget):
    """Subclasses implement ``_fill`` and call ``_refresh`` whenever their data changes."""

    _stale = False  # new data waits for the widget to be shown

    def _fill(self) -> None:
        raise NotImplementedError

    def _refresh(self) -> None:
        """Fill now if in sight, else when next shown."""
        self._stale = not self.isVisible()
        if not self._stale:
            self._fill()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self._refresh()
