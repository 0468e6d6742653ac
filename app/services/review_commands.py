"""Commands of the review itself: checklist answers, notes, stakeholder messages and the decision."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.vocabulary import ANSWERS, NOTE_VISIBILITIES, OUTCOMES
from app.i18n import N_
from app.models import ChecklistAnswer, Communication, Decision, Note, Policy, PolicyElement, Reviewer
from app.services import audit, permissions, rules
from app.services.case_commands import load_case, require_worker, transition
from app.services.checklist import case_checklists
from app.services.dto import Changes
from app.services.errors import InvalidInput, NotFound

MAX_TEXT = 100_000


def _text(value: str, what: str, *, required: bool = True) -> str:
    value = value.strip()
    if required and not value:
        raise InvalidInput(N_("%(field)s cannot be empty."), field=what)
    if len(value) > MAX_TEXT:
        raise InvalidInput(N_("%(field)s is longer than %(limit)s characters."), field=what, limit=MAX_TEXT)
    return value


def _append(session: Session, actor: Reviewer, entity: str, row: object, case_id: str, action: str) -> None:
    session.add(row)
    session.flush()
    payload = audit.row_payload(row)
    audit.record(
        session,
        actor_id=actor.id,
        action=action,
        entity=entity,
        entity_id=str(payload["id"]),
        case_id=case_id,
        after=payload,
    )
    audit.enqueue(session, entity, str(payload["id"]), "insert", payload)


@dataclass(frozen=True)
class AnswerChecklistItem:
    case_id: str
    element_id: str
    answer: str
    evidence: str = ""

    def run(self, session: Session, actor: Reviewer) -> Changes:
        permissions.require(actor.role, "answer_checklist")
        if self.answer not in ANSWERS:
            raise InvalidInput(N_("Unknown checklist answer %(answer)s."), answer=self.answer)
        case = load_case(session, self.case_id)
        require_worker(case, actor)
        if case.status not in ("in_review", "awaiting_input"):
            raise InvalidInput(N_("Checklist answers can be given while the case is in review."))
        element = session.get(PolicyElement, self.element_id)
        if element is None:
            raise NotFound(N_("No checklist element with id %(id)s."), id=self.element_id)
        row = ChecklistAnswer(
            case_id=case.id,
            policy_id=element.policy_id,
            element_id=element.id,
            answer=self.answer,
            evidence=_text(self.evidence, N_("Evidence"), required=False),
            author_id=actor.id,
        )
        _append(session, actor, "checklist_answer", row, case.id, "checklist.answered")
        return Changes(case_id=case.id, checklist=True)


@dataclass(frozen=True)
class AddNote:
    case_id: str
    text: str
    language: str
    visibility: str = "internal"

    def run(self, session: Session, actor: Reviewer) -> Changes:
        permissions.require(actor.role, "add_note")
        if self.visibility not in NOTE_VISIBILITIES:
            raise InvalidInput(N_("Unknown note visibility %(value)s."), value=self.visibility)
        if not self.language or len(self.language) > 12:
            raise InvalidInput(N_("A note needs a language tag."))
        case = load_case(session, self.case_id)
        row = Note(
            case_id=case.id,
            text=_text(self.text, N_("Note")),
            language=self.language,
            visibility=self.visibility,
            author_id=actor.id,
        )
        _append(session, actor, "note", row, case.id, "note.added")
        return Changes(case_id=case.id, notes=True)


@dataclass(frozen=True)
class AddCommunication:
    case_id: str
    stakeholder: str
    text: str
    channel: str = "email"

    def run(self, session: Session, actor: Reviewer) -> Changes:
        permissions.require(actor.role, "add_communication")
        case = load_case(session, self.case_id)
        row = Communication(
            case_id=case.id,
            stakeholder=_text(self.stakeholder, N_("Stakeholder"))[:200],
            channel=self.channel,
            text=_text(self.text, N_("Message")),
            author_id=actor.id,
        )
        _append(session, actor, "communication", row, case.id, "communication.logged")
        return Changes(case_id=case.id, communications=True)


@dataclass(frozen=True)
class RecordDecision:
    """Decide the case, citing a policy version and its elements, with a rationale.

    A decision that contradicts the case's own checklist is accepted only with an override reason.
    """

    case_id: str
    outcome: str
    rationale: str
    policy_id: str | None = None
    cited_elements: tuple[str, ...] = ()
    override_reason: str = ""
    territorial_scope: tuple[str, ...] = ("*",)
    duration_days: int | None = None
    facts: str = ""
    legal_reference: str = ""
    extra_policy_ids: tuple[str, ...] = field(default=())

    def run(self, session: Session, actor: Reviewer) -> Changes:
        permissions.require(actor.role, "record_decision")
        if self.outcome not in OUTCOMES:
            raise InvalidInput(N_("Unknown outcome %(outcome)s."), outcome=self.outcome)
        rationale = _text(self.rationale, N_("Rationale"))
        case = load_case(session, self.case_id)
        require_worker(case, actor)
        policy = session.get(Policy, self.policy_id) if self.policy_id else None
        if self.policy_id and policy is None:
            raise NotFound(N_("No policy with id %(id)s."), id=self.policy_id)
        if self.outcome != "no_violation" and policy is None:
            raise InvalidInput(N_("A decision that restricts content must cite a policy."))
        if self.duration_days is not None and self.duration_days <= 0:
            raise InvalidInput(N_("A restriction's duration must be a positive number of days."))
        extra = (*self.extra_policy_ids, *([policy.id] if policy else []))
        checklists = case_checklists(session, case, extra)
        contradiction = rules.contradiction(self.outcome, policy.id if policy else None, checklists)
        override = self.override_reason.strip()
        if contradiction and not override:
            raise InvalidInput(
                N_("This decision contradicts the checklist (%(why)s); give an override reason."),
                why=contradiction,
            )
        previous = session.scalar(
            select(Decision).where(Decision.case_id == case.id).order_by(Decision.created_at.desc()).limit(1)
        )
        row = Decision(
            case_id=case.id,
            outcome=self.outcome,
            policy_id=policy.id if policy else None,
            cited_elements=list(self.cited_elements)
            or rules.met_criteria(checklists, policy.id if policy else None),
            rationale=rationale,
            override_reason=override,
            restriction_type=policy.restriction_type if policy and self.outcome != "no_violation" else "",
            territorial_scope=list(self.territorial_scope),
            duration_days=self.duration_days,
            facts=self.facts.strip() or case.report_reason,
            source_type=case.source_type,
            automated_detection=case.source_type == "automated",
            ground="legal" if policy is not None and policy.legal_ground else "terms",
            legal_reference=self.legal_reference.strip(),
            author_id=actor.id,
            supersedes_id=previous.id if previous else None,
        )
        _append(session, actor, "decision", row, case.id, "decision.recorded")
        transition(session, case, actor, "decided", "case.decided")
        return Changes(case_id=case.id, decision=True, case=True, queue=True)


@dataclass(frozen=True)
class RecordMediaReveal:
    """A reviewer chose to see a blurred item; exposure is part of the record."""

    case_id: str
    media_id: str

    def run(self, session: Session, actor: Reviewer) -> Changes:
        case = load_case(session, self.case_id)
        audit.record(
            session,
            actor_id=actor.id,
            action="media.revealed",
            entity="media_attachment",
            entity_id=self.media_id,
            case_id=case.id,
            after={"media_id": self.media_id},
        )
        return Changes(case_id=case.id)
