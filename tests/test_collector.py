"""The cycle collector runs on the UI thread only: a pass on a worker thread could delete live Qt objects there."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.controllers.collector import collect_on_ui_thread
from app.controllers.tasks import TaskRunner


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the collector frees it


@pytest.fixture
def passes() -> Iterator[list[str]]:
    """The thread of every collector pass while the test runs."""
    seen: list[str] = []

    def note(phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            seen.append(threading.current_thread().name)

    gc.callbacks.append(note)
    yield seen
    gc.callbacks.remove(note)


def test_worker_garbage_is_collected_on_the_ui_thread(qtbot: QtBot, passes: list[str]) -> None:
    app = QApplication.instance()
    assert app is not None
    collector = collect_on_ui_thread(app)
    assert not gc.isenabled()
    runner = TaskRunner(app)
    done: list[int] = []

    def churn() -> int:
        for _ in range(200_000):  # far past every threshold: an enabled collector would run here
            Node()
        return 1

    runner.run(churn, done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=30_000)
    runner.wait()
    qtbot.waitUntil(lambda: bool(passes), timeout=5_000)  # the UI thread's timer collects it
    assert set(passes) == {threading.main_thread().name}
    assert collector.check() in (-1, 0, 1, 2)
