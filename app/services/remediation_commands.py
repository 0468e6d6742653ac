"""Commands of the remediation plan: plan an action, move it along, and the four-eyes approval."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.core.vocabulary import (
    HORIZONS,
    REMEDIATION_STATUSES,
    REMEDIATION_TRANSITIONS,
    REMEDIATION_TYPES,
    SEVERE_REMEDIATIONS,
)
from app.i18n import N_
from app.models import RemediationAction, Reviewer
from app.services import audit, permissions
from app.services.case_commands import load_case, require_worker, transition
from app.services.dto import Changes
from app.services.errors import IllegalTransition, InvalidInput, NotFound, PermissionDenied

REMEDIATION_FIELDS = ("status", "approved_by_id", "owner_id", "due_at", "version")


def _change(
    session: Session, action: RemediationAction, actor: Reviewer, verb: str, **values: object
) -> None:
    audit.record_change(
        session,
        action,
        REMEDIATION_FIELDS,
        actor_id=actor.id,
        action=verb,
        entity="remediation_action",
        case_id=action.case_id,
        values=values,
    )


def _load(session: Session, action_id: str) -> RemediationAction:
    action = session.get(RemediationAction, action_id)
    if action is None:
        raise NotFound(N_("No remediation action with id %(id)s."), id=action_id)
    return action


@dataclass(frozen=True)
class PlanRemediation:
    case_id: str
    action_type: str
    target: str = ""
    horizon: str = "immediate"
    countries: tuple[str, ...] = ()
    due_at: datetime | None = None
    owner_id: str | None = None

    def run(self, session: Session, actor: Reviewer) -> Changes:
        permissions.require(actor.role, "plan_remediation")
        if self.action_type not in REMEDIATION_TYPES:
            raise InvalidInput(N_("Unknown remediation type %(type)s."), type=self.action_type)
        if self.horizon not in HORIZONS:
            raise InvalidInput(N_("Unknown horizon %(value)s."), value=self.horizon)
        countries = tuple(c.strip().upper() for c in self.countries if c.strip())
        if self.action_type == "geo_withhold" and not countries:
            raise InvalidInput(N_("Withholding in countries needs at least one country code."))
        if any(len(c) != 2 or not c.isalpha() for c in countries):
            raise InvalidInput(N_("Countries are two-letter ISO codes, such as DE or IN."))
        case = load_case(session, self.case_id)
        require_worker(case, actor)
        if case.status not in ("decided", "remediating"):
            raise IllegalTransition(N_("Remediation is planned once the case is decided."))
        row = RemediationAction(
            case_id=case.id,
            action_type=self.action_type,
            target=self.target.strip(),
            horizon=self.horizon,
            countries=list(countries),
            due_at=self.due_at,
            owner_id=self.owner_id or actor.id,
            needs_second_approval=self.action_type in SEVERE_REMEDIATIONS,
            proposed_by_id=actor.id,
        )
        session.add(row)
        session.flush()
        payload = audit.row_payload(row)
        audit.record(
            session,
            actor_id=actor.id,
            action="remediation.planned",
            entity="remediation_action",
            entity_id=row.id,
            case_id=case.id,
            after=payload,
        )
        audit.enqueue(session, "remediation_action", row.id, "insert", payload)
        if case.status == "decided":
            transition(session, case, actor, "remediating", "case.remediating")
        return Changes(case_id=case.id, remediation=True, case=True, queue=True, created_ids=(row.id,))


@dataclass(frozen=True)
class SetRemediationStatus:
    action_id: str
    status: str

    def run(self, session: Session, actor: Reviewer) -> Changes:
        permissions.require(actor.role, "update_remediation")
        action = _load(session, self.action_id)
        case = load_case(session, action.case_id)
        require_worker(case, actor)
        if self.status not in REMEDIATION_TRANSITIONS.get(action.status, frozenset()):
            raise IllegalTransition(
                N_("A remediation action that is %(current)s cannot become %(target)s."),
                current=REMEDIATION_STATUSES.get(action.status, action.status),
                target=REMEDIATION_STATUSES.get(self.status, self.status),
            )
        starting = self.status in ("in_progress", "done")
        if starting and action.needs_second_approval and action.approved_by_id is None:
            raise PermissionDenied(
                N_("This severe action needs a lead's second approval before it is carried out.")
            )
        _change(session, action, actor, f"remediation.{self.status}", status=self.status)
        return Changes(case_id=case.id, remediation=True)


@dataclass(frozen=True)
class ApproveRemediation:
    """The second pair of eyes on a severe action: a lead who did not propose it."""

    action_id: str

    def run(self, session: Session, actor: Reviewer) -> Changes:
        permissions.require(actor.role, "approve_remediation")
        action = _load(session, self.action_id)
        if not action.needs_second_approval:
            raise InvalidInput(N_("This action does not need a second approval."))
        if action.approved_by_id is not None:
            raise InvalidInput(N_("This action is already approved."))
        if action.proposed_by_id == actor.id:
            raise PermissionDenied(N_("The second approval must come from someone other than the proposer."))
        _change(session, action, actor, "remediation.approved", approved_by_id=actor.id)
        return Changes(case_id=action.case_id, remediation=True)
