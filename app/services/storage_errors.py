"""Failures of the local store that the person must understand: a full disk, failing or read-only storage.

SQLite reports them as a driver error (``sqlalchemy.exc.OperationalError`` around ``sqlite3``'s own), which
says nothing useful on screen. ``storage_errors()`` turns them into ``StorageError``, a DomainError whose
message says what happened and that nothing of the change was saved: the transaction rolled back, and every
change committed before is intact (tests/test_durability.py checks both).

Use it around a unit of work, outside the transaction, since a full disk often shows only at COMMIT::

    with storage_errors():
        with sessions.begin() as session: ...
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError

from app.i18n import N_
from app.services.errors import DomainError


class StorageError(DomainError):
    """The store could not save; the change was rolled back as a whole."""


class StorageFull(StorageError):
    pass


class StorageBusy(StorageError):
    pass


class StorageDamaged(StorageError):
    pass


class StorageUnwritable(StorageError):
    pass


FULL = N_(
    "The disk is full: the profile's database could not grow. Nothing of this change was saved; everything "
    "saved before is safe. Free some disk space and try again."
)
BUSY = N_(
    "The profile's database is busy in another Arbiter window or program. Nothing of this change was "
    "saved; try again in a moment."
)
DAMAGED = N_(
    "The profile's database is damaged. Nothing of this change was saved; restore it from a backup or ask "
    "for help."
)
UNWRITABLE = N_(
    "The profile's database could not be written (%(reason)s). Nothing of this change was saved; everything "
    "saved before is safe."
)

# Words of SQLite's own messages, for a driver error that carries no error code.
_BY_TEXT = (
    ("database or disk is full", sqlite3.SQLITE_FULL),
    ("database is locked", sqlite3.SQLITE_BUSY),
    ("malformed", sqlite3.SQLITE_CORRUPT),
    ("disk i/o error", sqlite3.SQLITE_IOERR),
    ("readonly database", sqlite3.SQLITE_READONLY),
)


def _sqlite_code(error: BaseException) -> tuple[int | None, str]:
    """SQLite's primary result code of ``error`` (or of the driver error it wraps), and its name."""
    original = getattr(error, "orig", None) or error
    code = getattr(original, "sqlite_errorcode", None)
    name = str(getattr(original, "sqlite_errorname", "") or "")
    if isinstance(code, int):
        return code & 0xFF, name  # extended codes keep the primary code in the low byte
    text = str(original).lower()
    return next((known for words, known in _BY_TEXT if words in text), None), name


def storage_error(error: BaseException) -> StorageError | None:
    """The StorageError a person should see for ``error``, or None when it is no storage failure."""
    code, name = _sqlite_code(error)
    if code == sqlite3.SQLITE_FULL:
        return StorageFull(FULL)
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return StorageBusy(BUSY)
    if code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return StorageDamaged(DAMAGED)
    if code in (sqlite3.SQLITE_IOERR, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN):
        return StorageUnwritable(UNWRITABLE, reason=name or str(code))
    return None


@contextmanager
def storage_errors() -> Iterator[None]:
    """Re-raise a storage failure inside the block as its StorageError (chained to the driver's error)."""
    try:
        yield
    except (DBAPIError, sqlite3.Error) as error:
        mapped = storage_error(error)
        if mapped is None:
            raise
        raise mapped from error
