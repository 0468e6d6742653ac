"""Child processes of the suite: a cold start, a bare window, and resident memory after many cases.

    python -m benchmarks.probe app DATA_DIR          # like `python -m app`; prints "painted" at first paint
    python -m benchmarks.probe bare                  # a bare PySide6 main window; prints "painted"
    python -m benchmarks.probe app-memory DATA_DIR K # opens K cases in a row, prints "rss <kB>"
    python -m benchmarks.probe bare-memory           # the bare window's "rss <kB>"

The parent times spawn → "painted" on stdout, so teardown is not counted for either side.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.text.font.db.info=false")


def rss_kb() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _done(message: str) -> None:
    sys.stdout.write(message + "\n")
    sys.stdout.flush()
    os._exit(0)


def bare(memory: bool) -> None:
    from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.setCentralWidget(QLabel("Arbiter"))
    window.resize(1600, 960)
    window.show()
    app.processEvents()
    window.repaint()
    _done(f"rss {rss_kb()}" if memory else "painted")


def workstation(data_dir: str, cases: int | None) -> None:
    from pathlib import Path

    from PySide6.QtCore import QEventLoop

    from app.main import build
    from app.services.profile import open_profile
    from app.views.itemmodels.queue_model import CaseQueueModel

    profile = open_profile(Path(data_dir), "bench")
    station = build(profile)
    station.window.resize(1600, 960)
    station.window.show()
    model = station.window.findChild(CaseQueueModel)
    assert model is not None
    loop = QEventLoop()
    model.loaded.connect(lambda _rows: loop.quit())
    loop.exec()
    station.app.processEvents()
    station.window.repaint()
    if cases is None:
        _done("painted")
    opened = 0
    row = 0
    while opened < cases:
        item = model.case_row(row % max(1, model.rowCount()))
        if item is None:  # its page is being fetched
            station.app.processEvents()
            continue
        wait = QEventLoop()
        station.workspace.case_opened.connect(wait.quit)
        station.workspace.open_case(item.id)
        wait.exec()
        station.workspace.case_opened.disconnect(wait.quit)
        station.window.repaint()
        opened += 1
        row += 1
    station.runner.wait()
    station.app.processEvents()
    _done(f"rss {rss_kb()}")


def main(argv: list[str]) -> None:
    mode = argv[0]
    if mode == "bare":
        bare(memory=False)
    elif mode == "bare-memory":
        bare(memory=True)
    elif mode == "app":
        workstation(argv[1], None)
    elif mode == "app-memory":
        workstation(argv[1], int(argv[2]))
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
