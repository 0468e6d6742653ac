"""The Qt binding keeps Python's reference counts: a long session makes millions of Qt calls, and a binding that
drops a reference to None on each (PySide6 6.12.0 on Python 3.11) aborts the app after a few hundred cases."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

CALLS = 2_000


def test_void_calls_and_unset_properties_keep_none_alive(qtbot: QtBot) -> None:
    label = QLabel("Arbiter")
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for _ in range(CALLS):
        label.setVisible(False)  # a void call
        label.property("never-set")  # an unset dynamic property comes back as None
    # Other objects come and go meanwhile; a leak would be one reference per call, thousands in all.
    assert before - sys.getrefcount(None) < CALLS // 10
