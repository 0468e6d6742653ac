"""The screenshot command renders the real window offscreen, in any of the ten languages."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from app.cli import main
from app.main import screenshot
from app.services.profile import Profile


def distinct_colours(path: Path) -> int:
    image = QImage(str(path))
    assert not image.isNull()
    step = max(1, image.width() // 64)
    return len(
        {image.pixel(x, y) for x in range(0, image.width(), step) for y in range(0, image.height(), step)}
    )


@pytest.mark.parametrize("lang", ["en", "ur"])
def test_screenshot_of_the_main_window(seeded: Profile, tmp_path: Path, lang: str, qapp: object) -> None:
    out = tmp_path / f"main-{lang}.png"
    from PySide6.QtCore import QSize

    screenshot(seeded, out, case_id=None, language=lang, size=QSize(1280, 800))
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1280, 800)
    assert distinct_colours(out) > 20  # a real, painted window, not a blank frame


def test_screenshot_command_line(
    seeded: Profile, tmp_path: Path, capsys: pytest.CaptureFixture[str], qapp: object
) -> None:
    data = tmp_path / "copy"
    shutil.copytree(seeded.path.parent.parent, data / "profiles")
    out = tmp_path / "shot.png"
    assert (
        main(["--data-dir", str(data), "screenshot", str(out), "--size", "1024x700", "--view", "help"]) == 0
    )
    assert "wrote" in capsys.readouterr().out
    assert out.exists()


def test_bad_size_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["screenshot", "x.png", "--size", "big"])
    assert "size must look like" in capsys.readouterr().err
