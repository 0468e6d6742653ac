"""The theme, in one place: qt-material (light or dark) plus Arbiter's overrides and the UI font per script.

Widgets never set colours; they set object names or properties that resources/themes/overrides.qss styles,
and item models ask here for the few semantic colours they paint (SLA states).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import shutil
import tempfile
from pathlib import Path
from string import Template

import platformdirs
from PySide6.QtCore import QDir
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from app.core.resources import THEMES

THEME_FILES = {"light": "light_blue.xml", "dark": "dark_teal.xml"}

# Faces from the Noto family (installed by scripts/setup) that carry each UI language's script.
UI_FONTS = {
    "ja": "Noto Sans CJK JP",
    "ko": "Noto Sans CJK KR",
    "hi": "Noto Sans Devanagari UI",
    "th": "Noto Sans Thai UI",
    # Naskh, not Nastaliq: Noto Nastaliq Urdu 2.000 (Debian 12) loses dots and first letters under Qt's
    # shaper and needs twice the line height, which clips dense widgets.
    "ur": "Noto Naskh Arabic UI",
}
DEFAULT_FONT = "Noto Sans"
FONT_POINTS = 10
# What qt-material is asked for; part of the cache key, like its version and our overrides.
EXTRA = {"font_family": DEFAULT_FONT, "density_scale": "-1", "font_size": f"{FONT_POINTS + 3}px"}
CACHE_FORMAT = "1"  # bump when the layout of a cached theme changes
TEXT_ALPHA = 92  # qt-material's alpha for the palette's text colour

SEMANTIC = {
    "light": {
        "breached": "#c62828",
        "at_risk": "#b26a00",
        "ok": "#2e7d32",
        "muted": "#6b6b6b",
        "flag": "#fff3cd",
    },
    "dark": {
        "breached": "#ff6e6e",
        "at_risk": "#ffb74d",
        "ok": "#81c784",
        "muted": "#a0a0a0",
        "flag": "#4a3b00",
    },
}
_current = {"theme": "light"}


def font_family(language: str) -> str:
    return UI_FONTS.get(language, DEFAULT_FONT)


def sla_colour(state: str) -> QColor:
    return QColor(SEMANTIC[_current["theme"]].get(state, SEMANTIC["light"]["muted"]))


def semantic(name: str) -> str:
    return SEMANTIC[_current["theme"]][name]


_stylesheets: dict[str, str] = {}
_text_colours: dict[str, str] = {}
_folders: dict[str, Path] = {}


def cache_root() -> Path:
    return Path(platformdirs.user_cache_dir("arbiter", appauthor=False)) / "themes"


def cache_key(theme: str, overrides: str) -> str:
    """Names a rendered theme: the theme, qt-material's installed version and template, and our overrides."""
    spec = importlib.util.find_spec("qt_material")  # finds the package without importing it
    package = Path(spec.origin).parent if spec and spec.origin else Path()
    template = package / "material.qss.template"
    stat = template.stat() if template.exists() else None
    parts = [
        CACHE_FORMAT,
        theme,
        THEME_FILES[theme],
        repr(sorted(EXTRA.items())),
        repr(sorted(SEMANTIC[theme].items())),
        *sorted(p.name for p in package.parent.glob("qt_material-*.dist-info")),
        f"{stat.st_size}:{stat.st_mtime_ns}" if stat else "",
        overrides,
    ]
    return f"{theme}-{hashlib.sha256(chr(0).join(parts).encode()).hexdigest()[:20]}"


def _render(theme: str, overrides: str, folder: Path) -> None:
    """Render ``theme`` with qt-material into ``folder``: stylesheet.qss, text-colour and icons/."""
    import qt_material  # builds from Jinja templates; only when the theme is not cached yet

    sheet = qt_material.build_stylesheet(
        THEME_FILES[theme], invert_secondary=theme == "light", extra=dict(EXTRA), parent=str(folder / "icons")
    )
    sheet += Template(overrides).safe_substitute(SEMANTIC[theme])
    text = qt_material.get_theme(THEME_FILES[theme], invert_secondary=theme == "light")["primaryColor"]
    (folder / "text-colour").write_text(text, encoding="utf-8")
    # Written last: a folder with a stylesheet is complete.
    (folder / "stylesheet.qss").write_text(re.sub(r"font-family:[^;]*;", "", sheet), encoding="utf-8")


def _cached_theme(theme: str) -> Path:
    """The folder of ``theme`` rendered; the first start after an install or change renders it once.

    The folder is rendered under a temporary name and renamed into place, so two workstations starting at once
    never see half a theme, and icons are never rewritten under a running one.
    """
    overrides = (THEMES / "overrides.qss").read_text(encoding="utf-8")
    root = cache_root()
    folder = root / cache_key(theme, overrides)
    if (folder / "stylesheet.qss").is_file():
        return folder
    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".render-", dir=root))
    try:
        _render(theme, overrides, work)
        if folder.exists() and not (folder / "stylesheet.qss").is_file():
            shutil.rmtree(folder, ignore_errors=True)  # incomplete: damaged by hand or by a full disk
        os.replace(work, folder)
    except OSError:
        if not (folder / "stylesheet.qss").is_file():  # not another workstation's rename winning the race
            raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return folder


def _load(theme: str) -> None:
    folder = _cached_theme(theme)
    _stylesheets[theme] = (folder / "stylesheet.qss").read_text(encoding="utf-8")
    _text_colours[theme] = (folder / "text-colour").read_text(encoding="utf-8").strip()
    _folders[theme] = folder


def apply_theme(app: QApplication, theme: str, language: str) -> None:
    """Style the whole application; called at start, when the theme changes and when the UI language changes.

    The stylesheet is rendered once per theme and installation (see _cached_theme) and carries no font family,
    so a language switch only changes the application font (cheap) instead of re-polishing every widget against
    a new stylesheet (slow).
    """
    theme = theme if theme in THEME_FILES else "light"
    if theme not in _stylesheets:
        _load(theme)
    font = QFont()
    font.setFamilies([font_family(language), DEFAULT_FONT])
    font.setPointSize(FONT_POINTS)
    app.setFont(font)
    if _current.get("applied") != theme:
        _current["theme"] = _current["applied"] = theme
        app.setStyle("Fusion")
        QDir.setSearchPaths("icon", [str(_folders[theme] / "icons")])
        palette = QGuiApplication.palette()
        text = QColor(_text_colours[theme])
        text.setAlpha(TEXT_ALPHA)
        palette.setColor(QPalette.ColorRole.Text, text)
        QGuiApplication.setPalette(palette)
        app.setStyleSheet(_stylesheets[theme])
