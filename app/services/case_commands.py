"""Commands on the case itself: claim, release, status changes along the life cycle, resolve, reopen."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.vocabulary import CASE_STATUSES, CASE_TRANSITIONS, OPEN_REMEDIATION_STATUSES
from app.i18n import N_
from app.models import Case, RemediationAction, Reviewer, utcnow
from app.services import audit, permissions
from app.services.dto import Changes
from app.services.errors import Conflict, IllegalTransition, InvalidInput, NotFound, PermissionDenied

MUTABLE_CASE_FIELDS = ("status", "assignee_id", "priority", "version")


def load_case(session: Session, case_id: str) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(N_("No case with id %(id)s."), id=case_id)
    return case


def require_worker(case: Case, actor: Reviewer) -> None:
    """Only the assignee works a case; a lead may step in on any case."""
    if case.assignee_id == actor.id or permissions.allowed(actor.role, "work_any_case"):
        return
    if case.assignee_id is None:
        raise PermissionDenied(N_("Claim this case before working on it."))
    raise PermissionDenied(N_("This case is assigned to someone else; ask a lead to reassign it."))


def change_case(session: Session, case: Case, actor: Reviewer, action: str, **values: object) -> None:
    """Apply mutable field changes with a version bump, an audit event and an outbox row."""
    values = {**values, "updated_at": utcnow()}
    audit.record_change(
        session,
        case,
        MUTABLE_CASE_FIELDS,
        actor_id=actor.id,
        action=action,
        entity="case",
        case_id=case.id,
        values=values,
    )


def transition(session: Session, case: Case, actor: Reviewer, to: str, action: str, **values: object) -> None:
    if to not in CASE_TRANSITIONS.get(case.status, frozenset()):
        raise IllegalTransition(
            N_("A case that is %(current)s cannot move to %(target)s."),
            current=CASE_STATUSES.get(case.status, case.status),
            target=CASE_STATUSES.get(to, to),
        )
    change_case(session, case, actor, action, status=to, **values)


@dataclass(frozen=True)
class ClaimCase:
    case_id: str
    expected_version: int | None = None

    def run(self, session: Session, actor: Reviewer) -> Changes:
        permissions.require(actor.role, "claim_case")
        case = load_case(session, self.case_id)
        if self.expected_version is not None and case.version != self.expected_version:
            raise Conflict(N_("The case changed while you were looking at it; it has been reloaded."))
        if case.assignee_id not in (None, actor.id) and not permissions.allowed(actor.role, "work_any_case"):
            raise Conflict(N_("This case is already claimed by someone else."))
        if case.status == "new":
            transition(session, case, actor, "in_review", "case.claimed", assignee_id=actor.id)
        elif case.assignee_id != actor.id:
            change_case(session, case, actor, "case.claimed", assignee_id=actor.id)
        return Changes(case_id=case.id, case=True, queue=True)


@dataclass(frozen=True)
class ReleaseCase:
    case_id: str

    def run(self, session: Session, actor: Reviewer) -> Changes:
        permissions.require(actor.role, "release_case")
        case = load_case(session, self.case_id)
        require_worker(case, actor)
        change_case(session, case, actor, "case.released", assignee_id=None)
        return Changes(case_id=case.id, case=True, queue=True)


@dataclass(frozen=True)
class SetAwaitingInput:
    """Park the case while waiting for a stakeholder, or take it back into review."""

    case_id: str
    waiting: bool

    def run(self, session: Session, actor: Reviewer) -> Changes:
        permissions.require(actor.role, "change_status")
        case = load_case(session, self.case_id)
        require_worker(case, actor)
        target, action = (
            ("awaiting_input", "case.awaiting_input") if self.waiting else ("in_review", "case.resumed")
        )
        transition(session, case, actor, target, action)
        return Changes(case_id=case.id, case=True, queue=True)


@dataclass(frozen=True)
class ResolveCase:
    case_id: str

    def run(self, session: Session, actor: Reviewer) -> Changes:
        permissions.require(actor.role, "resolve_case")
        case = load_case(session, self.case_id)
        require_worker(case, actor)
        open_actions = session.scalars(
            select(RemediationAction).where(
                RemediationAction.case_id == case.id,
                RemediationAction.horizon == "immediate",
                RemediationAction.status.in_(OPEN_REMEDIATION_STATUSES),
            )
        ).all()
        if open_actions:
            raise InvalidInput(
                N_("%(count)s immediate remediation action(s) are still open; finish or cancel them first."),
                count=len(open_actions),
            )
        transition(session, case, actor, "resolved", "case.resolved")
        return Changes(case_id=case.id, case=True, queue=True)


@dataclass(frozen=True)
class ReopenCase:
    case_id: str
    reason: str

    def run(self, session: Session, actor: Reviewer) -> Changes:
        permissions.require(actor.role, "reopen_case")
        if not self.reason.strip():
            raise InvalidInput(N_("Say why the case is reopened."))
        case = load_case(session, self.case_id)
        if case.status not in ("decided", "remediating", "resolved"):
            raise IllegalTransition(N_("Only a decided, remediating or resolved case can be reopened."))
        transition(session, case, actor, "in_review", "case.reopened", assignee_id=actor.id)
        audit.record(
            session,
            actor_id=actor.id,
            action="case.reopen_reason",
            entity="case",
            entity_id=case.id,
            case_id=case.id,
            after={"reason": self.reason},
        )
        return Changes(case_id=case.id, case=True, queue=True)
