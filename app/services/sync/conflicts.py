"""What sync leaves for a person to see: conflicts to settle, refused changes, and the sync state.

Plain frozen values only; the conflict marker of a case is ``open_conflicts`` > 0 for it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.i18n import N_
from app.models import RemediationAction, Reviewer, SyncConflict, SyncRejection, SyncState, utcnow
from app.services import audit, permissions
from app.services.audit import json_safe
from app.services.case_commands import change_case, load_case, require_worker
from app.services.dto import Changes
from app.services.errors import InvalidInput, NotFound
from app.services.sync.local_state import pending_claims, pending_count
from app.services.sync.values import column_value, table

KEEP_CHOICES = ("kept", "other")


@dataclass(frozen=True)
class ConflictInfo:
    id: str
    case_id: str
    entity: str  # case | remediation_action
    entity_id: str
    field: str
    kept_value: Any  # what the hub kept by the rule (and what every workstation shows now)
    other_value: Any  # the value that lost
    kept_incoming: bool
    rule: str
    actor_name: str  # who made the pushed change
    created_at: datetime
    settled: bool
    settled_value: Any
    settled_by_name: str
    settled_at: datetime | None


@dataclass(frozen=True)
class RejectionInfo:
    id: str
    seq: int
    entity: str
    entity_id: str
    op: str
    case_id: str | None
    code: str  # permission | four_eyes | append_only | invalid
    reason: str  # the hub's own words
    payload: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class SyncStatus:
    """The local side of the sync state: what waits, what needs a person, how the last sync went."""

    pending: int
    open_conflicts: int
    rejections: int
    last_sync_at: datetime | None
    last_error: str
    pending_claims: frozenset[str] = frozenset()  # cases whose claim by this reviewer awaits the hub


def _names(session: Session, ids: set[str]) -> dict[str, str]:
    ids.discard("")
    if not ids:
        return {}
    return dict(session.execute(select(Reviewer.id, Reviewer.name).where(Reviewer.id.in_(ids))).all())


def list_conflicts(session: Session, case_id: str) -> tuple[ConflictInfo, ...]:
    """The case's conflicts, open ones first, oldest first."""
    rows = list(
        session.scalars(
            select(SyncConflict)
            .where(SyncConflict.case_id == case_id)
            .order_by(SyncConflict.settled_at.is_not(None), SyncConflict.created_at, SyncConflict.id)
        )
    )
    names = _names(session, {r.actor_id or "" for r in rows} | {r.settled_by_id or "" for r in rows})
    return tuple(
        ConflictInfo(
            id=r.id,
            case_id=r.case_id,
            entity=r.entity,
            entity_id=r.entity_id,
            field=r.field,
            kept_value=json.loads(r.kept_value),
            other_value=json.loads(r.other_value),
            kept_incoming=r.kept_incoming,
            rule=r.rule,
            actor_name=names.get(r.actor_id or "", ""),
            created_at=r.created_at,
            settled=r.settled_at is not None,
            settled_value=json.loads(r.settled_value) if r.settled_value is not None else None,
            settled_by_name=names.get(r.settled_by_id or "", ""),
            settled_at=r.settled_at,
        )
        for r in rows
    )


def open_conflicts(session: Session, case_ids: Sequence[str]) -> dict[str, int]:
    """Open conflicts per case, for the cases given (the queue's marker column)."""
    if not case_ids:
        return {}
    rows = session.execute(
        select(SyncConflict.case_id, func.count())
        .where(SyncConflict.case_id.in_(case_ids), SyncConflict.settled_at.is_(None))
        .group_by(SyncConflict.case_id)
    )
    return {case_id: int(count) for case_id, count in rows}


def list_rejections(session: Session, case_id: str | None = None) -> tuple[RejectionInfo, ...]:
    """Changes the hub refused, newest first (all of them, or one case's); they are kept, never dropped."""
    query = select(SyncRejection).order_by(SyncRejection.created_at.desc(), SyncRejection.seq.desc())
    if case_id is not None:
        query = query.where(SyncRejection.case_id == case_id)
    return tuple(
        RejectionInfo(
            r.id,
            r.seq,
            r.entity,
            r.entity_id,
            r.op,
            r.case_id,
            r.code,
            r.reason,
            dict(r.payload),
            r.created_at,
        )
        for r in session.scalars(query)
    )


def status(session: Session, reviewer_id: str | None = None) -> SyncStatus:
    """The sync state; with ``reviewer_id``, also the cases that reviewer claimed here and the hub has not
    confirmed yet."""
    row = session.get(SyncState, 1)
    conflicts = session.scalar(select(func.count()).where(SyncConflict.settled_at.is_(None))) or 0
    rejections = session.scalar(select(func.count()).select_from(SyncRejection)) or 0
    return SyncStatus(
        pending=pending_count(session),
        open_conflicts=int(conflicts),
        rejections=int(rejections),
        last_sync_at=row.last_sync_at if row else None,
        last_error=row.last_error if row else "",
        pending_claims=pending_claims(session, reviewer_id) if reviewer_id else frozenset(),
    )


def _change_remediation(
    session: Session, action: RemediationAction, actor: Reviewer, field: str, value: Any
) -> None:
    before = {field: json_safe(getattr(action, field)), "version": action.version}
    base = action.version
    setattr(action, field, value)
    action.version = base + 1
    after = {field: json_safe(value), "version": action.version}
    audit.record(
        session,
        actor_id=actor.id,
        action="remediation.conflict_settled",
        entity="remediation_action",
        entity_id=action.id,
        case_id=action.case_id,
        before=before,
        after=after,
    )
    audit.enqueue(
        session, "remediation_action", action.id, "update", {field: json_safe(value)}, base_version=base
    )


@dataclass(frozen=True)
class SettleConflict:
    """Settle a conflict: confirm the value the hub kept, or take the other one (an ordinary, audited change)."""

    conflict_id: str
    keep: str  # kept | other

    def run(self, session: Session, actor: Reviewer) -> Changes:
        if self.keep not in KEEP_CHOICES:
            raise InvalidInput(N_("Choose which value to keep."))
        conflict = session.get(SyncConflict, self.conflict_id)
        if conflict is None:
            raise NotFound(N_("No conflict with id %(id)s."), id=self.conflict_id)
        if conflict.settled_at is not None:
            raise InvalidInput(N_("This conflict is already settled."))
        case = load_case(session, conflict.case_id)
        if not permissions.allowed(actor.role, "work_any_case"):
            require_worker(case, actor)
        raw = json.loads(conflict.kept_value if self.keep == "kept" else conflict.other_value)
        value = column_value(table(conflict.entity), conflict.field, raw)
        if conflict.entity == "case":
            if json_safe(getattr(case, conflict.field)) != json_safe(value):
                change_case(session, case, actor, "case.conflict_settled", **{conflict.field: value})
        else:
            action = session.get(RemediationAction, conflict.entity_id)
            if action is None:
                raise NotFound(N_("No remediation action with id %(id)s."), id=conflict.entity_id)
            if json_safe(getattr(action, conflict.field)) != json_safe(value):
                _change_remediation(session, action, actor, conflict.field, value)
        base = conflict.version
        conflict.settled_value = json.dumps(json_safe(value))
        conflict.settled_by_id = actor.id
        conflict.settled_at = utcnow()
        conflict.version = base + 1
        settled = {
            "field": conflict.field,
            "settled_value": conflict.settled_value,
            "settled_by_id": actor.id,
            "settled_at": json_safe(conflict.settled_at),
        }
        audit.record(
            session,
            actor_id=actor.id,
            action="sync.conflict_settled",
            entity="sync_conflict",
            entity_id=conflict.id,
            case_id=case.id,
            before={"kept": json.loads(conflict.kept_value), "other": json.loads(conflict.other_value)},
            after=settled,
        )
        audit.enqueue(session, "sync_conflict", conflict.id, "update", settled, base_version=base)
        return Changes(case_id=case.id, case=True, remediation=conflict.entity != "case", queue=True)
