"""Composition root: the Qt application, settings, language, theme, services, controllers and the window."""

from __future__ import annotations

import gc
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QEventLoop, QSize, QTimer, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from app import theme
from app.controllers.collector import collect_on_ui_thread
from app.controllers.language import LanguageService
from app.controllers.queue import QueueSource
from app.controllers.sync import SyncController
from app.controllers.tasks import TaskRunner
from app.controllers.workspace import Workspace
from app.services.profile import Profile, ensure_reviewer, read_settings
from app.views.itemmodels.queue_model import CaseQueueModel
from app.views.main_window import MainWindow, refresh_clock

QUIET = ("This plugin does not support propagateSizeHints",)


def _message_handler(kind: QtMsgType, _context: object, message: str) -> None:
    if any(q in message for q in QUIET):
        return
    if kind != QtMsgType.QtDebugMsg:
        sys.stderr.write(message + "\n")


@dataclass
class Workstation:
    app: QApplication
    window: MainWindow
    workspace: Workspace
    language: LanguageService
    runner: TaskRunner


def application() -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    os.environ.setdefault("QT_LOGGING_RULES", "qt.text.font.db.info=false")
    qInstallMessageHandler(_message_handler)
    app = QApplication(sys.argv[:1])
    app.setApplicationName("Arbiter")
    app.setOrganizationName("Arbiter")
    return app


def build(profile: Profile, language: str | None = None) -> Workstation:
    """Everything the window needs, wired; the window is not shown yet."""
    app = application()
    profile.store.write(ensure_reviewer)
    settings = profile.store.read(read_settings)
    if language:
        settings = settings.with_value("ui_language", language)
    collect_on_ui_thread(app)
    runner = TaskRunner(app)
    languages = LanguageService(app)
    languages.set_language(settings.ui_language)
    theme.apply_theme(app, settings.theme, settings.ui_language)
    workspace = Workspace(profile.store, settings, runner)
    model = CaseQueueModel(QueueSource(profile.store, runner))
    # The first reads start now, so the worker runs them while the window is being built. Their results are
    # delivered by the event loop, which first runs after this function has connected every receiver.
    workspace.load_reference()
    model.refresh()
    window = MainWindow(
        workspace,
        model,
        languages,
        profile.name,
        lambda name: theme.apply_theme(app, name, languages.language),
    )
    model.setParent(window)
    sync = SyncController(
        profile.store, settings.hub_url, settings.reviewer_id, interval_ms=10_000, parent=window
    )
    window.attach_sync(sync)
    refresh_clock(window)
    sync.start()
    window.content.set_settings(settings)
    return Workstation(app, window, workspace, languages, runner)


def run(profile: Profile, language: str | None = None) -> int:
    station = build(profile, language)
    station.window.show()
    keep_out_of_collections()
    code = station.app.exec()
    station.runner.wait()
    return int(code)


def keep_out_of_collections() -> None:
    """What exists once the window is up (modules, the window, reference data) lives as long as the app: freezing
    it keeps the collector's full passes, which run on whatever thread allocates, from walking it again and again.
    Without this, a background export stalls the UI thread for ~100 ms at each full pass."""
    gc.freeze()


def settle(station: Workstation, timeout_ms: int = 15_000) -> None:
    """Let queued work finish and the window repaint (for screenshots and tests)."""
    loop = QEventLoop()
    deadline = QTimer()
    deadline.setSingleShot(True)
    deadline.timeout.connect(loop.quit)
    deadline.start(timeout_ms)
    idle_rounds = 0
    while deadline.isActive() and idle_rounds < 5:
        QTimer.singleShot(40, loop.quit)
        loop.exec()
        idle_rounds = idle_rounds + 1 if not station.runner.busy else 0


def screenshot(
    profile: Profile, out: Path, *, case_id: str | None, language: str | None, size: QSize, view: str = "main"
) -> None:
    station = build(profile, language)
    window = station.window
    window.resize(size)
    window.show()
    settle(station)
    if case_id:
        station.workspace.open_case(case_id)
    settle(station)
    if view == "help":
        window.show_help()
        settle(station)
    out.parent.mkdir(parents=True, exist_ok=True)
    target = window
    if view == "help":
        overlay = (
            window.findChild(QApplication.activeModalWidget().__class__)
            if QApplication.activeModalWidget()
            else None
        )
        target = overlay or window
    if not target.grab().save(str(out)):
        raise OSError(f"could not write {out}")
    station.runner.wait()
