"""Sync with the hub: sync state, id map, conflicts, rejections, other workstations' audit events.

A branch of its own off 0002 (label "sync"), so it stacks with other features' branches; the store upgrades
to "heads". The hub runs it too (``arbiter hub init``): conflicts and rejections live on both sides.

Revision ID: 0003_sync
Revises: 0002
Create Date: 2026-11-29 10:00:00
"""

import sqlalchemy as sa
from alembic import op

import app.models.base

revision = "0003_sync"
down_revision = "0002"
branch_labels = ("sync",)
depends_on = None

Id = sa.String(length=36)
When = app.models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sync_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workstation_id", Id, nullable=False),
        sa.Column("hub_id", sa.String(length=36), nullable=False),
        sa.Column("acked_seq", sa.BigInteger(), nullable=False),
        sa.Column("cursor_txid", sa.BigInteger(), nullable=False),
        sa.Column("cursor_id", sa.BigInteger(), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("last_sync_at", When, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_state")),
    )
    op.create_table(
        "sync_id_map",
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("local_id", Id, nullable=False),
        sa.Column("hub_id", Id, nullable=False),
        sa.PrimaryKeyConstraint("entity", "local_id", name=op.f("pk_sync_id_map")),
        sa.UniqueConstraint("entity", "hub_id", name="uq_sync_id_map_hub"),
    )
    op.create_table(
        "sync_conflict",
        sa.Column("id", Id, nullable=False),
        sa.Column("case_id", Id, nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", Id, nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("kept_value", sa.Text(), nullable=False),
        sa.Column("other_value", sa.Text(), nullable=False),
        sa.Column("kept_incoming", sa.Boolean(), nullable=False),
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column("workstation_id", Id, nullable=False),
        sa.Column("actor_id", Id, nullable=True),
        sa.Column("created_at", When, nullable=False),
        sa.Column("settled_value", sa.Text(), nullable=True),
        sa.Column("settled_by_id", Id, nullable=True),
        sa.Column("settled_at", When, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_conflict")),
    )
    op.create_index("ix_sync_conflict_case", "sync_conflict", ["case_id", "created_at"], unique=False)
    op.create_table(
        "sync_rejection",
        sa.Column("id", Id, nullable=False),
        sa.Column("workstation_id", Id, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", Id, nullable=False),
        sa.Column("op", sa.String(length=20), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("case_id", Id, nullable=True),
        sa.Column("actor_id", Id, nullable=True),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_rejection")),
        sa.UniqueConstraint("workstation_id", "seq", name="uq_sync_rejection_seq"),
    )
    op.create_index("ix_sync_rejection_case", "sync_rejection", ["case_id"], unique=False)
    op.create_table(
        "hub_audit_event",
        sa.Column("id", Id, nullable=False),
        sa.Column("case_id", Id, nullable=True),
        sa.Column("actor_id", Id, nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", Id, nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("created_at", When, nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_audit_event")),
    )
    op.create_index("ix_hub_audit_event_case", "hub_audit_event", ["case_id", "created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_hub_audit_event_case", table_name="hub_audit_event")
    op.drop_table("hub_audit_event")
    op.drop_index("ix_sync_rejection_case", table_name="sync_rejection")
    op.drop_table("sync_rejection")
    op.drop_index("ix_sync_conflict_case", table_name="sync_conflict")
    op.drop_table("sync_conflict")
    op.drop_table("sync_id_map")
    op.drop_table("sync_state")
