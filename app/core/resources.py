"""Where the plain resource files live (policy packs, demo corpora, themes, fonts, icons)."""

from __future__ import annotations

from pathlib import Path
from typing import Final

RESOURCES: Final = Path(__file__).resolve().parent.parent.parent / "resources"
POLICIES: Final = RESOURCES / "policies"
DEMO_CORPUS: Final = RESOURCES / "demo" / "corpus"
THEMES: Final = RESOURCES / "themes"
FONTS: Final = RESOURCES / "fonts"
ICONS: Final = RESOURCES / "icons"
