"""SQLAlchemy ORM entities of the local store. No Qt here."""

from app.models.base import Base, clock, new_id, utcnow
from app.models.entities import (
    AuditEvent,
    Case,
    ChecklistAnswer,
    Communication,
    ContentItem,
    Decision,
    MediaAttachment,
    Note,
    OutboxEntry,
    Policy,
    PolicyElement,
    Queue,
    RemediationAction,
    Reviewer,
    Setting,
)

__all__ = [
    "AuditEvent",
    "Base",
    "Case",
    "ChecklistAnswer",
    "Communication",
    "ContentItem",
    "Decision",
    "MediaAttachment",
    "Note",
    "OutboxEntry",
    "Policy",
    "PolicyElement",
    "Queue",
    "RemediationAction",
    "Reviewer",
    "Setting",
    "clock",
    "new_id",
    "utcnow",
]
