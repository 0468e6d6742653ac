"""Append-only guards: decisions, checklist answers, notes, communications and audit events cannot change.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 04:30:00
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

APPEND_ONLY = ("decision", "checklist_answer", "note", "communication", "audit_event")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return  # the hub gets its own guards (grants and triggers) when it is initialised
    for table in APPEND_ONLY:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in APPEND_ONLY:
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")
