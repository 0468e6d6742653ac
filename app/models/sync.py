"""Tables of hub sync: the workstation's sync state, and the hub's change feed and bookkeeping.

Local and hub alike (migration 0003_sync, so the hub gets them too): ``sync_conflict`` and ``sync_rejection``
are written on the hub when it applies a push and come back to every workstation through the change feed.
Local only: ``sync_state`` (one row: who this workstation is, what the hub acknowledged, the pull cursor),
``sync_id_map`` (reference rows made independently on both sides, matched by natural key) and
``hub_audit_event`` (other workstations' audit events; kept apart so the local hash chain stays exactly what
this workstation wrote, and ``verify_chain`` keeps verifying it).

Hub only (``HUB_METADATA``, created by ``arbiter hub init``): the change feed, the per-workstation applied
sequence, the cases each workstation touched, and the version at which each mutable field last changed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import NAMING_CONVENTION, Base, IdColumn, UTCDateTime, new_id, utcnow

# SQLite makes an INTEGER PRIMARY KEY the rowid (monotonic in a single-writer database); PostgreSQL a bigint.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class SyncState(Base):
    """The one row (id 1) saying who this workstation is to the hub and how far sync got."""

    __tablename__ = "sync_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workstation_id: Mapped[str] = mapped_column(IdColumn, default=new_id)
    hub_id: Mapped[str] = mapped_column(String(36), default="")
    acked_seq: Mapped[int] = mapped_column(BigInteger, default=0)  # outbox entries up to here are on the hub
    cursor_txid: Mapped[int] = mapped_column(BigInteger, default=0)  # change feed read up to (txid, id)
    cursor_id: Mapped[int] = mapped_column(BigInteger, default=0)
    scope: Mapped[str] = mapped_column(
        Text, default=""
    )  # the scope the cursor belongs to; a new one re-pulls
    last_sync_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")


class SyncIdMap(Base):
    """A reference row (reviewer, queue, policy, policy element) known locally and on the hub by other ids."""

    __tablename__ = "sync_id_map"
    __table_args__ = (UniqueConstraint("entity", "hub_id", name="uq_sync_id_map_hub"),)

    entity: Mapped[str] = mapped_column(String(40), primary_key=True)
    local_id: Mapped[str] = mapped_column(IdColumn, primary_key=True)
    hub_id: Mapped[str] = mapped_column(IdColumn)


class SyncConflict(Base):
    """Two values for one mutable field: the hub kept one by the documented rule; a person may settle it.

    Values are JSON text, so "no assignee" (null) and "never set" stay distinct.
    """

    __tablename__ = "sync_conflict"
    __table_args__ = (Index("ix_sync_conflict_case", "case_id", "created_at"),)

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(IdColumn)
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(IdColumn)
    field: Mapped[str] = mapped_column(String(40))
    kept_value: Mapped[str] = mapped_column(Text)
    other_value: Mapped[str] = mapped_column(Text)
    kept_incoming: Mapped[bool] = mapped_column(Boolean)  # the pushed value won (else the hub's stayed)
    rule: Mapped[str] = mapped_column(String(40))
    workstation_id: Mapped[str] = mapped_column(IdColumn)  # whose push met the other value
    actor_id: Mapped[str | None] = mapped_column(IdColumn, nullable=True)  # who made the pushed change
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    settled_value: Mapped[str | None] = mapped_column(Text, nullable=True)
    settled_by_id: Mapped[str | None] = mapped_column(IdColumn, nullable=True)
    settled_at: Mapped[datetime | None] = mapped_column(nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)


class SyncRejection(Base):
    """A pushed change the hub refused (permission, four eyes, append-only, invalid); kept, never dropped."""

    __tablename__ = "sync_rejection"
    __table_args__ = (
        UniqueConstraint("workstation_id", "seq", name="uq_sync_rejection_seq"),
        Index("ix_sync_rejection_case", "case_id"),
    )

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)
    workstation_id: Mapped[str] = mapped_column(IdColumn)
    seq: Mapped[int] = mapped_column(BigInteger)
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(IdColumn)
    op: Mapped[str] = mapped_column(String(20))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    case_id: Mapped[str | None] = mapped_column(IdColumn, nullable=True)
    actor_id: Mapped[str | None] = mapped_column(IdColumn, nullable=True)
    code: Mapped[str] = mapped_column(String(40))  # permission | four_eyes | append_only | invalid
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class HubAuditEvent(Base):
    """An audit event another workstation wrote, as the hub holds it (its own chain, verified there)."""

    __tablename__ = "hub_audit_event"
    __table_args__ = (Index("ix_hub_audit_event_case", "case_id", "created_at"),)

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True)
    case_id: Mapped[str | None] = mapped_column(IdColumn, nullable=True)
    actor_id: Mapped[str] = mapped_column(IdColumn)
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(IdColumn)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column()
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


# --- hub only ---------------------------------------------------------------------------------------------

HUB_METADATA = MetaData(naming_convention=NAMING_CONVENTION)

hub_meta = Table(
    "hub_meta",
    HUB_METADATA,
    Column("key", String(80), primary_key=True),
    Column("value", Text, nullable=False),
)

# On PostgreSQL ``txid`` is an xid8 stamped by pg_current_xact_id() (hub_admin creates the table with that
# type); on a SQLite hub writers are serialised, so the id alone is in commit order and txid stays 0.
sync_feed = Table(
    "sync_feed",
    HUB_METADATA,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("txid", BigInteger, nullable=False, default=0),
    Column("entity", String(40), nullable=False),
    Column("entity_id", String(36), nullable=False),
    Column("case_id", String(36)),
    Column("queue_id", String(36)),
    Column("workstation_id", String(36)),
    Index("ix_sync_feed_position", "txid", "id"),
)

sync_workstation = Table(
    "sync_workstation",
    HUB_METADATA,
    Column("id", String(36), primary_key=True),
    Column("login", String(200), nullable=False, default=""),
    Column("last_seq", BigInteger, nullable=False, default=0),
    Column("first_seen_at", UTCDateTime(), nullable=False, default=utcnow),
    Column("last_push_at", UTCDateTime()),
)

sync_touch = Table(
    "sync_touch",
    HUB_METADATA,
    Column("workstation_id", String(36), primary_key=True),
    Column("case_id", String(36), primary_key=True),
)

sync_field_version = Table(
    "sync_field_version",
    HUB_METADATA,
    Column("entity", String(40), primary_key=True),
    Column("entity_id", String(36), primary_key=True),
    Column("field", String(40), primary_key=True),
    Column("version", Integer, nullable=False),
)
