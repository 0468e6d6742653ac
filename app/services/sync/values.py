"""Outbox payloads (JSON: ISO datetimes, base64 bytes) back to column values, and tables by name."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

from sqlalchemy import LargeBinary, Table

from app.models import Base
from app.models.base import UTCDateTime


def table(name: str) -> Table:
    try:
        return Base.metadata.tables[name]
    except KeyError:
        raise KeyError(f"no table {name!r} in this version of Arbiter") from None


def column_value(table_: Table, key: str, value: Any) -> Any:
    if value is None or key not in table_.c:
        return value
    kind = table_.c[key].type
    if isinstance(kind, UTCDateTime) and isinstance(value, str):
        return datetime.fromisoformat(value)
    if isinstance(kind, LargeBinary) and isinstance(value, str):
        return base64.b64decode(value)
    return value


def from_payload(table_: Table, payload: dict[str, Any]) -> dict[str, Any]:
    """The row a payload describes, limited to the table's columns (extra keys of newer clients are kept out)."""
    return {key: column_value(table_, key, value) for key, value in payload.items() if key in table_.c}
