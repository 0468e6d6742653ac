"""Indexes for a million cases: covering queue orders (the open-status filter is checked inside the index),
the priority and severity sorts, and the reported author's other cases.

A branch of its own off 0002 (label "perf"), so it stacks with other features' branches; the store upgrades
to "heads".

Revision ID: 0003_perf
Revises: 0002
Create Date: 2026-11-28 05:15:00
"""

from alembic import op

revision = "0003_perf"
down_revision = "0002"
branch_labels = ("perf",)
depends_on = None

INDEXES = {
    "ix_case_due_status": ("case", ["due_at", "id", "status"]),
    "ix_case_created_status": ("case", ["created_at", "id", "status"]),
    "ix_case_priority_status": ("case", ["priority", "due_at", "id", "status"]),
    "ix_case_severity_status": ("case", ["severity", "due_at", "id", "status"]),
    "ix_case_language_status": ("case", ["language", "due_at", "id", "status"]),
    "ix_content_item_author": ("content_item", ["author_handle", "reported", "case_id"]),
}


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, (table, _columns) in INDEXES.items():
        op.drop_index(name, table_name=table)
