"""Agreement of audits with the original decisions: overall, per policy, queue and reviewer, and over time.

Each re-review is a unit rated by two raters, "original" and "audit", on the outcome (nominal), so percent
agreement is the audit accuracy, Cohen's kappa corrects it for chance, and Krippendorff's alpha agrees with
kappa here but also serves calibration with many raters. All come from app.services.qa.agreement with
bootstrap intervals.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import QaBatchItem, QaFinding, QaFrame, QaReview, QaScore
from app.services.qa.agreement import Estimate, Rating, all_metrics
from app.services.qa.common import queue_names, reviewer_names
from app.services.qa.dto import Dashboard, GroupAgreement
from app.services.qa.rubric import current_rubric, score_share

BOOTSTRAP_SAMPLES = 500


@dataclass(frozen=True)
class AuditRow:
    review_id: str
    original: str
    audit: str
    policy: str
    queue: str
    reviewer: str
    decided_at: datetime
    score: float | None


def audit_rows(session: Session, batch_id: str | None = None) -> list[AuditRow]:
    query = (
        select(
            QaReview.id,
            QaReview.outcome,
            QaFrame.outcome,
            QaFrame.policy,
            QaFrame.queue,
            QaFrame.reviewer,
            QaFrame.decided_at,
        )
        .join(QaBatchItem, QaBatchItem.id == QaReview.item_id)
        .join(QaFrame, QaFrame.decision_id == QaBatchItem.decision_id)
    )
    if batch_id:
        query = query.where(QaBatchItem.batch_id == batch_id)
    rows = session.execute(query.order_by(QaFrame.decided_at)).all()
    shares = _shares(session, [r[0] for r in rows])
    return [
        AuditRow(rid, original, audited, policy, queue, reviewer, decided, shares.get(rid))
        for rid, audited, original, policy, queue, reviewer, decided in rows
    ]


def _shares(session: Session, review_ids: list[str]) -> dict[str, float]:
    if not review_ids:
        return {}
    maxes = {c.key: c.max for c in current_rubric(session)}
    latest: dict[str, dict[str, int]] = defaultdict(dict)
    for review_id, criterion, value in session.execute(
        select(QaScore.review_id, QaScore.criterion, QaScore.value)
        .where(QaScore.review_id.in_(review_ids))
        .order_by(QaScore.created_at, QaScore.id)
    ):
        latest[review_id][criterion] = value
    shares = {rid: score_share(scores, maxes) for rid, scores in latest.items()}
    return {rid: share for rid, share in shares.items() if share is not None}


def group_agreement(key: str, label: str, rows: Iterable[AuditRow]) -> GroupAgreement:
    rows = list(rows)
    ratings = [
        rating
        for r in rows
        for rating in (Rating(r.review_id, "original", r.original), Rating(r.review_id, "audit", r.audit))
    ]
    estimates = {e.metric: e for e in all_metrics(ratings, samples=BOOTSTRAP_SAMPLES)}
    scores = [r.score for r in rows if r.score is not None]
    return GroupAgreement(
        key=key,
        label=label,
        n=len(rows),
        accuracy=estimates["percent_agreement"],
        kappa=estimates["cohen_kappa"],
        alpha=estimates["krippendorff_alpha"],
        mean_score=sum(scores) / len(scores) if scores else None,
    )


def _grouped(
    rows: list[AuditRow], key: Callable[[AuditRow], str], label: Callable[[str], str]
) -> tuple[GroupAgreement, ...]:
    groups: dict[str, list[AuditRow]] = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    result = [group_agreement(k, label(k), members) for k, members in groups.items()]
    return tuple(sorted(result, key=lambda g: (-g.n, g.label)))


def period_key(moment: datetime, period: str) -> str:
    """The ISO date of the week's Monday or the month's first day, so keys sort in time order."""
    if period == "month":
        return moment.date().replace(day=1).isoformat()
    return (moment.date() - timedelta(days=moment.weekday())).isoformat()


def choose_period(rows: list[AuditRow]) -> str:
    if not rows:
        return "week"
    span = rows[-1].decided_at - rows[0].decided_at
    return "month" if span > timedelta(days=120) else "week"


def dashboard(session: Session, batch_id: str | None = None) -> Dashboard:
    rows = audit_rows(session, batch_id)
    period = choose_period(rows)
    queues = queue_names(session)
    people = reviewer_names(session, {r.reviewer for r in rows})
    over_time = _grouped(rows, lambda r: period_key(r.decided_at, period), lambda k: k)
    finding_query = select(QaFinding.category, QaFinding.status, QaFinding.resolution)
    if batch_id:
        finding_query = (
            finding_query.join(QaReview, QaReview.id == QaFinding.review_id)
            .join(QaBatchItem, QaBatchItem.id == QaReview.item_id)
            .where(QaBatchItem.batch_id == batch_id)
        )
    found = session.execute(finding_query).all()
    categories = Counter(category for category, _status, resolution in found if resolution != "withdrawn")
    return Dashboard(
        reviewed=len(rows),
        agreed=sum(r.original == r.audit for r in rows),
        open_findings=sum(status == "open" for _c, status, _r in found),
        disputed_findings=sum(status == "disputed" for _c, status, _r in found),
        overall=group_agreement("", "", rows) if rows else None,
        over_time=tuple(sorted(over_time, key=lambda g: g.key)),
        by_policy=_grouped(rows, lambda r: r.policy, lambda k: k),  # "" = no policy cited
        by_queue=_grouped(rows, lambda r: r.queue, lambda k: queues.get(k, k)),
        by_reviewer=_grouped(rows, lambda r: r.reviewer, lambda k: people.get(k, k)),
        categories=tuple(sorted(categories.items(), key=lambda kv: (-kv[1], kv[0]))),
    )


def estimate_text(estimate: Estimate, digits: int = 2) -> str:
    """'0.81 [0.70, 0.90]', just the value when there is no interval, '—' when the metric is undefined."""
    if math.isnan(estimate.value):
        return "—"
    if estimate.low is None or estimate.high is None:
        return f"{estimate.value:.{digits}f}"
    return f"{estimate.value:.{digits}f} [{estimate.low:.{digits}f}, {estimate.high:.{digits}f}]"
