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
from app.models.qa import (
    QaAnswer,
    QaBatch,
    QaBatchItem,
    QaCalibration,
    QaCalibrationAnswer,
    QaCalibrationCase,
    QaCalibrationParticipant,
    QaFinding,
    QaFrame,
    QaReview,
    QaRubric,
    QaScore,
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
    "QaAnswer",
    "QaBatch",
    "QaBatchItem",
    "QaCalibration",
    "QaCalibrationAnswer",
    "QaCalibrationCase",
    "QaCalibrationParticipant",
    "QaFinding",
    "QaFrame",
    "QaReview",
    "QaRubric",
    "QaScore",
    "Queue",
    "RemediationAction",
    "Reviewer",
    "Setting",
    "clock",
    "new_id",
    "utcnow",
]

# Sync bookkeeping (local and hub); imported so its tables join Base.metadata.
from app.models.sync import HubAuditEvent, SyncConflict, SyncIdMap, SyncRejection, SyncState

__all__ += ["HubAuditEvent", "SyncConflict", "SyncIdMap", "SyncRejection", "SyncState"]

# Audit checkpoints; imported so the table joins Base.metadata.
from app.models.audit_checkpoint import AuditCheckpoint  # noqa: E402

__all__ += ["AuditCheckpoint"]
