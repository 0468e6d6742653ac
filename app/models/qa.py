"""Tables of the QA audit: the sampling frame, batches, blind re-reviews, scores, findings and calibration.

QA never writes to the review tables: an audit is a set of new records that point at the decision they judge.
Batches, batch items, blind answers, reviews, scores and calibration answers are append-only (guarded by
triggers on SQLite, like the review tables); a finding is the one mutable record and carries a version.

``qa_frame`` is derived, not a record: one row per decision with the fields a sampler needs and a permanent
random number (``prn``), so a sample is a short walk along an index (see app.services.qa.sampling). A trigger
stages each new decision's row in ``qa_frame_stage`` (one unindexed append, so a decision's commit stays
cheap); the sampler moves staged rows into the frame before it reads.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, IdColumn, new_id, utcnow

# Columns of qa_frame a batch can be stratified by (a code, not a label).
FRAME_DIMENSIONS = ("queue", "policy", "reviewer", "outcome", "language", "region", "risk")


def _frame_indexes() -> tuple[Index, ...]:
    # For each dimension: (value, prn, decided_at) to walk a stratum in random order, testing the date range
    # inside the index, and (value, decided_at, prn) to count strata and to read a narrow date range. Both
    # cover what they serve (the row number n rides along), so neither touches the table. The bare
    # (prn, decided_at) and (decided_at, prn) indexes serve the unstratified sample.
    indexes = [
        Index("ix_qa_frame_prn", "prn", "decided_at"),
        Index("ix_qa_frame_decided", "decided_at", "prn"),
    ]
    for name in FRAME_DIMENSIONS:
        indexes.append(Index(f"ix_qa_frame_{name}_prn", name, "prn", "decided_at"))
        indexes.append(Index(f"ix_qa_frame_{name}_decided", name, "decided_at", "prn"))
    return tuple(indexes)


class QaFrame(Base):
    """One row per decision, applied from ``qa_frame_stage``; the population every sample is drawn from."""

    __tablename__ = "qa_frame"
    __table_args__ = _frame_indexes()

    # An integer key: index entries carry it, so a walk finds its rows without a second lookup, and it
    # survives VACUUM (an implicit rowid may not), which keeps ties in PRN order stable.
    n: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    decision_id: Mapped[str] = mapped_column(ForeignKey("decision.id"), unique=True)
    case_id: Mapped[str] = mapped_column(IdColumn)
    decided_at: Mapped[datetime]
    prn: Mapped[int] = mapped_column(Integer)  # 48 random bits of the decision's UUID
    queue: Mapped[str] = mapped_column(IdColumn)
    policy: Mapped[str] = mapped_column(String(20), default="")  # policy code; "" for no violation
    reviewer: Mapped[str] = mapped_column(IdColumn)
    outcome: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(12), default="")
    region: Mapped[str] = mapped_column(String(8), default="")
    severity: Mapped[int] = mapped_column(Integer, default=2)
    views: Mapped[int] = mapped_column(Integer, default=0)
    overturned: Mapped[bool] = mapped_column(Boolean, default=False)
    unsure: Mapped[bool] = mapped_column(Boolean, default=False)
    risk: Mapped[int] = mapped_column(Integer, default=0)  # packed risk class, see sampling.risk_class


class QaFrameStage(Base):
    """A decision's frame row as of its commit, written by a trigger, waiting to be applied to ``qa_frame``.

    No index but the key: the trigger appends, and ``sampling.catch_up`` reads the table whole and empties it.
    ``supersedes_id`` carries the decision an applied row may mark overturned.
    """

    __tablename__ = "qa_frame_stage"

    n: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    decision_id: Mapped[str] = mapped_column(IdColumn)
    case_id: Mapped[str] = mapped_column(IdColumn)
    decided_at: Mapped[datetime]
    prn: Mapped[int] = mapped_column(Integer)
    queue: Mapped[str] = mapped_column(IdColumn)
    policy: Mapped[str] = mapped_column(String(20))
    reviewer: Mapped[str] = mapped_column(IdColumn)
    outcome: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(12))
    region: Mapped[str] = mapped_column(String(8))
    severity: Mapped[int] = mapped_column(Integer)
    views: Mapped[int] = mapped_column(Integer)
    unsure: Mapped[bool] = mapped_column(Boolean)
    supersedes_id: Mapped[str | None] = mapped_column(IdColumn, nullable=True)


class QaRubric(Base):
    """A version of the scoring rubric; the newest is current (append-only)."""

    __tablename__ = "qa_rubric"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    criteria: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # [{key, label, max}]
    created_by_id: Mapped[str] = mapped_column(ForeignKey("reviewer.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class QaBatch(Base):
    __tablename__ = "qa_batch"
    __table_args__ = (Index("ix_qa_batch_created", "created_at"),)

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(20))  # random | stratified | risk
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON)  # everything needed to draw it again
    population: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[str] = mapped_column(ForeignKey("reviewer.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class QaBatchItem(Base):
    __tablename__ = "qa_batch_item"
    __table_args__ = (
        UniqueConstraint("batch_id", "position", name="uq_qa_batch_item_position"),
        UniqueConstraint("batch_id", "decision_id", name="uq_qa_batch_item_decision"),
        Index("ix_qa_batch_item_decision", "decision_id"),
    )

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    batch_id: Mapped[str] = mapped_column(ForeignKey("qa_batch.id"))
    decision_id: Mapped[str] = mapped_column(ForeignKey("decision.id"))
    case_id: Mapped[str] = mapped_column(ForeignKey("case.id"))
    position: Mapped[int] = mapped_column(Integer)
    stratum: Mapped[str] = mapped_column(String(80), default="")
    weight: Mapped[float] = mapped_column(Float, default=1.0)  # design weight: stratum size / its sample


class QaAnswer(Base):
    """An auditor's blind checklist answer for a batch item; the newest per element wins (append-only)."""

    __tablename__ = "qa_answer"
    __table_args__ = (Index("ix_qa_answer_item", "item_id", "auditor_id", "created_at"),)

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    item_id: Mapped[str] = mapped_column(ForeignKey("qa_batch_item.id"))
    auditor_id: Mapped[str] = mapped_column(ForeignKey("reviewer.id"))
    policy_id: Mapped[str] = mapped_column(ForeignKey("policy.id"))
    element_id: Mapped[str] = mapped_column(ForeignKey("policy_element.id"))
    answer: Mapped[str] = mapped_column(String(12))
    evidence: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class QaReview(Base):
    """An auditor's own outcome for a batch item, given blind; one per item and auditor, never changed."""

    __tablename__ = "qa_review"
    __table_args__ = (
        UniqueConstraint("item_id", "auditor_id", name="uq_qa_review_item_auditor"),
        Index("ix_qa_review_created", "created_at"),
    )

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    item_id: Mapped[str] = mapped_column(ForeignKey("qa_batch_item.id"))
    auditor_id: Mapped[str] = mapped_column(ForeignKey("reviewer.id"))
    outcome: Mapped[str] = mapped_column(String(40))
    policy_id: Mapped[str | None] = mapped_column(ForeignKey("policy.id"), nullable=True)
    answers: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # snapshot: [{element_id, key, answer}]
    rationale: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class QaScore(Base):
    """A rubric score of a review; the newest per criterion wins (append-only)."""

    __tablename__ = "qa_score"
    __table_args__ = (Index("ix_qa_score_review", "review_id", "created_at"),)

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    review_id: Mapped[str] = mapped_column(ForeignKey("qa_review.id"))
    rubric_id: Mapped[str | None] = mapped_column(ForeignKey("qa_rubric.id"), nullable=True)
    criterion: Mapped[str] = mapped_column(String(60))
    value: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[str] = mapped_column(ForeignKey("reviewer.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class QaFinding(Base):
    """What an audit found wrong with a decision, and how its author and a lead answered."""

    __tablename__ = "qa_finding"
    __table_args__ = (
        Index("ix_qa_finding_reviewer", "reviewer_id", "status"),
        Index("ix_qa_finding_category", "category", "status"),
        Index("ix_qa_finding_review", "review_id"),
    )

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    review_id: Mapped[str] = mapped_column(ForeignKey("qa_review.id"))
    decision_id: Mapped[str] = mapped_column(ForeignKey("decision.id"))
    case_id: Mapped[str] = mapped_column(ForeignKey("case.id"))
    reviewer_id: Mapped[str] = mapped_column(ForeignKey("reviewer.id"))  # who made the decision
    category: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="open")
    response: Mapped[str] = mapped_column(Text, default="")
    responded_at: Mapped[datetime | None] = mapped_column(nullable=True)
    resolution: Mapped[str] = mapped_column(String(20), default="")  # upheld | withdrawn
    resolution_note: Mapped[str] = mapped_column(Text, default="")
    resolved_by_id: Mapped[str | None] = mapped_column(ForeignKey("reviewer.id"), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_by_id: Mapped[str] = mapped_column(ForeignKey("reviewer.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class QaCalibration(Base):
    __tablename__ = "qa_calibration"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    golden: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[str] = mapped_column(ForeignKey("reviewer.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class QaCalibrationParticipant(Base):
    """A reviewer a lead asked to answer a calibration session; only they answer it."""

    __tablename__ = "qa_calibration_participant"
    __table_args__ = (
        UniqueConstraint("calibration_id", "reviewer_id", name="uq_qa_calibration_participant_person"),
        Index("ix_qa_calibration_participant_reviewer", "reviewer_id"),
    )

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    calibration_id: Mapped[str] = mapped_column(ForeignKey("qa_calibration.id"))
    reviewer_id: Mapped[str] = mapped_column(ForeignKey("reviewer.id"))


class QaCalibrationCase(Base):
    __tablename__ = "qa_calibration_case"
    __table_args__ = (UniqueConstraint("calibration_id", "case_id", name="uq_qa_calibration_case_case"),)

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    calibration_id: Mapped[str] = mapped_column(ForeignKey("qa_calibration.id"))
    case_id: Mapped[str] = mapped_column(ForeignKey("case.id"))
    position: Mapped[int] = mapped_column(Integer)
    expected_outcome: Mapped[str] = mapped_column(String(40), default="")  # golden set only
    expected_answers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # element key -> answer


class QaCalibrationAnswer(Base):
    __tablename__ = "qa_calibration_answer"
    __table_args__ = (UniqueConstraint("item_id", "participant_id", name="uq_qa_calibration_answer_person"),)

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    item_id: Mapped[str] = mapped_column(ForeignKey("qa_calibration_case.id"))
    participant_id: Mapped[str] = mapped_column(ForeignKey("reviewer.id"))
    outcome: Mapped[str] = mapped_column(String(40))
    answers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # element key -> answer
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
