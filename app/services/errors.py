"""Errors a use case raises: a translatable message with named values, shown as is to the person."""

from __future__ import annotations

from typing import Any

from app.i18n import _


class DomainError(Exception):
    """A rule said no. ``message`` is an N_-marked msgid with %(name)s placeholders filled from ``params``."""

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params

    def translated(self) -> str:
        text = _(self.message)
        return text % self.params if self.params else text


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
