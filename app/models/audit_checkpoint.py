"""Audit checkpoints: a signed statement of how far the hash chain reached at a moment.

The chain alone cannot show that its newest events were cut off; a checkpoint remembers the last covered
event's sequence number and hash, so verification notices a trail shorter than a checkpoint says, and a copy
of the checkpoint kept elsewhere (an anchor file) notices even when the checkpoints were removed too.
Append-only: SQLite triggers refuse UPDATE and DELETE (migration 0003_audit).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow


class AuditCheckpoint(Base):
    """How far the audit chain reached when the checkpoint was made, with an HMAC signature ("" unsigned)."""

    __tablename__ = "audit_checkpoint"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_seq: Mapped[int] = mapped_column(Integer)  # the last event covered; 0 for an empty trail
    event_hash: Mapped[str] = mapped_column(String(64))  # that event's chain hash
    event_count: Mapped[int] = mapped_column(Integer)  # events in the trail up to and including it
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    signature: Mapped[str] = mapped_column(String(64), default="")  # HMAC-SHA256 hex; "" without a key
