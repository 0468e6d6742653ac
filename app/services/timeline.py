"""A case's timeline: this workstation's audit events and those other workstations wrote, in time order.

Other workstations' events arrive with sync and are kept in ``hub_audit_event`` (the local hash chain holds only
what this workstation wrote). Both lists are read in their own order and merged by time, so the local events
keep their chain order and each remote event is marked as coming from elsewhere, with the reviewer who made it.
"""

from __future__ import annotations

import heapq

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AuditEvent, HubAuditEvent, Reviewer
from app.services.dto import TimelineEntry


def case_timeline(session: Session, case_id: str) -> tuple[TimelineEntry, ...]:
    local = list(
        session.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.seq))
    )
    remote = list(
        session.scalars(
            select(HubAuditEvent)
            .where(HubAuditEvent.case_id == case_id)
            .order_by(HubAuditEvent.created_at, HubAuditEvent.id)
        )
    )
    people = {e.actor_id for e in local} | {e.actor_id for e in remote}
    names = dict(session.execute(select(Reviewer.id, Reviewer.name).where(Reviewer.id.in_(people))).all())
    here = (
        TimelineEntry(e.seq, e.action, e.entity, names.get(e.actor_id, ""), e.created_at, dict(e.after or {}))
        for e in local
    )
    elsewhere = (
        TimelineEntry(
            0,
            e.action,
            e.entity,
            names.get(e.actor_id, ""),
            e.created_at,
            dict(e.after or {}),
            remote=True,
        )
        for e in remote
    )
    return tuple(heapq.merge(here, elsewhere, key=lambda entry: entry.created_at))
