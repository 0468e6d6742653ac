"""Helpers shared by the QA commands and queries: writing a record with its audit event and outbox row,
checking free text, and looking up names and labels in bulk."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Policy, Queue, Reviewer
from app.services import audit
from app.services.errors import InvalidInput

MAX_TEXT = 20_000


def clean_text(value: str, what: str, *, required: bool = True) -> str:
    value = value.strip()
    if required and not value:
        raise InvalidInput("%(field)s cannot be empty.", field=what)
    if len(value) > MAX_TEXT:
        raise InvalidInput("%(field)s is longer than %(limit)s characters.", field=what, limit=MAX_TEXT)
    return value


def append(
    session: Session, actor: Reviewer, entity: str, row: Any, action: str, case_id: str | None
) -> dict[str, Any]:
    """Insert ``row``, then its audit event and outbox row, in the caller's transaction."""
    session.add(row)
    session.flush()
    payload = audit.row_payload(row)
    entity_id = str(payload["id"])
    audit.record(
        session,
        actor_id=actor.id,
        action=action,
        entity=entity,
        entity_id=entity_id,
        case_id=case_id,
        after=payload,
    )
    audit.enqueue(session, entity, entity_id, "insert", payload)
    return payload


def update(
    session: Session,
    actor: Reviewer,
    entity: str,
    row: Any,
    action: str,
    case_id: str | None,
    before: dict[str, Any],
) -> None:
    """Record a change already made to a versioned ``row`` (its version bumped by the caller)."""
    session.flush()
    payload = audit.row_payload(row)
    changed = {k: v for k, v in payload.items() if before.get(k) != v}
    audit.record(
        session,
        actor_id=actor.id,
        action=action,
        entity=entity,
        entity_id=str(payload["id"]),
        case_id=case_id,
        before={k: before.get(k) for k in changed},
        after=changed,
    )
    audit.enqueue(session, entity, str(payload["id"]), "update", payload, base_version=payload["version"] - 1)


def reviewer_names(session: Session, ids: Iterable[str | None]) -> dict[str, str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return {
        rid: name
        for rid, name in session.execute(select(Reviewer.id, Reviewer.name).where(Reviewer.id.in_(wanted)))
    }


def queue_names(session: Session) -> dict[str, str]:
    return {qid: name for qid, name in session.execute(select(Queue.id, Queue.name))}


def policy_labels(session: Session, ids: Iterable[str | None]) -> dict[str, str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    rows = session.execute(
        select(Policy.id, Policy.code, Policy.version, Policy.title).where(Policy.id.in_(wanted))
    )
    return {pid: f"{code} v{version}: {title}" for pid, code, version, title in rows}


def policy_codes(session: Session, ids: Iterable[str | None]) -> dict[str, str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return {
        pid: code
        for pid, code in session.execute(select(Policy.id, Policy.code).where(Policy.id.in_(wanted)))
    }
