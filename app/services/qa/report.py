"""A batch's results for people outside the app: one row per sampled decision (CSV), and the figures a
manager's PDF report shows (rendered by app.views.qa.pdf_report)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Case, Decision, QaBatchItem, QaFinding, QaReview, QaScore
from app.services.qa.batches import _dimension, batch, stratum_label
from app.services.qa.common import policy_codes, queue_names, reviewer_names
from app.services.qa.dto import BatchInfo, Dashboard, RubricCriterion
from app.services.qa.findings import policy_ambiguities
from app.services.qa.metrics import dashboard
from app.services.qa.rubric import current_rubric, score_share

FIXED_COLUMNS = (
    "position",
    "case",
    "stratum",
    "design_weight",
    "queue",
    "original_outcome",
    "original_policy",
    "original_reviewer",
    "decided_at",
    "auditor",
    "audit_outcome",
    "audit_policy",
    "agreed",
    "score",
)
FINDING_COLUMNS = ("finding_categories", "finding_statuses", "finding_notes")
# A spreadsheet runs a cell that starts with one of these as a formula; such cells get a leading apostrophe.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ResultRow:
    position: int
    external_ref: str
    stratum: str
    weight: float
    queue: str
    original_outcome: str
    original_policy: str
    original_reviewer: str
    decided_at: datetime
    auditor: str  # "" while not reviewed
    audit_outcome: str
    audit_policy: str
    agreed: bool | None
    score: float | None
    scores: dict[str, int]
    finding_categories: tuple[str, ...]
    finding_statuses: tuple[str, ...]
    finding_notes: tuple[str, ...]


@dataclass(frozen=True)
class BatchReport:
    batch: BatchInfo
    rubric: tuple[RubricCriterion, ...]
    rows: tuple[ResultRow, ...]
    dashboard: Dashboard
    ambiguities: tuple[tuple[str, str], ...]  # (policy code, note) raised in this batch
    generated_at: datetime


def batch_results(session: Session, batch_id: str) -> list[ResultRow]:
    info = batch(session, batch_id)
    dimension = _dimension({"method": info.method, **info.parameters})
    rows = session.execute(
        select(QaBatchItem, Decision, Case.external_ref, Case.queue_id)
        .join(Decision, Decision.id == QaBatchItem.decision_id)
        .join(Case, Case.id == QaBatchItem.case_id)
        .where(QaBatchItem.batch_id == batch_id)
        .order_by(QaBatchItem.position)
    ).all()
    reviews: dict[str, list[QaReview]] = {}
    for review in session.scalars(
        select(QaReview)
        .where(QaReview.item_id.in_([item.id for item, *_ in rows]))
        .order_by(QaReview.created_at)
    ):
        reviews.setdefault(review.item_id, []).append(review)
    review_ids = [r.id for rs in reviews.values() for r in rs]
    scores: dict[str, dict[str, int]] = {}
    for score in session.scalars(
        select(QaScore).where(QaScore.review_id.in_(review_ids)).order_by(QaScore.created_at, QaScore.id)
    ):
        scores.setdefault(score.review_id, {})[score.criterion] = score.value
    findings: dict[str, list[QaFinding]] = {}
    for finding in session.scalars(
        select(QaFinding).where(QaFinding.review_id.in_(review_ids)).order_by(QaFinding.created_at)
    ):
        findings.setdefault(finding.review_id, []).append(finding)
    people = reviewer_names(
        session, [d.author_id for _i, d, *_ in rows] + [r.auditor_id for rs in reviews.values() for r in rs]
    )
    codes = policy_codes(
        session, [d.policy_id for _i, d, *_ in rows] + [r.policy_id for rs in reviews.values() for r in rs]
    )
    queues = queue_names(session)
    maxes = {c.key: c.max for c in current_rubric(session)}
    result = []
    for item, decision, ref, queue_id in rows:
        # One row per re-review; an item nobody has reviewed yet still gets its row.
        for review in reviews.get(item.id) or [None]:
            given = scores.get(review.id, {}) if review else {}
            found = findings.get(review.id, []) if review else []
            result.append(
                ResultRow(
                    position=item.position,
                    external_ref=ref,
                    stratum=stratum_label(session, dimension, item.stratum, queues),
                    weight=item.weight,
                    queue=queues.get(queue_id, ""),
                    original_outcome=decision.outcome,
                    original_policy=codes.get(decision.policy_id or "", ""),
                    original_reviewer=people.get(decision.author_id, ""),
                    decided_at=decision.created_at,
                    auditor=people.get(review.auditor_id, "") if review else "",
                    audit_outcome=review.outcome if review else "",
                    audit_policy=codes.get(review.policy_id or "", "") if review else "",
                    agreed=(review.outcome == decision.outcome) if review else None,
                    score=score_share(given, maxes) if review else None,
                    scores=given,
                    finding_categories=tuple(f.category for f in found),
                    finding_statuses=tuple(f.status for f in found),
                    finding_notes=tuple(f.note for f in found),
                )
            )
    return result


def batch_report(session: Session, batch_id: str, now: datetime) -> BatchReport:
    info = batch(session, batch_id)
    rows = batch_results(session, batch_id)
    in_batch = {
        f.id
        for f in session.scalars(
            select(QaFinding)
            .join(QaReview, QaReview.id == QaFinding.review_id)
            .join(QaBatchItem, QaBatchItem.id == QaReview.item_id)
            .where(QaBatchItem.batch_id == batch_id)
        )
    }
    ambiguities = tuple(
        (a.policy_code, a.note) for a in policy_ambiguities(session) if a.finding_id in in_batch
    )
    return BatchReport(
        batch=info,
        rubric=current_rubric(session),
        rows=tuple(rows),
        dashboard=dashboard(session, batch_id),
        ambiguities=ambiguities,
        generated_at=now,
    )


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_csv(report: BatchReport, out: TextIO) -> int:
    """The batch's rows as CSV (codes, not translated labels, so files compare across languages)."""
    criteria = [c.key for c in report.rubric]
    writer = csv.writer(out)
    writer.writerow([*FIXED_COLUMNS, *(f"score_{key}" for key in criteria), *FINDING_COLUMNS])
    for row in report.rows:
        writer.writerow(
            [
                _cell(v)
                for v in (
                    row.position,
                    row.external_ref,
                    row.stratum,
                    f"{row.weight:.4f}",
                    row.queue,
                    row.original_outcome,
                    row.original_policy,
                    row.original_reviewer,
                    row.decided_at.isoformat(),
                    row.auditor,
                    row.audit_outcome,
                    row.audit_policy,
                    "" if row.agreed is None else ("yes" if row.agreed else "no"),
                    "" if row.score is None else f"{row.score:.3f}",
                    *(row.scores.get(key, "") for key in criteria),
                    ";".join(row.finding_categories),
                    ";".join(row.finding_statuses),
                    " | ".join(n.replace("\n", " ") for n in row.finding_notes),
                )
            ]
        )
    return len(report.rows)
