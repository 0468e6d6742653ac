"""The domain tables of the local store (and, through the same metadata, of the hub).

Append-only records (checklist answers, notes, decisions, communications, audit events) are never updated;
"current" values are derived by reading. Mutable rows (case, remediation action) carry a version.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, IdColumn, new_id, utcnow


class Reviewer(Base):
    __tablename__ = "reviewer"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    handle: Mapped[str] = mapped_column(String(80), unique=True)
    role: Mapped[str] = mapped_column(String(20))  # specialist | lead | qa | admin
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Queue(Base):
    __tablename__ = "queue"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    workflow: Mapped[str] = mapped_column(String(40), default="standard")  # standard | four_eyes
    sla_first_response_minutes: Mapped[int] = mapped_column(Integer, default=240)
    sla_resolution_minutes: Mapped[int] = mapped_column(Integer, default=1440)
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)


class Case(Base):
    __tablename__ = "case"
    __table_args__ = (
        Index("ix_case_queue_order", "status", "priority", "due_at", "id"),
        Index("ix_case_due", "due_at", "id"),
        Index("ix_case_created", "created_at", "id"),
        Index("ix_case_language", "language", "due_at", "id"),
        Index("ix_case_assignee", "assignee_id", "due_at", "id"),
        Index("ix_case_queue", "queue_id", "due_at", "id"),
        # 0003_perf: each queue order with the status after the key, so the open filter never leaves the index
        Index("ix_case_due_status", "due_at", "id", "status"),
        Index("ix_case_created_status", "created_at", "id", "status"),
        Index("ix_case_priority_status", "priority", "due_at", "id", "status"),
        Index("ix_case_severity_status", "severity", "due_at", "id", "status"),
        Index("ix_case_language_status", "language", "due_at", "id", "status"),
    )

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    external_ref: Mapped[str] = mapped_column(String(120), unique=True)
    queue_id: Mapped[str] = mapped_column(ForeignKey("queue.id"))
    title: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="new")
    priority: Mapped[int] = mapped_column(Integer, default=3)  # 1 (urgent) .. 4 (low)
    severity: Mapped[int] = mapped_column(Integer, default=2)  # 1 (low) .. 4 (critical)
    region: Mapped[str] = mapped_column(String(8), default="")
    language: Mapped[str] = mapped_column(String(12), default="")
    source_type: Mapped[str] = mapped_column(String(40), default="user_report")
    report_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime]
    assignee_id: Mapped[str | None] = mapped_column(ForeignKey("reviewer.id"), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ContentItem(Base):
    __tablename__ = "content_item"
    __table_args__ = (
        Index("ix_content_item_case", "case_id", "position"),
        Index("ix_content_item_author", "author_handle", "reported", "case_id"),  # 0003_perf: author history
    )

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("case.id"))
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("content_item.id"), nullable=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    reported: Mapped[bool] = mapped_column(Boolean, default=False)
    kind: Mapped[str] = mapped_column(String(20))  # post | reply | profile | media | link
    text: Mapped[str] = mapped_column(Text, default="")
    link_url: Mapped[str] = mapped_column(Text, default="")
    author_handle: Mapped[str] = mapped_column(String(200), default="")
    author_display_name: Mapped[str] = mapped_column(String(200), default="")
    author_meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    language: Mapped[str] = mapped_column(String(12), default="")
    captured_at: Mapped[datetime] = mapped_column(default=utcnow)
    metrics: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)


class MediaAttachment(Base):
    __tablename__ = "media_attachment"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    content_item_id: Mapped[str] = mapped_column(ForeignKey("content_item.id"), index=True)
    file_name: Mapped[str] = mapped_column(Text, default="")
    mime: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    byte_size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    path: Mapped[str] = mapped_column(Text, default="")


class Policy(Base):
    __tablename__ = "policy"
    __table_args__ = (UniqueConstraint("code", "version", name="uq_policy_code_version"),)

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    violation_outcome: Mapped[str] = mapped_column(String(40))
    severe_outcome: Mapped[str] = mapped_column(String(40), default="")
    restriction_type: Mapped[str] = mapped_column(String(40), default="removal")
    legal_ground: Mapped[bool] = mapped_column(Boolean, default=False)
    queues: Mapped[list[str]] = mapped_column(JSON, default=list)


class PolicyElement(Base):
    __tablename__ = "policy_element"
    __table_args__ = (UniqueConstraint("policy_id", "key", name="uq_policy_element_key"),)

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    policy_id: Mapped[str] = mapped_column(ForeignKey("policy.id"), index=True)
    key: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20))  # criterion | exception
    text: Mapped[str] = mapped_column(Text)
    guidance: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)


class ChecklistAnswer(Base):
    __tablename__ = "checklist_answer"
    __table_args__ = (Index("ix_checklist_answer_case", "case_id", "created_at"),)

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("case.id"))
    policy_id: Mapped[str] = mapped_column(ForeignKey("policy.id"))
    element_id: Mapped[str] = mapped_column(ForeignKey("policy_element.id"))
    answer: Mapped[str] = mapped_column(String(12))  # met | not_met | unsure
    evidence: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[str] = mapped_column(ForeignKey("reviewer.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Note(Base):
    __tablename__ = "note"
    __table_args__ = (Index("ix_note_case", "case_id", "created_at"),)

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("case.id"))
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(12))
    visibility: Mapped[str] = mapped_column(String(20), default="internal")  # internal | stakeholder
    author_id: Mapped[str] = mapped_column(ForeignKey("reviewer.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Decision(Base):
    """A decision, with the fields an EU DSA Article 17 statement of reasons needs."""

    __tablename__ = "decision"
    __table_args__ = (Index("ix_decision_case", "case_id", "created_at"),)

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("case.id"))
    outcome: Mapped[str] = mapped_column(String(40))
    policy_id: Mapped[str | None] = mapped_column(ForeignKey("policy.id"), nullable=True)
    cited_elements: Mapped[list[str]] = mapped_column(JSON, default=list)
    rationale: Mapped[str] = mapped_column(Text)
    override_reason: Mapped[str] = mapped_column(Text, default="")
    restriction_type: Mapped[str] = mapped_column(String(40), default="")
    territorial_scope: Mapped[list[str]] = mapped_column(JSON, default=list)  # ISO codes, or ["*"] worldwide
    duration_days: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: indefinite
    facts: Mapped[str] = mapped_column(Text, default="")
    source_type: Mapped[str] = mapped_column(String(40), default="")
    automated_detection: Mapped[bool] = mapped_column(Boolean, default=False)
    ground: Mapped[str] = mapped_column(String(20), default="terms")  # terms | legal
    legal_reference: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[str] = mapped_column(ForeignKey("reviewer.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    supersedes_id: Mapped[str | None] = mapped_column(ForeignKey("decision.id"), nullable=True)


class RemediationAction(Base):
    __tablename__ = "remediation_action"
    __table_args__ = (Index("ix_remediation_case", "case_id", "created_at"),)

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("case.id"))
    action_type: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(Text, default="")
    countries: Mapped[list[str]] = mapped_column(JSON, default=list)
    horizon: Mapped[str] = mapped_column(String(20), default="immediate")  # immediate | long_term
    owner_id: Mapped[str | None] = mapped_column(ForeignKey("reviewer.id"), nullable=True)
    due_at: Mapped[datetime | None] = mapped_column(nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="planned")
    needs_second_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    proposed_by_id: Mapped[str] = mapped_column(ForeignKey("reviewer.id"))
    approved_by_id: Mapped[str | None] = mapped_column(ForeignKey("reviewer.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class Communication(Base):
    """A message to or from a stakeholder (legal, comms, reporter, law enforcement); append-only."""

    __tablename__ = "communication"
    __table_args__ = (Index("ix_communication_case", "case_id", "created_at"),)

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("case.id"))
    stakeholder: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(40), default="email")
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[str] = mapped_column(ForeignKey("reviewer.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEvent(Base):
    """Who did what, when, with the values before and after; hash-chained so tampering shows."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_case", "case_id", "seq"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(IdColumn, unique=True, default=new_id)
    case_id: Mapped[str | None] = mapped_column(IdColumn, nullable=True)
    actor_id: Mapped[str] = mapped_column(IdColumn)
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(IdColumn)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class OutboxEntry(Base):
    """A local change waiting to be pushed to the hub, written in the transaction that made it."""

    __tablename__ = "outbox"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(IdColumn)
    op: Mapped[str] = mapped_column(String(20))  # insert | update
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    base_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Setting(Base):
    """Profile-level settings (current reviewer, UI language, theme, hub), declared in app.settings."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
