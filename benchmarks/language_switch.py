"""Language switch on the main window with a case open, against building the window anew in that language.

Run: .venv/bin/python -m benchmarks.language_switch [--cases 200]
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.text.font.db.info=false")

from PySide6.QtWidgets import QApplication

from app.main import build, settle
from app.services.demo import seed_demo
from app.services.profile import open_profile
from benchmarks.common import interleaved, table

LANGUAGES = ("ur", "ja", "de", "hi", "en")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    profile = open_profile(Path(tempfile.mkdtemp()), "bench")
    profile.store.write(lambda s: seed_demo(s, args.cases, seed=1))
    station = build(profile)
    station.window.resize(1600, 960)
    station.window.show()
    settle(station)
    cycle = iter(LANGUAGES * 100)

    def switch() -> None:
        station.window.switch_language(next(cycle))
        QApplication.processEvents()

    rebuilt: list[object] = []

    def rebuild() -> None:
        other = build(profile, language=next(cycle))
        other.window.resize(1600, 960)
        other.window.show()
        QApplication.processEvents()
        other.window.close()
        rebuilt.append(other)

    result = interleaved(
        "language switch, case open", switch, rebuild, "new window in that language", runs=args.runs
    )
    print(table([result]))
    station.runner.wait()


if __name__ == "__main__":
    main()
