"""The blind re-review: the sampled case without its original, the auditor's own checklist and outcome, and
only then the original beside the audit with the differences.

Auditors write QA records only (qa_answer, qa_review); nothing here touches a decision, a checklist answer
or a case. Blindness is kept by the queries: ``blind_case`` never reads the decision, its rationale, its
author, the case's notes, timeline or remediation, and ``comparison`` refuses until the auditor's own outcome
is on record (a review cannot be changed afterwards).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.vocabulary import ANSWERS, OUTCOMES
from app.i18n import N_
from app.models import (
    Case,
    ChecklistAnswer,
    Decision,
    Policy,
    PolicyElement,
    QaAnswer,
    QaBatch,
    QaBatchItem,
    QaReview,
    Queue,
    Reviewer,
)
from app.services import permissions, rules
from app.services.checklist import latest_policies
from app.services.dto import Changes, ElementAnswer, PolicyChecklist
from app.services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.services.qa.common import append, clean_text, policy_codes, policy_labels, reviewer_names
from app.services.qa.dto import BlindCase, Comparison, Difference, ElementComparison
from app.services.qa.findings import findings_for_review, latest_scores
from app.services.qa.rubric import current_rubric
from app.services.queries import _content as case_content  # the same plain content the review pane shows


def load_item(session: Session, item_id: str) -> QaBatchItem:
    item = session.get(QaBatchItem, item_id)
    if item is None:
        raise NotFound(N_("No audit item with id %(id)s."), id=item_id)
    return item


def _require_auditor(session: Session, item: QaBatchItem, actor: Reviewer) -> Decision:
    permissions.require(actor.role, "qa_review")
    decision = session.get(Decision, item.decision_id)
    assert decision is not None  # a batch item's foreign key
    if decision.author_id == actor.id:
        raise PermissionDenied(N_("You cannot audit a decision you made yourself."))
    return decision


def _review_of(session: Session, item_id: str, auditor_id: str) -> QaReview | None:
    return session.scalars(
        select(QaReview).where(QaReview.item_id == item_id, QaReview.auditor_id == auditor_id)
    ).first()


def _audit_answers(session: Session, item_id: str, auditor_id: str) -> dict[str, QaAnswer]:
    answers: dict[str, QaAnswer] = {}
    for row in session.scalars(
        select(QaAnswer)
        .where(QaAnswer.item_id == item_id, QaAnswer.auditor_id == auditor_id)
        .order_by(QaAnswer.created_at, QaAnswer.id)
    ):
        answers[row.element_id] = row
    return answers


def checklists_for(
    session: Session, policy_ids: Iterable[str], answers: dict[str, tuple[str, str]]
) -> tuple[PolicyChecklist, ...]:
    """Checklists of the given policies filled with ``answers`` (element id -> (answer, evidence))."""
    policies = {p.id: p for p in session.scalars(select(Policy).where(Policy.id.in_(set(policy_ids))))}
    elements: dict[str, list[PolicyElement]] = {pid: [] for pid in policies}
    for element in session.scalars(select(PolicyElement).where(PolicyElement.policy_id.in_(policies))):
        elements[element.policy_id].append(element)
    result = []
    for policy in sorted(policies.values(), key=lambda p: p.code):
        items = tuple(
            ElementAnswer(
                element_id=e.id,
                key=e.key,
                kind=e.kind,
                text=e.text,
                guidance=e.guidance,
                answer=answers[e.id][0] if e.id in answers else None,
                evidence=answers[e.id][1] if e.id in answers else "",
            )
            for e in sorted(elements[policy.id], key=lambda e: (e.kind != "criterion", e.position))
        )
        result.append(
            PolicyChecklist(
                policy_id=policy.id,
                code=policy.code,
                version=policy.version,
                title=policy.title,
                summary=policy.summary,
                violation_outcome=policy.violation_outcome,
                restriction_type=policy.restriction_type,
                legal_ground=policy.legal_ground,
                elements=items,
                verdict=rules.verdict(items),
            )
        )
    return tuple(result)


def blind_case(
    session: Session, item_id: str, auditor_id: str, extra_policy_ids: Sequence[str] = ()
) -> BlindCase:
    """The sampled case as the auditor sees it before deciding: content and checklist, no original."""
    item = load_item(session, item_id)
    auditor = session.get(Reviewer, auditor_id)
    if auditor is None:
        raise NotFound(N_("No reviewer with id %(id)s in this profile."), id=auditor_id)
    _require_auditor(session, item, auditor)
    case = session.get(Case, item.case_id)
    batch = session.get(QaBatch, item.batch_id)
    assert case is not None
    assert batch is not None
    queue = session.get(Queue, case.queue_id)
    assert queue is not None
    answers = _audit_answers(session, item.id, auditor_id)
    latest = latest_policies(session)
    wanted = (
        {p.id for p in latest if queue.slug in (p.queues or [])}
        | {a.policy_id for a in answers.values()}
        | set(extra_policy_ids)
    )
    checklists = checklists_for(session, wanted, {k: (a.answer, a.evidence) for k, a in answers.items()})
    size = session.scalar(
        select(QaBatchItem.position)
        .where(QaBatchItem.batch_id == batch.id)
        .order_by(QaBatchItem.position.desc())
        .limit(1)
    )
    return BlindCase(
        item_id=item.id,
        batch_id=batch.id,
        batch_name=batch.name,
        position=item.position,
        batch_size=int(size or 0),
        case_id=case.id,
        title=case.title,
        queue_name=queue.name,
        language=case.language,
        region=case.region,
        severity=case.severity,
        source_type=case.source_type,
        report_reason=case.report_reason,
        content=case_content(session, case.id),
        checklists=checklists,
        suggested_outcome=rules.suggested_outcome(checklists),
        policies=tuple((p.id, f"{p.code} v{p.version}: {p.title}") for p in latest),
        submitted=_review_of(session, item.id, auditor_id) is not None,
    )


@dataclass(frozen=True)
class AnswerAuditChecklist:
    """The auditor's own answer to one checklist element, before recording an outcome."""

    item_id: str
    element_id: str
    answer: str
    evidence: str = ""

    def run(self, session: Session, actor: Reviewer) -> Changes:
        item = load_item(session, self.item_id)
        _require_auditor(session, item, actor)
        if self.answer not in ANSWERS:
            raise InvalidInput(N_("Unknown checklist answer %(answer)s."), answer=self.answer)
        if _review_of(session, item.id, actor.id) is not None:
            raise Conflict(N_("This re-review is recorded; its answers can no longer change."))
        element = session.get(PolicyElement, self.element_id)
        if element is None:
            raise NotFound(N_("No checklist element with id %(id)s."), id=self.element_id)
        row = QaAnswer(
            item_id=item.id,
            auditor_id=actor.id,
            policy_id=element.policy_id,
            element_id=element.id,
            answer=self.answer,
            evidence=clean_text(self.evidence, N_("Evidence"), required=False),
        )
        append(session, actor, "qa_answer", row, "qa.answered", item.case_id)
        return Changes(created_ids=(row.id,))


@dataclass(frozen=True)
class SubmitBlindReview:
    """Record the auditor's outcome (once): from then on the original may be revealed."""

    item_id: str
    outcome: str
    policy_id: str | None = None
    rationale: str = ""

    def run(self, session: Session, actor: Reviewer) -> Changes:
        item = load_item(session, self.item_id)
        _require_auditor(session, item, actor)
        if self.outcome not in OUTCOMES:
            raise InvalidInput(N_("Unknown outcome %(outcome)s."), outcome=self.outcome)
        if self.outcome != "no_violation" and not self.policy_id:
            raise InvalidInput(N_("An outcome that restricts content must cite a policy."))
        if self.policy_id and session.get(Policy, self.policy_id) is None:
            raise NotFound(N_("No policy with id %(id)s."), id=self.policy_id)
        if _review_of(session, item.id, actor.id) is not None:
            raise Conflict(N_("You have already recorded your outcome for this item."))
        answers = _audit_answers(session, item.id, actor.id)
        keys = dict(
            session.execute(
                select(PolicyElement.id, PolicyElement.key).where(PolicyElement.id.in_(answers))
            ).all()
        )
        snapshot = [
            {"element_id": a.element_id, "key": keys.get(a.element_id, ""), "answer": a.answer}
            for a in answers.values()
        ]
        row = QaReview(
            item_id=item.id,
            auditor_id=actor.id,
            outcome=self.outcome,
            policy_id=self.policy_id or None,
            answers=snapshot,
            rationale=clean_text(self.rationale, N_("Rationale"), required=False),
        )
        append(session, actor, "qa_review", row, "qa.reviewed", item.case_id)
        return Changes(created_ids=(row.id,))


def _original_answers(session: Session, case_id: str, decision: Decision) -> dict[str, str]:
    """The case's checklist as it stood when the decision was made (answers are append-only)."""
    answers: dict[str, str] = {}
    for row in session.scalars(
        select(ChecklistAnswer)
        .where(ChecklistAnswer.case_id == case_id, ChecklistAnswer.created_at <= decision.created_at)
        .order_by(ChecklistAnswer.created_at, ChecklistAnswer.id)
    ):
        answers[row.element_id] = row.answer
    return answers


def review_for_item(session: Session, item_id: str, auditor_id: str) -> QaReview:
    review = _review_of(session, item_id, auditor_id)
    if review is None:
        raise InvalidInput(N_("Record your own outcome before the original is revealed."))
    return review


def compare_item(session: Session, item_id: str, auditor_id: str) -> Comparison:
    """Reveal: the original and this auditor's re-review side by side (only after the re-review)."""
    return comparison(session, review_for_item(session, item_id, auditor_id).id)


def comparison(session: Session, review_id: str) -> Comparison:
    review = session.get(QaReview, review_id)
    if review is None:
        raise NotFound(N_("No re-review with id %(id)s."), id=review_id)
    item = load_item(session, review.item_id)
    decision = session.get(Decision, item.decision_id)
    case = session.get(Case, item.case_id)
    assert decision is not None
    assert case is not None
    original = _original_answers(session, case.id, decision)
    audited = {a["element_id"]: a["answer"] for a in review.answers}
    element_ids = set(original) | set(audited)
    elements = list(
        session.execute(
            select(PolicyElement, Policy.code)
            .join(Policy, Policy.id == PolicyElement.policy_id)
            .where(PolicyElement.id.in_(element_ids))
            .order_by(Policy.code, PolicyElement.kind, PolicyElement.position)
        ).all()
    )
    compared = tuple(
        ElementComparison(e.id, e.key, e.text, code, original.get(e.id), audited.get(e.id))
        for e, code in elements
    )
    labels = policy_labels(session, [decision.policy_id, review.policy_id])
    codes = policy_codes(session, [decision.policy_id, review.policy_id])
    differences: list[Difference] = []
    if decision.outcome != review.outcome:
        differences.append(Difference("outcome", "", decision.outcome, review.outcome))
    if codes.get(decision.policy_id or "", "") != codes.get(review.policy_id or "", ""):
        differences.append(
            Difference(
                "policy", "", labels.get(decision.policy_id or "", ""), labels.get(review.policy_id or "", "")
            )
        )
    differences += [
        Difference("element", e.text, e.original or "", e.audit or "") for e in compared if e.differs
    ]
    names = reviewer_names(session, [decision.author_id, review.auditor_id])
    return Comparison(
        item_id=item.id,
        review_id=review.id,
        case_id=case.id,
        external_ref=case.external_ref,
        original_outcome=decision.outcome,
        original_policy=labels.get(decision.policy_id or "", ""),
        original_cited=tuple(decision.cited_elements or ()),
        original_rationale=decision.rationale,
        original_override=decision.override_reason,
        original_reviewer_id=decision.author_id,
        original_reviewer=names.get(decision.author_id, ""),
        decided_at=decision.created_at,
        audit_outcome=review.outcome,
        audit_policy=labels.get(review.policy_id or "", ""),
        audit_rationale=review.rationale,
        auditor=names.get(review.auditor_id, ""),
        audited_at=review.created_at,
        elements=compared,
        differences=tuple(differences),
        rubric=current_rubric(session),
        scores=latest_scores(session, review.id),
        findings=tuple(findings_for_review(session, review.id)),
    )
