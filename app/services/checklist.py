"""The policy checklist of a case: which policies apply, the current answers, and what they imply.

A policy is violated when every criterion is met and every exception is ruled out; it is not violated as soon
as one criterion is not met or one exception applies; anything else is undetermined.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Case, ChecklistAnswer, Policy, PolicyElement, Queue
from app.services.dto import ElementAnswer, PolicyChecklist
from app.services.rules import NOT_VIOLATED, UNDETERMINED, VIOLATED, suggested_outcome, verdict

__all__ = [
    "NOT_VIOLATED",
    "UNDETERMINED",
    "VIOLATED",
    "case_checklists",
    "latest_policies",
    "suggested_outcome",
    "verdict",
]


def latest_policies(session: Session) -> list[Policy]:
    newest = select(Policy.code, func.max(Policy.version).label("version")).group_by(Policy.code).subquery()
    query = select(Policy).join(newest, (Policy.code == newest.c.code) & (Policy.version == newest.c.version))
    return list(session.scalars(query.order_by(Policy.code)))


def current_answers(session: Session, case_id: str) -> dict[str, ChecklistAnswer]:
    """The latest answer per element (answers are append-only, so the newest wins)."""
    answers: dict[str, ChecklistAnswer] = {}
    rows = session.scalars(
        select(ChecklistAnswer)
        .where(ChecklistAnswer.case_id == case_id)
        .order_by(ChecklistAnswer.created_at, ChecklistAnswer.id)
    )
    for answer in rows:
        answers[answer.element_id] = answer
    return answers


def build_checklist(
    policy: Policy, elements: Sequence[PolicyElement], answers: dict[str, ChecklistAnswer]
) -> PolicyChecklist:
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
    answers = current_answers(session, case.id)
    queue_slug = session.scalar(select(Queue.slug).where(Queue.id == case.queue_id))
    policies = {p.id: p for p in latest_policies(session) if queue_slug in (p.queues or [])}
    wanted = {a.policy_id for a in answers.values()} | set(extra_policy_ids)
    missing = wanted - set(policies)
    if missing:
        policies.update({p.id: p for p in session.scalars(select(Policy).where(Policy.id.in_(missing)))})
    if not policies:
        return ()
    elements: dict[str, list[PolicyElement]] = {pid: [] for pid in policies}
    for element in session.scalars(select(PolicyElement).where(PolicyElement.policy_id.in_(policies))):
        elements[element.policy_id].append(element)
    ordered = sorted(policies.values(), key=lambda p: p.code)
    return tuple(build_checklist(p, elements[p.id], answers) for p in ordered)
