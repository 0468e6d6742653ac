"""Audit batches: drawing one (a named command that stores the sample with its parameters) and listing them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.i18n import N_
from app.models import Case, QaBatch, QaBatchItem, QaFinding, QaReview, QaScore, Queue, Reviewer
from app.services import audit, permissions
from app.services.dto import Changes
from app.services.errors import NotFound
from app.services.qa.common import clean_text, queue_names, reviewer_names
from app.services.qa.dto import BatchInfo, BatchItemRow, StratumInfo
from app.services.qa.rubric import current_rubric, score_share
from app.services.qa.sampling import Sample, SampleSpec, describe_risk, draw


@dataclass(frozen=True)
class CreateBatch:
    """Draw a sample and store it as a batch: its parameters (with the seed) and its items, in order."""

    name: str
    spec: SampleSpec

    def run(self, session: Session, actor: Reviewer) -> Changes:
        permissions.require(actor.role, "qa_sample")
        name = clean_text(self.name, N_("Name"))[:200]
        sample = draw(session, self.spec)
        parameters = self.spec.parameters()
        parameters["strata"] = [
            {"key": s.key, "population": s.population, "allocated": s.allocated} for s in sample.strata
        ]
        batch = QaBatch(
            name=name,
            method=self.spec.method,
            parameters=parameters,
            population=sample.population,
            created_by_id=actor.id,
        )
        session.add(batch)
        session.flush()
        payload = audit.row_payload(batch)
        audit.record(
            session,
            actor_id=actor.id,
            action="qa.batch_created",
            entity="qa_batch",
            entity_id=batch.id,
            case_id=None,
            after={k: v for k, v in payload.items() if k != "parameters"} | {"size": len(sample.picks)},
        )
        audit.enqueue(session, "qa_batch", batch.id, "insert", payload)
        _store_items(session, batch.id, sample)
        return Changes(created_ids=(batch.id,))


def _store_items(session: Session, batch_id: str, sample: Sample) -> None:
    # Items are part of the batch's one audit event (a batch of 400 need not write 400 events), but each
    # goes to the outbox so the hub holds the same sample.
    for position, pick in enumerate(sample.picks, start=1):
        item = QaBatchItem(
            batch_id=batch_id,
            decision_id=pick.decision_id,
            case_id=pick.case_id,
            position=position,
            stratum=pick.stratum,
            weight=pick.weight,
        )
        session.add(item)
        session.flush()
        audit.enqueue(session, "qa_batch_item", item.id, "insert", audit.row_payload(item))


def stratum_label(
    session: Session, dimension: str | None, key: str, cache: dict[str, str] | None = None
) -> str:
    """A stratum key as people read it (queue and reviewer names, risk classes spelled out)."""
    if not dimension:
        return ""
    if dimension == "queue":
        names = cache if cache is not None else queue_names(session)
        return names.get(key, key)
    if dimension == "reviewer":
        return reviewer_names(session, [key]).get(key, key)
    if dimension == "risk" and key.lstrip("-").isdigit():
        risk = describe_risk(int(key))
        flags = "".join(("↺" if risk["overturned"] else "", "?" if risk["unsure"] else ""))
        return f"S{risk['severity']} R{risk['reach']}{(' ' + flags) if flags else ''}"
    return key or "—"


def _dimension(parameters: dict[str, Any]) -> str | None:
    method = parameters.get("method")
    return parameters.get("by") if method == "stratified" else ("risk" if method == "risk" else None)


def batches(session: Session) -> list[BatchInfo]:
    """Every batch, newest first, with how far its audit has come."""
    rows = list(session.scalars(select(QaBatch).order_by(QaBatch.created_at.desc())))
    if not rows:
        return []
    ids = [b.id for b in rows]
    sizes = dict(
        session.execute(
            select(QaBatchItem.batch_id, func.count())
            .where(QaBatchItem.batch_id.in_(ids))
            .group_by(QaBatchItem.batch_id)
        ).all()
    )
    reviewed = dict(
        session.execute(
            select(QaBatchItem.batch_id, func.count(func.distinct(QaReview.item_id)))
            .join(QaReview, QaReview.item_id == QaBatchItem.id)
            .where(QaBatchItem.batch_id.in_(ids))
            .group_by(QaBatchItem.batch_id)
        ).all()
    )
    findings = dict(
        session.execute(
            select(QaBatchItem.batch_id, func.count(QaFinding.id))
            .join(QaReview, QaReview.item_id == QaBatchItem.id)
            .join(QaFinding, QaFinding.review_id == QaReview.id)
            .where(QaBatchItem.batch_id.in_(ids))
            .group_by(QaBatchItem.batch_id)
        ).all()
    )
    names = reviewer_names(session, [b.created_by_id for b in rows])
    queues = queue_names(session)
    result = []
    for b in rows:
        dimension = _dimension(b.parameters)
        strata = tuple(
            StratumInfo(
                s["key"],
                stratum_label(session, dimension, s["key"], queues),
                int(s["population"]),
                int(s["allocated"]),
            )
            for s in b.parameters.get("strata", [])
        )
        result.append(
            BatchInfo(
                id=b.id,
                name=b.name,
                method=b.method,
                parameters={k: v for k, v in b.parameters.items() if k != "strata"},
                population=b.population,
                size=int(sizes.get(b.id, 0)),
                reviewed=int(reviewed.get(b.id, 0)),
                findings=int(findings.get(b.id, 0)),
                created_by_name=names.get(b.created_by_id, ""),
                created_at=b.created_at,
                strata=strata,
            )
        )
    return result


def batch(session: Session, batch_id: str) -> BatchInfo:
    found = next((b for b in batches(session) if b.id == batch_id), None)
    if found is None:
        raise NotFound(N_("No audit batch with id %(id)s."), id=batch_id)
    return found


def batch_items(session: Session, batch_id: str, auditor_id: str) -> list[BatchItemRow]:
    """The batch's items in audit order, with this auditor's progress; the original stays hidden."""
    found = session.get(QaBatch, batch_id)
    if found is None:
        raise NotFound(N_("No audit batch with id %(id)s."), id=batch_id)
    dimension = _dimension(found.parameters)
    rows = session.execute(
        select(QaBatchItem, Case.title, Case.language, Queue.name)
        .join(Case, Case.id == QaBatchItem.case_id)
        .join(Queue, Queue.id == Case.queue_id)
        .where(QaBatchItem.batch_id == batch_id)
        .order_by(QaBatchItem.position)
    ).all()
    item_ids = [item.id for item, *_rest in rows]
    reviews = {
        r.item_id: r
        for r in session.scalars(
            select(QaReview).where(QaReview.item_id.in_(item_ids), QaReview.auditor_id == auditor_id)
        )
    }
    originals = _original_outcomes(session, [item.decision_id for item, *_rest in rows if item.id in reviews])
    review_ids = [r.id for r in reviews.values()]
    findings = dict(
        session.execute(
            select(QaFinding.review_id, func.count())
            .where(QaFinding.review_id.in_(review_ids))
            .group_by(QaFinding.review_id)
        ).all()
    )
    shares = _score_shares(session, review_ids)
    queues = queue_names(session)
    result = []
    for item, title, language, queue_name in rows:
        review = reviews.get(item.id)
        result.append(
            BatchItemRow(
                id=item.id,
                position=item.position,
                stratum_label=stratum_label(session, dimension, item.stratum, queues),
                case_title=title,
                language=language,
                queue_name=queue_name,
                reviewed=review is not None,
                agreed=None if review is None else review.outcome == originals.get(item.decision_id),
                score=shares.get(review.id) if review else None,
                findings=int(findings.get(review.id, 0)) if review else 0,
            )
        )
    return result


def _original_outcomes(session: Session, decision_ids: list[str]) -> dict[str, str]:
    from app.models import Decision

    if not decision_ids:
        return {}
    return dict(
        session.execute(select(Decision.id, Decision.outcome).where(Decision.id.in_(decision_ids))).all()
    )


def _score_shares(session: Session, review_ids: list[str]) -> dict[str, float]:
    if not review_ids:
        return {}
    rubric = {c.key: c.max for c in current_rubric(session)}
    latest: dict[str, dict[str, int]] = {}
    for score in session.scalars(
        select(QaScore).where(QaScore.review_id.in_(review_ids)).order_by(QaScore.created_at, QaScore.id)
    ):
        latest.setdefault(score.review_id, {})[score.criterion] = score.value
    shares = {}
    for review_id, scores in latest.items():
        share = score_share(scores, rubric)
        if share is not None:
            shares[review_id] = share
    return shares
