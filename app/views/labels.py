"""Labels composed from data, in one place so every screen words them the same way."""

from __future__ import annotations

from app.i18n import _


def policy_label(code: str, version: int, title: str) -> str:
    return _("%(code)s v%(version)s · %(title)s") % {"code": code, "version": version, "title": title}


def priority_label(priority: int) -> str:
    return _("P%(level)s") % {"level": priority}
