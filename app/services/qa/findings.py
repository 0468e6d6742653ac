"""Scores and findings of a re-review, and the answer of the decision's author and of a lead.

A finding is new data about a decision, never a change to it. Its life: open → acknowledged or disputed (by
the decision's author only) → a lead resolves a dispute (finding upheld or withdrawn). Policy-ambiguity
findings also feed the policy owners' list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.i18n import N_
from app.models import Case, Decision, Policy, QaFinding, QaReview, QaScore, Reviewer, utcnow
from app.services import audit, permissions
from app.services.dto import Changes
from app.services.errors import Conflict, IllegalTransition, InvalidInput, NotFound, PermissionDenied
from app.services.qa.common import append, clean_text, policy_codes, reviewer_names, update
from app.services.qa.dto import AmbiguityItem, FindingInfo
from app.services.qa.rubric import current_rubric, current_rubric_row
from app.services.qa.vocabulary import FINDING_CATEGORIES, RESOLUTIONS


def _own_review(session: Session, review_id: str, actor: Reviewer) -> QaReview:
    permissions.require(actor.role, "qa_review")
    review = session.get(QaReview, review_id)
    if review is None:
        raise NotFound(N_("No re-review with id %(id)s."), id=review_id)
    if review.auditor_id != actor.id:
        raise PermissionDenied(N_("Only the auditor who made this re-review can score it or raise findings."))
    return review


def _case_of(session: Session, review: QaReview) -> tuple[str, str]:
    from app.models import QaBatchItem

    item = session.get(QaBatchItem, review.item_id)
    assert item is not None
    return item.case_id, item.decision_id


def latest_scores(session: Session, review_id: str) -> dict[str, int]:
    scores: dict[str, int] = {}
    for row in session.scalars(
        select(QaScore).where(QaScore.review_id == review_id).order_by(QaScore.created_at, QaScore.id)
    ):
        scores[row.criterion] = row.value
    return scores


@dataclass(frozen=True)
class ScoreReview:
    """Score a re-review on the current rubric: (criterion, value) pairs; newer scores replace older."""

    review_id: str
    scores: tuple[tuple[str, int], ...]

    def run(self, session: Session, actor: Reviewer) -> Changes:
        review = _own_review(session, self.review_id, actor)
        rubric = {c.key: c.max for c in current_rubric(session)}
        row = current_rubric_row(session)
        case_id, _decision_id = _case_of(session, review)
        current = latest_scores(session, review.id)
        created = []
        for criterion, value in self.scores:
            if criterion not in rubric:
                raise InvalidInput(N_("Unknown rubric criterion %(key)s."), key=criterion)
            if not 0 <= value <= rubric[criterion]:
                raise InvalidInput(
                    N_("A score for %(key)s must be between 0 and %(max)s."),
                    key=criterion,
                    max=rubric[criterion],
                )
            if current.get(criterion) == value:
                continue  # nothing new to record
            score = QaScore(
                review_id=review.id,
                rubric_id=row.id if row else None,
                criterion=criterion,
                value=value,
                author_id=actor.id,
            )
            created.append(str(append(session, actor, "qa_score", score, "qa.scored", case_id)["id"]))
        return Changes(created_ids=tuple(created))


@dataclass(frozen=True)
class RaiseFinding:
    review_id: str
    category: str
    note: str

    def run(self, session: Session, actor: Reviewer) -> Changes:
        review = _own_review(session, self.review_id, actor)
        if self.category not in FINDING_CATEGORIES:
            raise InvalidInput(N_("Unknown finding category %(category)s."), category=self.category)
        case_id, decision_id = _case_of(session, review)
        decision = session.get(Decision, decision_id)
        assert decision is not None
        finding = QaFinding(
            review_id=review.id,
            decision_id=decision.id,
            case_id=case_id,
            reviewer_id=decision.author_id,
            category=self.category,
            note=clean_text(self.note, N_("Finding")),
            created_by_id=actor.id,
        )
        payload = append(session, actor, "qa_finding", finding, "qa.finding_raised", case_id)
        return Changes(created_ids=(str(payload["id"]),))


def _load_finding(session: Session, finding_id: str, version: int) -> QaFinding:
    finding = session.get(QaFinding, finding_id)
    if finding is None:
        raise NotFound(N_("No finding with id %(id)s."), id=finding_id)
    if finding.version != version:
        raise Conflict(N_("Someone changed this finding meanwhile; look at it again."))
    return finding


def _respond(session: Session, actor: Reviewer, finding: QaFinding, status: str, response: str) -> None:
    permissions.require(actor.role, "respond_finding")
    if finding.reviewer_id != actor.id:
        raise PermissionDenied(N_("Only the reviewer whose decision was audited can answer this finding."))
    if finding.status != "open":
        raise IllegalTransition(N_("This finding has already been answered."))
    before = audit.row_payload(finding)
    finding.status = status
    finding.response = response
    finding.responded_at = utcnow()
    finding.version += 1
    update(session, actor, "qa_finding", finding, f"qa.finding_{status}", finding.case_id, before)


@dataclass(frozen=True)
class AcknowledgeFinding:
    finding_id: str
    version: int
    note: str = ""

    def run(self, session: Session, actor: Reviewer) -> Changes:
        finding = _load_finding(session, self.finding_id, self.version)
        _respond(session, actor, finding, "acknowledged", clean_text(self.note, N_("Note"), required=False))
        return Changes(case_id=None)


@dataclass(frozen=True)
class DisputeFinding:
    finding_id: str
    version: int
    reason: str

    def run(self, session: Session, actor: Reviewer) -> Changes:
        finding = _load_finding(session, self.finding_id, self.version)
        _respond(session, actor, finding, "disputed", clean_text(self.reason, N_("Reason")))
        return Changes(case_id=None)


@dataclass(frozen=True)
class ResolveFinding:
    """A lead settles a disputed finding: upheld (the audit stands) or withdrawn."""

    finding_id: str
    version: int
    resolution: str
    note: str

    def run(self, session: Session, actor: Reviewer) -> Changes:
        permissions.require(actor.role, "resolve_finding")
        finding = _load_finding(session, self.finding_id, self.version)
        if self.resolution not in RESOLUTIONS:
            raise InvalidInput(N_("Unknown resolution %(value)s."), value=self.resolution)
        if finding.status != "disputed":
            raise IllegalTransition(N_("Only a disputed finding needs a lead's resolution."))
        if actor.id in (finding.reviewer_id, finding.created_by_id):
            raise PermissionDenied(
                N_("A dispute is resolved by a lead who is neither the auditor nor the reviewer.")
            )
        before = audit.row_payload(finding)
        finding.status = "resolved"
        finding.resolution = self.resolution
        finding.resolution_note = clean_text(self.note, N_("Resolution"))
        finding.resolved_by_id = actor.id
        finding.resolved_at = utcnow()
        finding.version += 1
        update(session, actor, "qa_finding", finding, "qa.finding_resolved", finding.case_id, before)
        return Changes(case_id=None)


# --- reading ----------------------------------------------------------------------------------------------


def _finding_rows(session: Session, query: Select[tuple[QaFinding]]) -> list[FindingInfo]:
    rows = list(session.scalars(query))
    if not rows:
        return []
    reviews = {
        r.id: r for r in session.scalars(select(QaReview).where(QaReview.id.in_({f.review_id for f in rows})))
    }
    decisions = {
        d.id: d
        for d in session.scalars(select(Decision).where(Decision.id.in_({f.decision_id for f in rows})))
    }
    refs = dict(
        session.execute(
            select(Case.id, Case.external_ref).where(Case.id.in_({f.case_id for f in rows}))
        ).all()
    )
    names = reviewer_names(
        session,
        [f.reviewer_id for f in rows] + [f.created_by_id for f in rows] + [f.resolved_by_id for f in rows],
    )
    codes = policy_codes(session, [d.policy_id for d in decisions.values()])
    return [
        FindingInfo(
            id=f.id,
            review_id=f.review_id,
            decision_id=f.decision_id,
            case_id=f.case_id,
            external_ref=refs.get(f.case_id, ""),
            reviewer_id=f.reviewer_id,
            reviewer_name=names.get(f.reviewer_id, ""),
            auditor_name=names.get(f.created_by_id, ""),
            category=f.category,
            note=f.note,
            status=f.status,
            response=f.response,
            resolution=f.resolution,
            resolution_note=f.resolution_note,
            resolved_by_name=names.get(f.resolved_by_id or "", ""),
            policy_code=codes.get(decisions[f.decision_id].policy_id or "", ""),
            original_outcome=decisions[f.decision_id].outcome,
            audit_outcome=reviews[f.review_id].outcome,
            created_at=f.created_at,
            version=f.version,
        )
        for f in rows
    ]


def findings_for_review(session: Session, review_id: str) -> list[FindingInfo]:
    return _finding_rows(
        session, select(QaFinding).where(QaFinding.review_id == review_id).order_by(QaFinding.created_at)
    )


def findings_about(session: Session, reviewer_id: str, statuses: Sequence[str] = ()) -> list[FindingInfo]:
    """Findings about this reviewer's decisions (what they may acknowledge or dispute)."""
    query = select(QaFinding).where(QaFinding.reviewer_id == reviewer_id)
    if statuses:
        query = query.where(QaFinding.status.in_(statuses))
    return _finding_rows(session, query.order_by(QaFinding.created_at.desc()))


def findings_for(session: Session, person_id: str) -> list[FindingInfo]:
    """What a person's findings list shows: about their own decisions if they decide cases, else every
    finding (an auditor follows what audits raised)."""
    role = session.scalar(select(Reviewer.role).where(Reviewer.id == person_id)) or ""
    if permissions.allowed(role, "respond_finding"):
        return findings_about(session, person_id)
    return findings(session)


def findings(session: Session, statuses: Sequence[str] = (), limit: int = 500) -> list[FindingInfo]:
    """All findings (for leads and QA), newest first; ``statuses`` narrows them, e.g. ("disputed",)."""
    query = select(QaFinding)
    if statuses:
        query = query.where(QaFinding.status.in_(statuses))
    return _finding_rows(session, query.order_by(QaFinding.created_at.desc()).limit(limit))


def policy_ambiguities(session: Session) -> list[AmbiguityItem]:
    """Policy-ambiguity findings, grouped by policy, for the policy owners (withdrawn ones left out)."""
    rows = session.execute(
        select(QaFinding, Policy.code, Policy.title, Case.external_ref)
        .join(Decision, Decision.id == QaFinding.decision_id)
        .join(QaReview, QaReview.id == QaFinding.review_id)
        # a "no violation" decision cites no policy; then the one the auditor cited is the ambiguous one
        .outerjoin(Policy, Policy.id == func.coalesce(Decision.policy_id, QaReview.policy_id))
        .join(Case, Case.id == QaFinding.case_id)
        .where(QaFinding.category == "policy_ambiguity", QaFinding.resolution != "withdrawn")
        .order_by(Policy.code, QaFinding.created_at)
    ).all()
    return [
        AmbiguityItem(f.id, code or "", title or "", f.note, f.status, ref, f.created_at)
        for f, code, title, ref in rows
    ]
