"""The audit trail and the sync outbox, both written inside the transaction of the change they describe.

Each audit event is hash-chained to the previous one over a canonical serialisation, so deleting, editing,
reordering or inserting an event breaks the chain at that point (``verify_chain``).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from app.models import AuditEvent, OutboxEntry, new_id, utcnow

GENESIS_HASH = "0" * 64


def json_safe(value: Any) -> Any:
    """Values as JSON stores them: datetimes in ISO 8601 UTC, bytes in base64."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def row_payload(obj: object, *, exclude: Iterable[str] = ()) -> dict[str, Any]:
    """Every column of an ORM row as a JSON-safe dict."""
    mapper = inspect(obj).mapper
    skipped = set(exclude)
    return {
        attr.key: json_safe(getattr(obj, attr.key)) for attr in mapper.column_attrs if attr.key not in skipped
    }


def canonical(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def event_fields(event: AuditEvent) -> dict[str, Any]:
    """The hashed content of an event: everything but its local sequence number and its own hash."""
    return {
        "id": event.id,
        "case_id": event.case_id,
        "actor_id": event.actor_id,
        "action": event.action,
        "entity": event.entity,
        "entity_id": event.entity_id,
        "before": json_safe(event.before),
        "after": json_safe(event.after),
        "created_at": json_safe(event.created_at),
    }


def chain_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical(fields)).hexdigest()


def last_hash(session: Session) -> str:
    value = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1))
    return value or GENESIS_HASH


def record(
    session: Session,
    *,
    actor_id: str,
    action: str,
    entity: str,
    entity_id: str,
    case_id: str | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event to the chain (and to the outbox, so the hub gets it too)."""
    event = AuditEvent(
        id=new_id(),
        case_id=case_id,
        actor_id=actor_id,
        action=action,
        entity=entity,
        entity_id=entity_id,
        before=json_safe(before),
        after=json_safe(after),
        created_at=utcnow(),
    )
    event.prev_hash = last_hash(session)
    event.hash = chain_hash(event.prev_hash, event_fields(event))
    session.add(event)
    session.flush()
    enqueue(session, "audit_event", event.id, "insert", row_payload(event, exclude=("seq",)))
    return event


def enqueue(
    session: Session,
    entity: str,
    entity_id: str,
    op: str,
    payload: dict[str, Any],
    base_version: int | None = None,
) -> None:
    session.add(
        OutboxEntry(entity=entity, entity_id=entity_id, op=op, payload=payload, base_version=base_version)
    )


@dataclass(frozen=True)
class ChainReport:
    events_checked: int
    broken_at_seq: int | None
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.broken_at_seq is None


def verify_chain(session: Session) -> ChainReport:
    """Walk the whole trail in order; report the first event whose link or content does not match."""
    expected_prev = GENESIS_HASH
    count = 0
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).yield_per(2000):
        count += 1
        if event.prev_hash != expected_prev:
            return ChainReport(count, event.seq, "link to the previous event does not match")
        if chain_hash(event.prev_hash, event_fields(event)) != event.hash:
            return ChainReport(count, event.seq, "event content does not match its hash")
        expected_prev = event.hash
    return ChainReport(count, None, None)
