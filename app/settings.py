"""Every profile setting, declared once: key, type, default and a translatable title.

Values live in the profile's database (so they travel with the profile); a ``Settings`` value is read at start
and passed into the objects that need it, never fetched from a global.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from app.i18n import N_


@dataclass(frozen=True)
class Settings:
    ui_language: str = "en"
    theme: str = "light"  # light | dark
    reviewer_id: str = ""
    hub_url: str = ""
    blur_media: bool = True
    blur_strength: int = 24  # pixels of blur radius
    greyscale_media: bool = False
    blind_review: bool = False  # hide author identity and popularity until the checklist is done
    break_after_minutes: int = 50  # minutes on sensitive queues before a break is suggested
    break_after_reveals: int = 20  # media reveals before a break is suggested

    def with_value(self, key: str, value: Any) -> Settings:
        return replace(self, **{key: value})


TITLES: dict[str, str] = {
    "ui_language": N_("Interface language"),
    "theme": N_("Theme"),
    "reviewer_id": N_("Working as"),
    "hub_url": N_("Team hub"),
    "blur_media": N_("Blur media until revealed"),
    "blur_strength": N_("Blur strength"),
    "greyscale_media": N_("Show media in greyscale"),
    "blind_review": N_("Blind review: hide author until the checklist is done"),
    "break_after_minutes": N_("Suggest a break after minutes on sensitive queues"),
    "break_after_reveals": N_("Suggest a break after revealed media items"),
}


def decode(key: str, raw: str) -> Any:
    """A stored string back to the declared type of ``key``."""
    kind = {f.name: f.type for f in fields(Settings)}[key]
    if kind == "bool":
        return raw in ("1", "true", "True")
    if kind == "int":
        return int(raw)
    return raw


def encode(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def setting_names() -> list[str]:
    return [f.name for f in fields(Settings)]
