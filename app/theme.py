"""The theme, in one place: qt-material (light or dark) plus Arbiter's overrides and the UI font per script.

Widgets never set colours; they set object names or properties that resources/themes/overrides.qss styles,
and item models ask here for the few semantic colours they paint (SLA states).
"""

from __future__ import annotations

import atexit
import re
import shutil
import tempfile
from pathlib import Path
from string import Template

import platformdirs
from PySide6.QtGui import QColor, QFont
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


_icons: dict[str, str] = {}
_stylesheets: dict[str, str] = {}


def _icon_dir(theme: str) -> str:
    """qt-material rewrites its recoloured icons on every call; give each process its own folder (no races
    between two running workstations) under our cache, not under $HOME."""
    if theme not in _icons:
        base = Path(platformdirs.user_cache_dir("arbiter", appauthor=False)) / "qt-material"
        base.mkdir(parents=True, exist_ok=True)
        _icons[theme] = tempfile.mkdtemp(prefix=f"{theme}-", dir=base)
        atexit.register(shutil.rmtree, _icons[theme], ignore_errors=True)
    return _icons[theme]


def apply_theme(app: QApplication, theme: str, language: str) -> None:
    """Style the whole application; called at start, when the theme changes and when the UI language changes.

    The stylesheet is built once per theme and carries no font family, so a language switch only changes the
    application font (cheap) instead of re-polishing every widget against a new stylesheet (slow).
    """
    import qt_material

    theme = theme if theme in THEME_FILES else "light"
    if theme not in _stylesheets:
        extra = {"font_family": DEFAULT_FONT, "density_scale": "-1", "font_size": f"{FONT_POINTS + 3}px"}
        qt_material.apply_stylesheet(
            app, THEME_FILES[theme], invert_secondary=theme == "light", extra=extra, parent=_icon_dir(theme)
        )
        overrides = Template((THEMES / "overrides.qss").read_text(encoding="utf-8"))
        sheet = app.styleSheet() + overrides.safe_substitute(SEMANTIC[theme])
        _stylesheets[theme] = re.sub(r"font-family:[^;]*;", "", sheet)
    font = QFont()
    font.setFamilies([font_family(language), DEFAULT_FONT])
    font.setPointSize(FONT_POINTS)
    app.setFont(font)
    if _current.get("applied") != theme:
        _current["theme"] = _current["applied"] = theme
        app.setStyleSheet(_stylesheets[theme])
