"""The policy checklist of a case: which policies apply, the current answers, and what they imply.

A policy is violated when every criterion is met and every exception is ruled out; it is not violated as soon
as one criterion is not met or one exception applies; anything else is undetermined.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import Row, Select, bindparam, func, select
from sqlalchemy.orm import Session

from app.models import Case, ChecklistAnswer, Policy, PolicyElement, Queue
from app.services.dto import ElementAnswer, PolicyChecklist
from app.services.rules import NOT_VIOLATED, UNDETERMINED, VIOLATED, suggested_outcome, verdict

__all__ = [
    "NOT_VIOLATED",
    "UNDETERMINED",
    "VIOLATED",
    "case_checklists",
    "checklists_for",
    "latest_checklists",
    "latest_policies",
    "suggested_outcome",
    "verdict",
]


def latest_policies(session: Session) -> list[Policy]:
    newest = select(Policy.code, func.max(Policy.version).label("version")).group_by(Policy.code).subquery()
    query = select(Policy).join(newest, (Policy.code == newest.c.code) & (Policy.version == newest.c.version))
    return list(session.scalars(query.order_by(Policy.code)))


def build_checklist(
    policy: Policy | Row[Any], elements: Sequence[PolicyElement | Row[Any]], answers: Mapping[str, Any]
) -> PolicyChecklist:
    """One policy's checklist from its row, its elements' rows and the latest answer per element id."""
    items = tuple(
        ElementAnswer(
            element_id=e.id,
            key=e.key,
            kind=e.kind,
            text=e.text,
            guidance=e.guidance,
            answer=answers[e.id].answer if e.id in answers else None,
            evidence=answers[e.id].evidence if e.id in answers else "",
        )
        for e in sorted(elements, key=lambda e: (e.kind != "criterion", e.position))
    )
    return PolicyChecklist(
        policy_id=policy.id,
        code=policy.code,
        version=policy.version,
        title=policy.title,
        summary=policy.summary,
        violation_outcome=policy.violation_outcome,
        restriction_type=policy.restriction_type,
        legal_ground=policy.legal_ground,
        elements=items,
        verdict=verdict(items),
    )


def case_checklists(
    session: Session, case: Case, extra_policy_ids: Iterable[str] = ()
) -> tuple[PolicyChecklist, ...]:
    """Checklists for the policies relevant to the case's queue, those already answered, and any asked for."""
    return checklists_for(session, case.id, case.queue_id, extra_policy_ids)


POLICY_COLUMNS = (
    Policy.id,
    Policy.code,
    Policy.version,
    Policy.title,
    Policy.summary,
    Policy.violation_outcome,
    Policy.restriction_type,
    Policy.legal_ground,
    Policy.queues,
)


@cache
def _statements() -> dict[str, Select[Any]]:
    """Built once with bind parameters: the case screen runs these on every case it opens."""
    newest = select(Policy.code, func.max(Policy.version).label("version")).group_by(Policy.code).subquery()
    return {
        "answers": select(
            ChecklistAnswer.element_id,
            ChecklistAnswer.policy_id,
            ChecklistAnswer.answer,
            ChecklistAnswer.evidence,
        )
        .where(ChecklistAnswer.case_id == bindparam("case_id"))
        .order_by(ChecklistAnswer.created_at, ChecklistAnswer.id),
        "slug": select(Queue.slug).where(Queue.id == bindparam("queue_id")),
        "latest": select(*POLICY_COLUMNS)
        .join(newest, (Policy.code == newest.c.code) & (Policy.version == newest.c.version))
        .order_by(Policy.code),
        "policies": select(*POLICY_COLUMNS).where(Policy.id.in_(bindparam("ids", expanding=True))),
        "elements": select(
            PolicyElement.id,
            PolicyElement.policy_id,
            PolicyElement.key,
            PolicyElement.kind,
            PolicyElement.text,
            PolicyElement.guidance,
            PolicyElement.position,
        ).where(PolicyElement.policy_id.in_(bindparam("ids", expanding=True))),
    }


def checklists_for(
    session: Session,
    case_id: str,
    queue_id: str,
    extra_policy_ids: Iterable[str] = (),
    *,
    queue_slug: str | None = None,
) -> tuple[PolicyChecklist, ...]:
    """``case_checklists`` for a case known by id and queue, read as plain rows (no ORM objects to build)."""
    statements = _statements()
    answers: dict[str, Row[Any]] = {}
    for answer in session.execute(statements["answers"], {"case_id": case_id}):
        answers[answer.element_id] = answer  # append-only: the newest answer per element wins
    if queue_slug is None:
        queue_slug = session.scalar(statements["slug"], {"queue_id": queue_id})
    policies = {p.id: p for p in session.execute(statements["latest"]) if queue_slug in (p.queues or [])}
    wanted = {a.policy_id for a in answers.values()} | set(extra_policy_ids)
    missing = wanted - set(policies)
    if missing:
        policies.update({p.id: p for p in session.execute(statements["policies"], {"ids": list(missing)})})
    if not policies:
        return ()
    elements: dict[str, list[Row[Any]]] = {pid: [] for pid in policies}
    for element in session.execute(statements["elements"], {"ids": list(policies)}):
        elements[element.policy_id].append(element)
    ordered = sorted(policies.values(), key=lambda p: p.code)
    return tuple(build_checklist(p, elements[p.id], answers) for p in ordered)


def latest_checklists(session: Session) -> tuple[PolicyChecklist, ...]:
    """Every policy's newest version as an unanswered checklist, by code (the case screen prepares their rows)."""
    statements = _statements()
    policies = list(session.execute(statements["latest"]))
    elements: dict[str, list[Row[Any]]] = {p.id: [] for p in policies}
    for element in session.execute(statements["elements"], {"ids": list(elements)}):
        elements[element.policy_id].append(element)
    return tuple(build_checklist(p, elements[p.id], {}) for p in policies)
