"""Audit checkpoints: how far the hash chain reached, signed; append-only on SQLite.

A branch of its own off 0002 (label "audit"), so it stacks with other features' branches; the store upgrades
to "heads".

Revision ID: 0003_audit
Revises: 0002
Create Date: 2026-11-29 12:00:00
"""

import sqlalchemy as sa
from alembic import op

import app.models.base

revision = "0003_audit"
down_revision = "0002"
branch_labels = ("audit",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_checkpoint",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_seq", sa.Integer(), nullable=False),
        sa.Column("event_hash", sa.String(length=64), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("signature", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_checkpoint")),
    )
    if op.get_bind().dialect.name != "sqlite":
        return  # the hub gets its own guards (grants and triggers) when it is initialised
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER audit_checkpoint_no_{verb.lower()} BEFORE {verb} ON audit_checkpoint "
            "BEGIN SELECT RAISE(ABORT, 'audit_checkpoint is append-only'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS audit_checkpoint_no_{verb}")
    op.drop_table("audit_checkpoint")
