"""Errors a use case raises: a translatable message with named values, shown as is to the person."""

from __future__ import annotations

from typing import Any

from app.i18n import _

# Parameters whose values are themselves N_-marked labels (field names, roles, states), translated on display.
TRANSLATED_PARAMS = frozenset({"field", "role", "current", "target"})


class DomainError(Exception):
    """A rule said no. ``message`` is an N_-marked msgid with %(name)s placeholders filled from ``params``."""

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params

    def translated(self) -> str:
        text = _(self.message)
        if not self.params:
            return text
        values = {
            k: _(v) if k in TRANSLATED_PARAMS and isinstance(v, str) else v for k, v in self.params.items()
        }
        return text % values


class NotFound(DomainError):
    pass


class IllegalTransition(DomainError):
    pass


class PermissionDenied(DomainError):
    pass


class InvalidInput(DomainError):
    pass


class Conflict(DomainError):
    pass
