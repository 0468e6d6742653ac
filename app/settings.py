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
    sync_queues: str = ""  # queue slugs this workstation pulls, comma-separated; "" pulls every queue
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
    "sync_queues": N_("Queues this workstation pulls from the hub"),
    "blur_media": N_("Blur media until revealed"),
    "blur_strength": N_("Blur strength"),
    "greyscale_media": N_("Show media in greyscale"),
    "blind_review": N_("Blind review: hide author until the checklist is done"),
    "break_after_minutes": N_("Suggest a break after minutes on sensitive queues"),
    "break_after_reveals": N_("Suggest a break after revealed media items"),
}


NO_QUEUES = "-"  # sync_queues when every queue is unchecked: only the cases this workstation touched


def sync_queue_slugs(settings: Settings) -> tuple[str, ...] | None:
    """The queues sync pulls, by slug; None: every queue (the default)."""
    raw = settings.sync_queues.strip()
    if raw == NO_QUEUES:
        return ()
    slugs = sorted({q.strip() for q in raw.split(",") if q.strip()})
    return tuple(slugs) or None


def encode_queue_slugs(slugs: tuple[str, ...] | None) -> str:
    if slugs is None:
        return ""
    return ",".join(sorted(set(slugs))) or NO_QUEUES


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
